#!/bin/bash
# Shared steps of the launcher tests (tests/launcher/test-*.sh). Source after
# tests/lib/tap.sh, broker.sh, qemu.sh and x11.sh.
#
#   STATION_MAC                  the MAC every test station uses
#   launcher_start ARGS...       starts vdi-launcher (status file $T/status, log
#                                $T/launcher.log), sets LAUNCHER_PID
#   launcher_wait_state REGEX [SECS]   waits until the status line matches
#   launcher_wait_log REGEX [SECS]     waits until a log line matches
#   launcher_stop                SIGTERM; fails on a bad exit or a sanitizer report
#   launcher_log_ms EVENT [N]    the time stamp (ms since the epoch) of the Nth
#                                event=EVENT line (default: the last)
#   img_rmse A B                 normalized RMSE of two same-sized images
#   desktop_area W H GW GH [X Y] where a GWxGH picture lands when scaled
#                                into a WxH monitor at X,Y (aspect kept,
#                                centred), as WxH+X+Y
#   broker_got_ends N [SECS]     waits until the broker has N session ends
#                                from STATION_MAC (its log) and its admin
#                                socket has the station idle
#   spice_channels NAME          how many SPICE channels VM NAME's server has
#                                open now (its monitor's "info spice"); fails
#                                when the monitor does not answer
#   spice_clients NAME N         true when that count is N (0) or at least 1
#                                (any other N)
#   mem_has PID STRING           true when STRING is in the writable memory of
#                                process PID (what a core dump would hold)
#   screen_shows CMD [SECS] [W H X Y]   waits until the X screen shows the
#                                desktop's own picture: CMD FILE writes that
#                                picture (e.g. "qemu_screendump desk"), taken
#                                anew each try; it must match where it lands
#                                in the WxH monitor at X,Y (default the
#                                1024x768 screen) and not match its mirror
#                                image. SHOWN says how close it came.

# shellcheck shell=bash

# Used by the tests that source this file.
# shellcheck disable=SC2034
STATION_MAC=52:54:00:12:34:56
LAUNCHER_PID=

# Sanitizer builds: leaks are checked when the launcher exits (launcher_stop
# stops it with SIGTERM, so that it returns from main and LeakSanitizer
# runs). What the libraries allocate for themselves and never free
# (fontconfig's cache, GLib's first quark block, a few blocks GDK and
# spice-gtk lose) is suppressed in lsan.supp by library or by the library's
# own function, never by the launcher's functions. The full unwinder is needed for that: the
# frame-pointer one stops at the first library built without frame
# pointers (GLib), before the frame a suppression names. It walks the
# whole stack on every allocation, which made the launcher's ASan tests
# take twice as long as the plain ones; ten frames reach every frame that
# lsan.supp names (the deepest, _dl_init, is under ten from malloc) and
# halve that cost. Every other sanitizer report is fatal too. LAUNCHER_ASAN_OPTIONS replaces the options
# (detect_leaks=0 to look at something else).
LAUNCHER_ASAN_OPTIONS=${LAUNCHER_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0:malloc_context_size=10}
LAUNCHER_LSAN_OPTIONS=${LAUNCHER_LSAN_OPTIONS:-suppressions=$VDI_ROOT/tests/launcher/lsan.supp:print_suppressions=0}

launcher_start() {
	ASAN_OPTIONS=$LAUNCHER_ASAN_OPTIONS LSAN_OPTIONS=$LAUNCHER_LSAN_OPTIONS \
		"$VDI_BUILD/bin/vdi-launcher" --status-file "$T/status" \
		--branding "$VDI_ROOT/branding" --sysroot "$T/sysroot" "$@" \
		>>"$T/launcher.log" 2>&1 &
	LAUNCHER_PID=$!
	at_exit "kill -KILL $LAUNCHER_PID 2>/dev/null"
}

launcher_wait_state() {
	local re=$1 secs=${2:-15} i
	for ((i = 0; i < secs * 20; i++)); do
		if grep -Eq -- "$re" "$T/status" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$LAUNCHER_PID" 2>/dev/null; then
			diag "launcher exited; log:"
			tail -n 30 "$T/launcher.log" | sed 's/^/#   /' >&2
			return 1
		fi
		sleep 0.05
	done
	diag "status is '$(cat "$T/status" 2>/dev/null)', wanted /$re/"
	return 1
}

