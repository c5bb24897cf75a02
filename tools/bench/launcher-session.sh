#!/bin/bash
# The launcher's benchmarks, against remote-viewer on the same QEMU desktop:
#
#  connect  From pressing Connect on the login screen (the broker query
#           included) to the desktop's picture on screen, against
#           remote-viewer started with a ready .vv file for the same server.
#  return   From the server quitting to the login screen painted, against
#           remote-viewer --kiosk --kiosk-quit=on-disconnect exiting.
#  memory   The launcher's RSS while connected (and remote-viewer's).
#
# Runs alternate (launcher, remote-viewer, launcher, ...) so that noise falls
# on both. "Picture on screen" is measured the same way for both: the root
# window is grabbed over and over until two colours of the desktop's test
# pattern show up, wherever the viewer put it (about 40 ms a grab). The launcher's own log time
# stamps (event=first_frame, event=painted page=login) are reported too.
#
# Usage: tools/bench/launcher-session.sh   (after make; VDI_BUILD=build)
# Knobs: BENCH_LAUNCHER_RUNS (runs per side, 5). Output: standard output and
# $VDI_BUILD/bench/launcher.txt, launcher.json. Exit 0 when it ran, 1 when
# something broke.
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
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

runs=${BENCH_LAUNCHER_RUNS:-5}
out=$VDI_BUILD/bench
mkdir -p "$out"
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"
bench_report "$out/launcher.txt"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

command -v remote-viewer >/dev/null || die "remote-viewer is not installed (make deps)"
x11_start 1024x768 || die "no X server"
fake_sysfs eth9 "$STATION_MAC"
qemu_pattern_disk "$T/disk.img" || die "no boot pattern"
port=$(free_port)

vm_up() {
	qemu_stop desk
	rm -f "$T/desk.qmp" "$T/desk.hmp"
	qemu_start desk "$port" --disk "$T/disk.img" >/dev/null || die "qemu did not start"
	qemu_wait_pattern desk 60 || die "the VM shows no pattern"
}

vm_up
# Two colours of the pattern (block centres of the VM's own picture), as
# 0xRRGGBB.
qemu_screendump desk "$T/ref.png"
colours=()
for xy in 288+96 416+224; do
	colours+=("$(convert "$T/ref.png" -crop "1x1+$xy" -depth 8 txt:- |
		grep -o '#[0-9A-F]\{6\}' | sed 's/#/0x/')")
done
if [ -z "${colours[0]}" ] || [ -z "${colours[1]}" ]; then
	die "cannot read the pattern's colours"
fi

# True when both colours show on screen, wherever the viewer put the
# picture: one grab of the root window as raw RGB, every 16th pixel looked
# at. About 40 ms a probe, small next to what is measured.
picture_shown() {
	import -window root -depth 8 rgb:- 2>/dev/null | perl -e '
		my @want = map { pack("N", hex) } @ARGV;
		substr($_, 0, 1, "") for @want;	# 0xRRGGBB -> three bytes
		local $/;
		my $d = <STDIN> // exit 1;
		my ($n1, $n2) = (0, 0);
		for (my $i = 0; $i + 3 <= length($d); $i += 48) {
			my $p = substr($d, $i, 3);
			$n1++ if $p eq $want[0];
			$n2++ if $p eq $want[1];
		}
		exit(($n1 >= 20 && $n2 >= 20) ? 0 : 1);' "${colours[0]}" "${colours[1]}"
}
# Milliseconds from $1 until the picture shows (or -1 after 20 s).
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
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
CONF
broker_start "$T/stations.conf" >/dev/null || die "no broker"
cat >"$T/desk.vv" <<VV
[virt-viewer]
type=spice
host=127.0.0.1
port=$port
fullscreen=1
VV

l_connect=() r_connect=() l_first=() l_return=() l_return_shot=() r_return=() l_rss=() r_rss=()
for ((i = 1; i <= runs; i++)); do
	# Launcher: on its login screen, Connect, until the picture shows.
	: >"$T/launcher.log"
	launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
	launcher_wait_state '^state=idle ' 20 || die "launcher did not reach its login screen"
	launcher_wait_log 'event=painted page=login' 5
	sleep 0.3
	t0=$(now_ms)
	xdotool key Return
	l_connect+=("$(until_picture "$t0")")
	launcher_wait_log 'event=first_frame' 5 && l_first+=($(($(launcher_log_ms first_frame) - t0)))
	sleep 1
	l_rss+=("$(rss_kib "$LAUNCHER_PID")")
	# The server quits: until the login screen is painted.
	t0=$(now_ms)
	qemu_quit desk
	launcher_wait_state '^state=idle ' 10
	if launcher_wait_log 'event=session_end' 5; then
		for _ in $(seq 1 100); do
			picture_shown || break
		done
		l_return_shot+=($(($(now_ms) - t0)))
		sleep 0.3
		l_return+=($(($(launcher_log_ms 'painted page=login') - t0)))
	fi
	launcher_stop >/dev/null
	vm_up

	# remote-viewer: started with the .vv file, until the picture shows.
	t0=$(now_ms)
	remote-viewer --kiosk --kiosk-quit=on-disconnect "$T/desk.vv" >"$T/rv.log" 2>&1 &
	rv=$!
	r_connect+=("$(until_picture "$t0")")
	sleep 1
	r_rss+=("$(rss_kib "$rv")")
	t0=$(now_ms)
	qemu_quit desk
	if wait "$rv"; then :; fi
	r_return+=($(($(now_ms) - t0)))
	vm_up
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
mc=$(median 0 "${l_connect[@]}")
rc=$(median 0 "${r_connect[@]}")
mr=$(median 0 "${l_return[@]}")
rr=$(median 0 "${r_return[@]}")
say "== Launcher vs remote-viewer, same QEMU SPICE desktop, $runs alternating runs each"
say "connect (Connect pressed / viewer started -> desktop picture on screen, screen grabs):"
say "  launcher      runs ms: ${l_connect[*]}   median $mc ms (broker query included)"
say "  remote-viewer runs ms: ${r_connect[*]}   median $rc ms"
say "  launcher first_frame (own log): ${l_first[*]}   median $(median 0 "${l_first[@]}") ms"
say "  ratio launcher/remote-viewer: $(ratio "$mc" "$rc")   (target <= 1.0)"
say "return (server quits -> login screen painted / viewer exited):"
say "  launcher      runs ms: ${l_return[*]}   median $mr ms (event=painted page=login)"
say "  launcher (picture gone, screen grabs): ${l_return_shot[*]}   median $(median 0 "${l_return_shot[@]}") ms"
say "  remote-viewer runs ms: ${r_return[*]}   median $rr ms (process exit)"
say "  ratio launcher/remote-viewer: $(ratio "$mr" "$rr")   (target <= 1.0)"
say "memory while connected (VmRSS):"
say "  launcher      KiB: ${l_rss[*]}   median $(median 0 "${l_rss[@]}") KiB"
say "  remote-viewer KiB: ${r_rss[*]}   median $(median 0 "${r_rss[@]}") KiB"
printf '{"runs":%d,"connect_ms":{"launcher":%s,"remote_viewer":%s},"return_ms":{"launcher":%s,"remote_viewer":%s},"rss_kib":{"launcher":%s,"remote_viewer":%s}}\n' \
	"$runs" "$mc" "$rc" "$mr" "$rr" "$(median 0 "${l_rss[@]}")" "$(median 0 "${r_rss[@]}")" \
	>"$out/launcher.json"
exit 0
