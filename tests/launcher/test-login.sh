#!/bin/bash
# A mapping with login = broker: user name and password on the login screen,
# checked by the broker; a wrong password says so and leads back; the right
# one connects; after the session nothing of the user is left; too many
# failures are refused with a wait. Proof from outside the launcher: the
# broker's admin socket names the user; the screen's field area is compared
# with the empty fields; the launcher's memory (/proc/PID/mem, what a core
# dump holds) is searched for both passwords after the session.
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

plan 17

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port=$(free_port)
qemu_start desk "$port" || exit 1
# Longer than 16 bytes: glibc's free() writes its list pointers over the
# first 16 bytes of a freed block, so a copy freed without being wiped
# keeps only its tail, which the memory check below looks for as well.
good='Corr3ct horse battery staple'
bad='wr0ng-battery-horse-staple-9'
printf 'alice:%s\n' "$(openssl passwd -6 "$good")" >"$T/users"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Counter 1
host = 127.0.0.1
port = $port
login = broker
CONF
broker_start "$T/stations.conf" || exit 1

# type_fields USER PASSWORD: into the fields as a user would.
type_fields() {
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$1"
	xdotool key Tab
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$2"
}

# type_login USER PASSWORD: the same, then Enter.
type_login() {
	type_fields "$1" "$2"
	xdotool key Return
}

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
ok $? "login screen with user name and password: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
sleep 0.3
x11_screenshot "$T/empty.png"

# Enter on empty fields sends nothing.
xdotool key Return
sleep 0.5
is "$(count_log 'purpose=login')" 0 "Enter with empty fields sends no login"

# Where the fields are: what typing into them changed on screen.
type_fields alice "$bad"
# Until the launcher has drawn every key: on a loaded machine it is still
# catching up on xdotool's keys half a second later, or has drawn none of
# them yet (two screenshots in a row the same, and not the empty fields).
x11_screenshot "$T/typed.png"
for _ in $(seq 1 20); do
	sleep 0.3
	x11_screenshot "$T/typed2.png"
	[ "$(img_rmse "$T/typed.png" "$T/typed2.png")" = 0 ] &&
		[ "$(img_rmse "$T/typed.png" "$T/empty.png")" != 0 ] && break
	mv "$T/typed2.png" "$T/typed.png"
done
fields=$(convert "$T/empty.png" "$T/typed.png" -compose difference -composite \
	-threshold 10% -format '%@' info:)
typed=$(convert "$T/typed.png" -crop "$fields" +repage "$T/typed-fields.png" &&
	convert "$T/empty.png" -crop "$fields" +repage "$T/empty-fields.png" &&
	img_rmse "$T/typed-fields.png" "$T/empty-fields.png")
for _ in 1 2 3 4 5; do
	mem_has "$LAUNCHER_PID" "$bad" 2>/dev/null && break
	sleep 0.5
done
mem_has "$LAUNCHER_PID" "$bad" 2>/dev/null
ok $? "the memory search finds a password while it is in its field"
xdotool key Return
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
broker_got_ends 1
ok $? "the broker got the session end and has the station idle"
# The fields are empty again: on screen, the field area is as it was before
# anything was typed (the typed text made it $typed away).
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.3
	x11_screenshot "$T/after.png"
	convert "$T/after.png" -crop "$fields" +repage "$T/after-fields.png"
	left=$(img_rmse "$T/after-fields.png" "$T/empty-fields.png")
	below "$left" 0.01 && break
done
below "$left" 0.01 && below 0.05 "$typed"
ok $? "the user name and password fields were cleared (field area $fields: RMSE $left to the empty fields, $typed when typed into)" ||
	diag "fields: $fields, left $left, typed $typed"
# And the passwords are gone from the launcher's memory, not only from the
# screen: what a core dump would hold is searched for both.
! mem_has "$LAUNCHER_PID" "$good" && ! mem_has "$LAUNCHER_PID" "${good:16}" &&
	! mem_has "$LAUNCHER_PID" "$bad" && ! mem_has "$LAUNCHER_PID" "${bad:16}"
ok $? "neither password is left in the launcher's memory"
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