launcher_wait_log() {
	local re=$1 secs=${2:-15} i
	for ((i = 0; i < secs * 20; i++)); do
		grep -Eq -- "$re" "$T/launcher.log" 2>/dev/null && return 0
		sleep 0.05
	done
	diag "no log line /$re/"
	return 1
}

launcher_stop() {
	local rc
	[ -n "$LAUNCHER_PID" ] || return 1
	kill -TERM "$LAUNCHER_PID" 2>/dev/null
	wait "$LAUNCHER_PID" 2>/dev/null
	rc=$?
	LAUNCHER_PID=
	if [ "$rc" -ne 0 ] || grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/launcher.log"; then
		diag "launcher exit status $rc; log:"
		if grep -q 'ERROR: LeakSanitizer' "$T/launcher.log"; then
			# The leaks, each with its stack, and their sum.
			sed -n '/ERROR: LeakSanitizer/,$p' "$T/launcher.log" | head -n 200 | sed 's/^/#   /' >&2
		else
			tail -n 40 "$T/launcher.log" | sed 's/^/#   /' >&2
		fi
		return 1
	fi
	return 0
}

launcher_log_ms() {
	local event=$1 n=${2:-0} lines
	lines=$(grep -E "event=$event( |\$)" "$T/launcher.log" | sed -n 's/.* t_us=\([0-9]*\).*/\1/p')
	if [ -z "$lines" ]; then
		# Events without their own time stamp: the line's ts= field.
		lines=$(grep -E "event=$event( |\$)" "$T/launcher.log" |
			sed -n 's/^ts=\([^ ]*\) .*/\1/p' | while read -r ts; do
				echo $(($(date -d "$ts" +%s%N) / 1000))
			done)
	fi
	if [ "$n" -gt 0 ]; then
		lines=$(echo "$lines" | sed -n "${n}p")
	else
		lines=$(echo "$lines" | tail -n 1)
	fi
	[ -n "$lines" ] && echo $((lines / 1000))
}

img_rmse() {
	# compare prints "ABS (NORMALIZED)" on stderr and exits 1 when the
	# images differ at all; only the number matters here.
	compare -metric RMSE "$1" "$2" null: 2>&1 | sed -n 's/.*(\([0-9.e-]*\)).*/\1/p'
}

desktop_area() {
	awk -v W="$1" -v H="$2" -v gw="$3" -v gh="$4" -v X="${5:-0}" -v Y="${6:-0}" 'BEGIN {
		s = W / gw; if (H / gh < s) s = H / gh
		w = int(gw * s + 0.5); h = int(gh * s + 0.5)
		printf "%dx%d+%d+%d\n", w, h, X + int((W - w) / 2), Y + int((H - h) / 2)
	}'
}

# The launcher's own "first frame" event says it drew something; only the
# desktop's own picture, compared with the screen, says it drew the desktop.
# The mirror image keeps a uniform or blank picture from passing: the test
# desktops paint a pattern (qemu_pattern_disk) that its mirror differs from.
screen_shows() {
	local cmd=$1 secs=${2:-10} mw=${3:-1024} mh=${4:-768} mx=${5:-0} my=${6:-0}
	local i gw gh area rmse='' wrong=''
	SHOWN="no picture from '$cmd'"
	for ((i = 0; i < secs * 2; i++)); do
		rm -f "$T/shows-ref.png"
		if $cmd "$T/shows-ref.png" 2>/dev/null && [ -s "$T/shows-ref.png" ] &&
			read -r gw gh < <(identify -format '%w %h\n' "$T/shows-ref.png" 2>/dev/null); then
			area=$(desktop_area "$mw" "$mh" "$gw" "$gh" "$mx" "$my")
			x11_screenshot "$T/shows-shot.png" "$area"
			convert "$T/shows-shot.png" -resize "${gw}x${gh}!" "$T/shows-scaled.png"
			convert "$T/shows-ref.png" -flop "$T/shows-flop.png"
			rmse=$(img_rmse "$T/shows-scaled.png" "$T/shows-ref.png")
			wrong=$(img_rmse "$T/shows-scaled.png" "$T/shows-flop.png")
			SHOWN="RMSE $rmse to the desktop's own picture (< 0.05), $wrong to its mirror image (> 0.15), area $area"
			below "$rmse" 0.05 && below 0.15 "$wrong" && return 0
		fi
		sleep 0.5
	done
	return 1
}

