#!/bin/bash
# The launcher's connect time over RDP and over VNC, each against the stock
# viewer started by hand for the same server:
#
#  RDP  FreeRDP's shadow server sharing a second X display that shows a
#       known picture (no SAM file: no login on either side). The launcher
#       (broker mapping protocol = rdp) against `xfreerdp` given the options
#       the launcher itself gave its embedded xfreerdp, read off its
#       event=rdp_start log line (less /parent-window and any user name).
#  VNC  QEMU's own VNC server showing the boot sector's test pattern. The
#       launcher (protocol = vnc) against `gvncviewer 127.0.0.1:N`.
#
# Each connect is timed from pressing Connect on the launcher's login screen
# (the broker query included; the launcher is already running, as a station's
# is) or from starting the viewer's process, to the desktop's picture on
# screen. "Picture on screen" is measured the same way for both sides: the
# root window is grabbed over and over until two colours of the desktop's
# picture show up, wherever the viewer put it (about 40 ms a grab). Runs
# alternate (launcher, viewer, launcher, ...) so that noise falls on both;
# a first pair, not reported, warms up the server (its first connection is
# the slowest), the page cache and the fonts for both sides.
# The launcher's own log time stamps (state=connecting: the broker has
# answered and the viewer starts; rdp_window or vnc_initialized; the desktop
# page painted; event=first_frame when logged) are reported too, from the
# same Connect press.
#
# Usage: tools/bench/viewers.sh   (after make; VDI_BUILD=build)
# Knobs: BENCH_VIEWERS_RUNS (runs per side and protocol, 5). Output: standard
# output and $VDI_BUILD/bench/viewers.txt, viewers.json. Exit 0 when it ran,
# 1 when something broke (a server did not start, a run never showed the
# picture).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/../.." && pwd)
export VDI_ROOT
# tap.sh gives $T (removed at exit) and at_exit; the other helpers need it.
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/lib/rdp.sh
. "$VDI_ROOT/tests/lib/rdp.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

runs=${BENCH_VIEWERS_RUNS:-5}
out=$VDI_BUILD/bench
mkdir -p "$out"
# The JSON summary writes a missing figure as null.
BENCH_NONE=null
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"
bench_report "$out/viewers.txt"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

for tool in xfreerdp freerdp-shadow-cli gvncviewer qemu-system-x86_64 Xvfb import convert \
	xdotool perl; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
[ -x "$VDI_BUILD/bin/vdi-launcher" ] || die "$VDI_BUILD/bin/vdi-launcher is missing; run make first"
[ -x "$VDI_BUILD/bin/vdi-broker" ] || die "$VDI_BUILD/bin/vdi-broker is missing; run make first"
case $runs in '' | *[!0-9]* | 0) die "BENCH_VIEWERS_RUNS must be a whole number above 0" ;; esac

x11_start 1024x768 || die "no X server"
fake_sysfs eth9 "$STATION_MAC"

# The two colours the picture must show, as 0xRRGGBB (set per protocol).
colours=()
# colour_at IMAGE X+Y: one pixel of IMAGE as 0xRRGGBB.
colour_at() {
	convert "$1" -crop "1x1+$2" -depth 8 txt:- | grep -o '#[0-9A-F]\{6\}' | sed 's/#/0x/'
}

# True when both colours show on screen, wherever the viewer put the
# picture: one grab of the root window as raw RGB, every 16th pixel looked
# at. A pixel counts when each channel is within 6 of the colour, since a
# codec may round (the other colours of either picture are much further
# off). About 40 ms a probe, small next to what is measured.
picture_shown() {
	import -window root -depth 8 rgb:- 2>/dev/null | perl -e '
		my @want = map { [unpack("x C3", pack("N", hex))] } @ARGV;
		local $/;
		my $d = <STDIN> // exit 1;
		my @n = (0, 0);
		for (my $i = 0; $i + 3 <= length($d); $i += 48) {
			my @p = unpack("C3", substr($d, $i, 3));
			for my $k (0, 1) {
				my $w = $want[$k];
				$n[$k]++ if abs($p[0] - $w->[0]) <= 6 && abs($p[1] - $w->[1]) <= 6 &&
					abs($p[2] - $w->[2]) <= 6;
			}
		}
		exit(($n[0] >= 20 && $n[1] >= 20) ? 0 : 1);' "${colours[0]}" "${colours[1]}"
}
# Milliseconds from $1 until the picture shows (or -1 after about 20 s).
until_picture() {
	local t0=$1
	for _ in $(seq 1 400); do
		if picture_shown; then
			echo $(($(now_ms) - t0))
			return 0
		fi
	done
	echo -1
}
# True once the picture is gone from the screen (a viewer just closed).
picture_gone() {
	for _ in $(seq 1 100); do
		picture_shown || return 0
		sleep 0.05
	done
	return 1
}
# free_vnc: a VNC display number whose port (5900 + N) is free.
free_vnc() {
	local n
	for _ in $(seq 1 50); do
		n=$((100 + RANDOM % 900))
		if ! (: </dev/tcp/127.0.0.1/$((5900 + n))) 2>/dev/null; then
			echo "$n"
			return 0
		fi
	done
	return 1
}
# The launcher's log event $1 in ms after $2 (nothing when not logged).
log_after() {
	local ms
	ms=$(launcher_log_ms "$1") || return 0
	[ -n "$ms" ] && echo $((ms - $2))
}
# stop_pid PID: ends a viewer this script started and reaps it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
failures=()
json_rdp=null json_vnc=null

