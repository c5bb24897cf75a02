#!/bin/bash
# Session limits on a self-service station (max_session, idle_logout,
# limit_warning). The station's desktop is a one-time VM from a pool
# (libvirt's test driver in the broker's own process, as in test-queue.sh;
# a QEMU SPICE server on the template's fixed port stands in for the VMs'
# displays). The limits are set on the pool, so the mapping takes them from
# there.
#
#  1. idle_logout = 16 with a 10 s warning, nobody touches the station: the
#     warning with its countdown is on the screen (OCR), then the session
#     ends as a log-out does: the viewer is gone from the desktop's server,
#     the broker has the end with reason idle_logout and no session for the
#     station, and the pool destroyed the VM. The login screen says why.
#  2. The next session's idle warning is taken away by real input (xdotool
#     moves the pointer): the warning goes, and the session outlives the
#     moment it would have ended.
#  3. max_session = 20 with the pointer moving all the time: the warning
#     comes anyway (OCR), and the session ends at its length, reason
#     max_session, VM destroyed.
# The station autoconnects, so after each end it connects again by itself
# after a short wait, to the pool's next VM.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/lib/pool.sh
. "$VDI_ROOT/tests/lib/pool.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
command -v xdotool >/dev/null || skip_all "xdotool is not installed"

plan 32

port=$(free_port)
mkdir -p "$T/state"
pool_files_test "$T" "$port" || exit 1
# stations LIMITS...: the stations file, with these keys in the pool.
stations() {
	cat <<CONF
[pool:lab]
libvirt_uri = test:///default
$(pool_keys .)
size = 1
max = 2
$(printf '%s\n' "$@")

[$STATION_MAC]
pool = lab
name = Visitor desk
autoconnect = yes
CONF
}
stations 'idle_logout = 16' 'limit_warning = 10' >"$T/stations.conf"
broker_start "$T/stations.conf" --state-dir "$T/state" || {
	echo "Bail out! broker did not start"
	exit 1
}

# vm_of MAC: the VM the broker gave that station ("" for none).
vm_of() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
print(" ".join(v["name"] for v in json.load(sys.stdin)["vms"] if v.get("station") == sys.argv[1]))' "$1"
}
# vm_gone NAME: true once the pool no longer has VM NAME.
vm_gone() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
sys.exit(any(v["name"] == sys.argv[1] for v in json.load(sys.stdin)["vms"]))' "$1"
}
# ends REASON: the broker's session ends from the station with that reason.
ends() {
	grep -E "event=session mac=$STATION_MAC .*kind=end( |\$)" "$BROKER_LOG" | grep -c "reason=$1"
}
# ends_are REASON N: true when the broker has N such ends.
ends_are() { [ "$(ends "$1")" = "$2" ]; }
# session_listed: the broker's admin socket has the station in a session.
session_listed() {
	admin_get /v1/admin/stations |
		grep -Eq "\"mac\":\"$STATION_MAC\",[^}]*\"state\":\"connected\""
}

qemu_start desk "$port" || exit 1
x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
# Autoconnect waits 3 s after an end (4 s after the next): time to look at
# the broker between two sessions.
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o retry_base=3 \
	-o retry_max=4

# 1. Idle log-out.
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port " 20
ok $? "connected to the pool's VM: $(cat "$T/status")"
vm1=$(vm_of "$STATION_MAC")
[ -n "$vm1" ]
ok $? "  ... the broker handed out $vm1"
like "$(grep 'event=limits ' "$T/launcher.log" | tail -n 1)" \
	'max_seconds=0 idle_seconds=16 warning_seconds=10' \
	"the pool's limits reached the station (policy.session)"
text=$(x11_screen_text 'logged +out +in +0:[01][0-9]' 12)
ok $? "no input: the idle warning with its countdown is on the screen"
diag "screen: $text"
like "$text" 'Move +the +mouse +or +press +a +key' "  ... and says how to stay"
is "$(grep -c 'state=connected' "$T/status")" 1 "  ... while the session still runs"
launcher_wait_state '^state=idle ' 15
ok $? "then the session ends: $(cat "$T/status")"
WAIT_FOR_SECS=2 wait_for eval '! session_listed'
ok $? "  ... the broker's admin socket no longer lists a session for the station"
like "$(grep event=session_end "$T/launcher.log" | tail -n 1)" 'reason=idle_logout' \
	"  ... the launcher's reason: idle_logout"