# The launcher's "result=ok" only says that the broker answered; the broker's
# own record says what it got.
broker_got_ends() {
	local n=$1 secs=${2:-10} i
	for ((i = 0; i < secs * 10; i++)); do
		if [ "$(grep -Ec "event=session mac=$STATION_MAC .*kind=end( |\$)" "$BROKER_LOG")" -ge "$n" ] &&
			admin_get /v1/admin/stations |
			grep -Eq "\"mac\":\"$STATION_MAC\",[^}]*\"state\":\"idle\""; then
			return 0
		fi
		sleep 0.1
	done
	diag "the broker has $(grep -Ec "event=session mac=$STATION_MAC .*kind=end( |\$)" "$BROKER_LOG") ends, wanted $n; admin: $(admin_get /v1/admin/stations)"
	return 1
}

# The desktop's own word on whether a viewer is connected.
spice_channels() {
	local out
	out=$(qemu_hmp "$1" 'info spice' 2>/dev/null)
	printf '%s\n' "$out" | grep -q '^Server:' || return 1
	printf '%s\n' "$out" | grep -c '^Channel:' || true
}

spice_clients() {
	local n
	n=$(spice_channels "$1") || return 1
	if [ "$2" = 0 ]; then
		[ "$n" = 0 ]
	else
		[ "$n" -ge 1 ]
	fi
}

# mem_has PID STRING: true when STRING is anywhere in the writable memory of
# process PID (heap, stacks, anonymous and library data mappings): what a
# core dump of it would hold.
mem_has() {
	python3 - "$1" "$2" <<'PY'
import sys
pid, needle = sys.argv[1], sys.argv[2].encode()
# Read in pieces: a sanitizer build maps terabytes of shadow memory as
# read-write, which one read() could never hold (and a failed read must not
# pass for "not found"). Mappings over 4 GiB are such reserves, not heap.
CHUNK, LIMIT = 1 << 24, 1 << 32
keep = len(needle) - 1
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        f = line.split()
        if f[1][:2] != "rw" or (len(f) > 5 and f[5] in ("[vvar]", "[vsyscall]")):
            continue
        lo, hi = (int(x, 16) for x in f[0].split("-"))
        if hi - lo > LIMIT:
            continue
        tail, at = b"", lo
        while at < hi:
            n = min(CHUNK, hi - at)
            try:
                mem.seek(at)
                data = tail + mem.read(n)
            except OSError:
                data = b""
            i = data.find(needle)
            if i >= 0:
                # Say where, for whoever mends it.
                ctx = data[max(0, i - 80):i].decode("latin-1")
                print(f"# in {f[0]} {' '.join(f[5:])} after: {ctx!r}", file=sys.stderr)
                sys.exit(0)
            tail = data[-keep:] if keep > 0 else b""
            at += n
sys.exit(1)
PY
}

# below A B: true when the number A < B.
below() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && a + 0 < b + 0) }'
}

# fake_sysfs IFNAME MAC: a network interface with a carrier under
# $T/sysroot/sys/class/net, so that the launcher watches its link (tests
# pull the "cable" by writing 0 to its carrier file).
fake_sysfs() {
	local d=$T/sysroot/sys/class/net/$1
	mkdir -p "$d" "$T/sysroot/proc/sys/kernel"
	echo "$2" >"$d/address"
	echo 1 >"$d/carrier"
	echo 1 >"$d/type"
	echo 2 >"$d/ifindex"
	echo up >"$d/operstate"
	: >"$T/sysroot/proc/cmdline"
}

# stations_write FILE: replaces the stations file from stdin the way an
# editor should (temp file, rename), then waits for the broker to reload.
stations_write() {
	local file=$1 n
	n=$(grep -c 'event=reload status=ok' "$BROKER_LOG" 2>/dev/null)
	cat >"$file.new"
	mv "$file.new" "$file"
	for _ in $(seq 1 100); do
		[ "$(grep -c 'event=reload status=ok' "$BROKER_LOG")" -gt "$n" ] && return 0
		sleep 0.05
	done
	diag "the broker did not reload $file"
	return 1
}

# count_log REGEX: how many launcher log lines match.
count_log() {
	grep -Ec -- "$1" "$T/launcher.log"
}

# wait_count REGEX N [SECS]: until at least N launcher log lines match.
wait_count() {
	local re=$1 n=$2 secs=${3:-10} i
	for ((i = 0; i < secs * 20; i++)); do
		[ "$(count_log "$re")" -ge "$n" ] && return 0
		sleep 0.05
	done
	return 1
}
