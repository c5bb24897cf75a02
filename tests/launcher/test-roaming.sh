#!/bin/bash
# vdi-test: once
# Roaming, with two stations: two launchers, each on its own X server (Xvfb)
# with its own MAC, the real broker with a users file, and alice's desktop,
# a libvirt domain on a private libvirtd with QEMU. Alice logs in at A
# (typed with xdotool): A shows her desktop. She logs in at B: B shows the
# same running desktop (screenshots against the domain's own picture), A
# says within seconds that the session was opened at another station and
# names B (OCR), then goes back to its login screen, with nothing of the
# desktop on its screen nor her password in its memory; the broker has one
# session of hers, at B.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "stationctl not built"
command -v Xvfb >/dev/null || skip_all "Xvfb is not installed"
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
libvirt_skip_unless_usable

plan 17

MAC_A=$STATION_MAC
MAC_B=52:54:00:12:34:57
qemu_pattern_disk "$T/pattern.img"
libvirt_define_tiny tiny --disk "$T/pattern.img"

printf 'alice-pw\n' | "$CTL" -u "$T/users" passwd alice >/dev/null 2>&1
S=$T/stations.conf
cat >"$S" <<CONF
[desktop:alice-vm]
name = Alice's desktop
domain = tiny
libvirt_uri = $LIBVIRT_URI

[user:alice]
desktops = alice-vm

[group:hot]
login = broker
desktop_from = user

[$MAC_A]
name = station-a
group = hot

[$MAC_B]
name = station-b
group = hot
CONF
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

x11_start 1024x768 || exit 1
DISPLAY_A=$DISPLAY
x11_start 1024x768 || exit 1
DISPLAY_B=$DISPLAY
fake_sysfs eth9 "$MAC_A"

# Station A through common.sh ($T/status, $T/launcher.log); B by hand.
DISPLAY=$DISPLAY_A launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$MAC_A"
PID_A=$LAUNCHER_PID
ASAN_OPTIONS=$LAUNCHER_ASAN_OPTIONS LSAN_OPTIONS=$LAUNCHER_LSAN_OPTIONS DISPLAY=$DISPLAY_B \
	"$VDI_BUILD/bin/vdi-launcher" --status-file "$T/status-b" \
	--branding "$VDI_ROOT/branding" --sysroot "$T/sysroot" \
	--broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$MAC_B" >>"$T/launcher-b.log" 2>&1 &
PID_B=$!
at_exit "kill -KILL $PID_B 2>/dev/null"

# wait_b REGEX [SECS]: launcher_wait_state for station B.
wait_b() {
	local i
	for ((i = 0; i < ${2:-15} * 20; i++)); do
		grep -Eq -- "$1" "$T/status-b" 2>/dev/null && return 0
		sleep 0.05
	done
	diag "B's status is '$(cat "$T/status-b" 2>/dev/null)', wanted /$1/"
	return 1
}

# login_at DISPLAY: alice types her name and password there.
login_at() {
	DISPLAY=$1 xdotool key --clearmodifiers ctrl+a
	DISPLAY=$1 xdotool type --delay 15 alice
	DISPLAY=$1 xdotool key Tab
	DISPLAY=$1 xdotool key --clearmodifiers ctrl+a
	DISPLAY=$1 xdotool type --delay 15 alice-pw
	DISPLAY=$1 xdotool key Return
}
tiny_screenshot() {
	lvirsh screenshot tiny "$1.shot" >/dev/null && convert "$1.shot" "$1"
}

# --- alice at A ---
launcher_wait_state '^state=idle login=broker ' 20
ok $? "station A: login screen"
wait_b '^state=idle login=broker ' 20
ok $? "station B: login screen"
DISPLAY=$DISPLAY_A launcher_wait_log 'event=painted page=login'
sleep 0.5
login_at "$DISPLAY_A"
launcher_wait_state '^state=connected protocol=spice ' 60
ok $? "alice at A: connected ($(cat "$T/status"))"
DISPLAY=$DISPLAY_A screen_shows tiny_screenshot 30
ok $? "  ... A shows her desktop: $SHOWN"

# --- alice at B: the same desktop; A is told and goes back ---
for _ in $(seq 1 40); do
	grep -q 'event=painted page=login' "$T/launcher-b.log" && break
	sleep 0.25
done
sleep 0.5
t0=$(date +%s)
login_at "$DISPLAY_B"
wait_b '^state=connected protocol=spice ' 60
ok $? "alice at B: connected ($(cat "$T/status-b"))"
DISPLAY=$DISPLAY_B screen_shows tiny_screenshot 30
ok $? "  ... B shows the same running desktop: $SHOWN"
is "$(lvirsh list --name | grep -c '^tiny$')" 1 "  ... one domain, the one A had (not another)"
launcher_wait_state '^state=message kind=session_ended ' 10
ok $? "A ends its session within seconds ($(($(date +%s) - t0)) s after the login at B)"
text=$(DISPLAY=$DISPLAY_A x11_screen_text 'another station.*station-b' 8)
ok $? "  ... A says so and names B (OCR): $text"
grep -q 'event=session_end reason=moved\|event=session_ended_by_broker code=session_moved' "$T/launcher.log"
ok $? "  ... told by the broker: session_moved"
launcher_wait_state '^state=idle login=broker ' 15
ok $? "  ... and A is back on its login screen: $(cat "$T/status")"
DISPLAY=$DISPLAY_A screen_shows tiny_screenshot 2
is $? 1 "  ... nothing of the desktop on A's screen ($SHOWN)"
mem_has "$PID_A" alice-pw
is $? 1 "  ... nor her password in A's memory"
j=$(admin_get /v1/admin/sessions)
is "$(grep -o '"mac":' <<<"$j" | wc -l)" 1 "the broker has one session of alice's"
like "$j" '"name":"station-b","user":"alice","desktop":"domain tiny"' "  ... at B"

kill -TERM "$PID_B" 2>/dev/null
wait "$PID_B" 2>/dev/null
rc_b=$?
grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/launcher-b.log" && rc_b=1
LAUNCHER_PID=$PID_A
launcher_stop && [ "$rc_b" = 0 ]
ok $? "the launchers stop cleanly (B: exit $rc_b)"
broker_stop
ok $? "the broker stops cleanly"