wait_for spice_clients desk 0
ok $? "  ... the desktop's SPICE server has no viewer left"
wait_for ends_are idle_logout 1
ok $? "  ... the broker got the end with reason idle_logout"
WAIT_FOR_SECS=10 wait_for vm_gone "$vm1"
ok $? "  ... and destroyed the one-time VM $vm1"
launcher_wait_log 'event=notice text="?You were logged out after 16 seconds without input\.' 5
ok $? "  ... and the station says why"
text=$(x11_screen_text 'logged +out +after +16 +seconds' 8)
ok $? "  ... on its screen"
diag "screen: $text"

# 2. Input cancels the idle warning. The station connects again by itself.
launcher_wait_state "^state=connected " 20
ok $? "autoconnect: a new session: $(cat "$T/status")"
vm2=$(vm_of "$STATION_MAC")
[ -n "$vm2" ] && [ "$vm2" != "$vm1" ]
ok $? "  ... on a new VM ($vm2)"
# (The first session's warning is in the log already: the second's.)
wait_count 'event=limit_warning limit=idle_logout' 2 12
ok $? "the idle warning comes again"
warned=$(date +%s%3N)
xdotool mousemove 300 300 && sleep 0.2 && xdotool mousemove 320 330
wait_count 'event=limit_warning_cancelled limit=idle_logout' 1 4
ok $? "real input (the pointer moved): the warning is taken away"
# Within the 6 s before the idle time reaches the warning again: a screen
# OCR reads (the desktop's own text is there) without the warning.
text=$(x11_screen_text 'No +bootable +device' 3)
ok $? "  ... the desktop is on the screen"
! printf '%s' "$text" | grep -Eiq 'logged +out +in'
ok $? "  ... without the warning: $text"
# The warning said at most 10 s; 12 s after it came the session still runs.
left=$((warned + 12000 - $(date +%s%3N)))
[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
is "$(grep -c 'state=connected' "$T/status")" 1 "the session outlives its old deadline"
session_listed
ok $? "  ... and the broker still has it"
is "$(ends idle_logout)" 1 "  ... and no second end reported"

# 3. The length, with input all the time. The new limits come with the
# next session's reply; this one still ends by idling.
stations 'max_session = 20' 'limit_warning = 10' | stations_write "$T/stations.conf"
launcher_wait_state '^state=idle ' 20
ok $? "left alone, that session ends by idling too"
launcher_wait_state "^state=connected " 20
ok $? "autoconnect: a session with max_session = 20: $(cat "$T/status")"
vm3=$(vm_of "$STATION_MAC")
like "$(grep 'event=limits ' "$T/launcher.log" | tail -n 1)" \
	'max_seconds=20 idle_seconds=0 warning_seconds=10' "  ... the new limits"
(
	while :; do
		xdotool mousemove_relative -- 5 0 && sleep 0.3 && xdotool mousemove_relative -- -5 0
		sleep 0.3
	done
) &
mover=$!
at_exit "kill $mover 2>/dev/null"
text=$(x11_screen_text 'session +ends +in +0:[01][0-9]' 18)
ok $? "with the pointer moving all the time, the length's warning is on the screen"
diag "screen: $text"
launcher_wait_state '^state=idle ' 15
ok $? "then the session ends at its length"
kill "$mover" 2>/dev/null
wait "$mover" 2>/dev/null
like "$(grep event=session_end "$T/launcher.log" | tail -n 1)" 'reason=max_session' \
	"  ... the launcher's reason: max_session"
wait_for ends_are max_session 1
ok $? "  ... the broker got the end with reason max_session"
WAIT_FOR_SECS=10 wait_for vm_gone "$vm3"
ok $? "  ... and destroyed the VM $vm3"

launcher_stop
ok $? "launcher stopped cleanly"