# launcher_run PROTO ENDPOINT: one launcher connect; appends to l_ms and,
# from its log, to l_start (state=connecting), l_first (event=first_frame),
# l_painted (the desktop page painted) and l_event (the protocol's own
# "opened" line, event=$event).
launcher_run() {
	local proto=$1 endpoint=$2 t0 ms child
	: >"$T/launcher.log"
	launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o audio=no
	launcher_wait_state '^state=idle ' 20 || die "launcher did not reach its login screen"
	launcher_wait_log 'event=painted page=login' 5 || die "the login screen was not painted"
	sleep 0.3
	picture_gone || die "the $proto picture is on screen before Connect"
	t0=$(now_ms)
	xdotool key Return
	ms=$(until_picture "$t0")
	if [ "$ms" -lt 0 ]; then
		failures+=("$proto launcher run: no picture within 20 s ($(cat "$T/status"))")
	elif ! launcher_wait_state "^state=connected protocol=$proto endpoint=$endpoint " 5; then
		failures+=("$proto launcher run: picture, but status '$(cat "$T/status")'")
	else
		l_ms+=("$ms")
		l_start+=("$(log_after 'state state=connecting' "$t0")")
		launcher_wait_log 'event=painted page=desktop' 5 &&
			l_painted+=("$(log_after 'painted page=desktop' "$t0")")
		grep -q 'event=first_frame' "$T/launcher.log" &&
			l_first+=("$(log_after first_frame "$t0")")
		grep -q "event=$event" "$T/launcher.log" && l_event+=("$(log_after "$event" "$t0")")
	fi
	[ "$proto" = rdp ] && grep -m 1 'event=rdp_start' "$T/launcher.log" >"$T/rdp_start.log"
	child=$(pgrep -P "$LAUNCHER_PID" -x xfreerdp)
	launcher_stop >/dev/null || failures+=("$proto launcher run: the launcher did not stop cleanly")
	# The launcher stops its xfreerdp; make sure none lingers.
	stop_pid "$child"
	picture_gone || die "the $proto picture stays on screen after the launcher stopped"
}

# peer_run PROTO COMMAND...: one hand-started viewer; appends to p_ms.
peer_run() {
	local proto=$1 t0 ms pid
	shift
	picture_gone || die "the $proto picture is on screen before $1 starts"
	t0=$(now_ms)
	"$@" >>"$T/peer.log" 2>&1 &
	pid=$!
	ms=$(until_picture "$t0")
	if [ "$ms" -lt 0 ]; then
		failures+=("$proto $1 run: no picture within 20 s")
	else
		p_ms+=("$ms")
	fi
	stop_pid "$pid"
	picture_gone || die "the $proto picture stays on screen after $1 stopped"
}

# min_max VALUES...: "MIN MAX", or $BENCH_NONE twice.
min_max() {
	[ $# -gt 0 ] || {
		echo "$BENCH_NONE $BENCH_NONE"
		return
	}
	printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd' ' | awk 'NF == 1 { $2 = $1 } 1'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "null" }'; }
json_list() {
	local IFS=,
	printf '[%s]' "$*"
}

