#!/bin/bash
# A mapping with login = broker: user name and password on the login screen,
# checked by the broker; a wrong password says so and leads back; the right
# one connects; after the session nothing of the user is left; too many
# failures are refused with a wait.
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

plan 15

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port=$(free_port)
qemu_start desk "$port" || exit 1
good='Corr3ct horse'
bad='wr0ng-battery'
printf 'alice:%s\n' "$(openssl passwd -6 "$good")" >"$T/users"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Counter 1
host = 127.0.0.1
port = $port
login = broker
CONF
broker_start "$T/stations.conf" || exit 1

# type_login USER PASSWORD: into the fields as a user would, then Enter.
type_login() {
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$1"
	xdotool key Tab
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$2"
	xdotool key Return
}

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
ok $? "login screen with user name and password: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'

# Enter on empty fields sends nothing.
xdotool key Return
sleep 0.5
is "$(count_log 'purpose=login')" 0 "Enter with empty fields sends no login"

type_login alice "$bad"
launcher_wait_state '^state=message kind=login_refused back=8 '
ok $? "a wrong password: login refused, back in 8 s: $(cat "$T/status")"
# Back (the focused button) leads to the login screen at once.
xdotool key Return
launcher_wait_state '^state=idle login=broker ' 3
ok $? "Back returns to the login screen"

type_login alice "$good"
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port " 10
ok $? "the right password connects: $(cat "$T/status")"
like "$(admin_wait_like /v1/admin/stations '"user":"alice"')" '"user":"alice"' "the broker knows who is on the station"

qemu_quit desk
launcher_wait_state '^state=idle login=broker ' 5
ok $? "session over: back at the login screen"
launcher_wait_log 'event=session_report event=end result=ok' 5
ok $? "the end was reported"
# The fields are empty again: Enter sends nothing.
n=$(count_log 'purpose=login')
xdotool key Return
sleep 0.5
is "$(count_log 'purpose=login')" "$n" "the user name and password fields were cleared"
! grep -qF -e "$good" -e "$bad" "$T/launcher.log"
ok $? "no password in the log"
! grep -qF -e "$good" -e "$bad" "$T/status"
ok $? "nor in the status file"

# Guessing: the broker blocks after five failures; the screen says to wait.
for _ in 1 2 3 4 5; do
	type_login alice "$bad"
	launcher_wait_state '^state=message kind=(login_refused|rate_limited) ' 5 || break
	grep -q 'kind=rate_limited' "$T/status" && break
	xdotool key Return
	launcher_wait_state '^state=idle ' 3 || break
done
if ! grep -q 'kind=rate_limited' "$T/status"; then
	type_login alice "$bad"
fi
launcher_wait_state '^state=message kind=rate_limited back=[0-9]+ ' 5
ok $? "too many attempts: told to wait: $(cat "$T/status")"
like "$(cat "$T/status")" 'back=(5[0-9]|60) ' "for as long as the broker says (capped at 60 s)"
grep -q 'state=message kind=rate_limited' "$T/launcher.log"
ok $? "logged"
launcher_stop
ok $? "stops cleanly"