# report PROTO LABEL PEER: the table for one protocol, and its JSON in
# json_PROTO.
report() {
	local proto=$1 label=$2 peer=$3 lm pm lmin lmax pmin pmax r sm fm dm em
	lm=$(median 0 "${l_ms[@]}")
	pm=$(median 0 "${p_ms[@]}")
	read -r lmin lmax < <(min_max "${l_ms[@]}")
	read -r pmin pmax < <(min_max "${p_ms[@]}")
	r=$(ratio "$lm" "$pm")
	sm=$(median 0 "${l_start[@]}")
	fm=$(median 0 "${l_first[@]}")
	dm=$(median 0 "${l_painted[@]}")
	em=$(median 0 "${l_event[@]}")
	say "== $label: launcher vs $peer, same server, $runs alternating runs each"
	say "  Connect pressed (launcher, broker query included) / process started ($peer)"
	say "  -> the desktop's picture on screen (root window grabs):"
	say "$(printf '  %-10s %10s %7s %7s   %s' side 'median ms' min max 'runs ms')"
	say "$(printf '  %-10s %10s %7s %7s   %s' launcher "$lm" "$lmin" "$lmax" "${l_ms[*]}")"
	say "$(printf '  %-10s %10s %7s %7s   %s' "$peer" "$pm" "$pmin" "$pmax" "${p_ms[*]}")"
	say "  ratio launcher/$peer: $r   (target <= 1.0)"
	say "  launcher's own log, ms after Connect (medians):"
	say "    state=connecting $sm (broker answered); event=$event $em;"
	say "    event=painted page=desktop $dm;"
	if [ ${#l_first[@]} -gt 0 ]; then
		say "    event=first_frame $fm"
	else
		say "    event=first_frame not logged for this protocol"
	fi
	printf -v "json_$proto" '{"peer":"%s","launcher_ms":%s,"peer_ms":%s,"ratio":%s,"launcher_min_ms":%s,"launcher_max_ms":%s,"peer_min_ms":%s,"peer_max_ms":%s,"launcher_runs_ms":%s,"peer_runs_ms":%s,"connecting_ms":%s,"first_frame_ms":%s,"desktop_painted_ms":%s,"%s_ms":%s}' \
		"$peer" "$lm" "$pm" "$r" "$lmin" "$lmax" "$pmin" "$pmax" \
		"$(json_list "${l_ms[@]}")" "$(json_list "${p_ms[@]}")" "$sm" "$fm" "$dm" "$event" "$em"
}

# ---------------------------------------------------------------- RDP

rport=$(free_port)
rdp_server_start "$rport" 1024x768 || die "the RDP server did not start"
# The picture's red rectangle and lime circle.
colours=("$(colour_at "$RDP_PICTURE" 170+150)" "$(colour_at "$RDP_PICTURE" 600+400)")
if [ -z "${colours[0]}" ] || [ -z "${colours[1]}" ]; then
	die "cannot read the RDP picture's colours"
fi
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Bench
protocol = rdp
host = 127.0.0.1
port = $rport
CONF
broker_start "$T/stations.conf" >/dev/null || die "no broker"

event=rdp_window
peer_args=()
for ((i = 0; i <= runs; i++)); do
	[ "$i" = 1 ] && l_ms=() l_start=() l_first=() l_painted=() l_event=() p_ms=()
	launcher_run rdp "127\\.0\\.0\\.1:$rport"
	if [ ${#peer_args[@]} -eq 0 ]; then
		# The launcher's own xfreerdp options, less what only an embedded
		# or logged-in viewer needs.
		read -r -a shown < <(sed -n 's/.* args="\{0,1\}\([^"]*\)"\{0,1\}.*/\1/p' "$T/rdp_start.log")
		for a in "${shown[@]}"; do
			case $a in
			/parent-window:* | /u:* | /p:* | /from-stdin) ;;
			*) peer_args+=("$a") ;;
			esac
		done
		[ ${#peer_args[@]} -gt 0 ] || die "no event=rdp_start line in the launcher's log"
		case ${peer_args[0]} in /v:*) ;; *) die "unexpected xfreerdp arguments: ${peer_args[*]}" ;; esac
	fi
	kill -0 "$RDP_PID" 2>/dev/null || die "the RDP server died"
	peer_run rdp xfreerdp "${peer_args[@]}"
	kill -0 "$RDP_PID" 2>/dev/null || die "the RDP server died"
done
report rdp RDP xfreerdp
say "  xfreerdp ${peer_args[*]}"
say ""
rdp_server_stop

# ---------------------------------------------------------------- VNC

qemu_pattern_disk "$T/disk.img" || die "no boot pattern"
n=$(free_vnc) || die "no free VNC display"
vport=$((5900 + n))
qemu_start desk "$(free_port)" --disk "$T/disk.img" -- -device qxl-vga,id=video0 \
	-vnc "127.0.0.1:$n" >/dev/null || die "qemu did not start"
qemu_wait_pattern desk 60 || die "the VM shows no pattern"
# Two colours of the pattern (block centres of the VM's own picture).
qemu_screendump desk "$T/ref.png"
colours=("$(colour_at "$T/ref.png" 288+96)" "$(colour_at "$T/ref.png" 416+224)")
if [ -z "${colours[0]}" ] || [ -z "${colours[1]}" ]; then
	die "cannot read the pattern's colours"
fi
stations_write "$T/stations.conf" <<CONF || die "the broker did not take the VNC mapping"
[$STATION_MAC]
name = Bench
protocol = vnc
host = 127.0.0.1
port = $vport
CONF

event=vnc_initialized
for ((i = 0; i <= runs; i++)); do
	[ "$i" = 1 ] && l_ms=() l_start=() l_first=() l_painted=() l_event=() p_ms=()
	launcher_run vnc "127\\.0\\.0\\.1:$vport"
	peer_run vnc gvncviewer "127.0.0.1:$n"
	kill -0 "${QEMU_PID[desk]}" 2>/dev/null || die "the VM died"
done
report vnc VNC gvncviewer
say "  gvncviewer 127.0.0.1:$n   (QEMU's VNC server, display :$n)"
if [ ${#failures[@]} -gt 0 ]; then
	say "runs that went wrong (left out of the figures):"
	for f in "${failures[@]}"; do say "  $f"; done
fi

printf '{"runs":%d,"rdp":%s,"vnc":%s,"failed_runs":%d}\n' \
	"$runs" "$json_rdp" "$json_vnc" "${#failures[@]}" >"$out/viewers.json"
[ ${#failures[@]} -eq 0 ] || exit 1
exit 0
