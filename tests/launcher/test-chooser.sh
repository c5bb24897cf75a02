#!/bin/bash
# A user with two desktops at a hot desk (desktop_from = user): after the
# login typed on the station, the chooser lists both by name and state;
# Down and Enter pick the second, and the second is the desktop that opens.
# Proof from the other side: the broker hands out that desktop (its log),
# QEMU's SPICE server of the second VM has the viewer and the first has
# none, the broker's admin socket has the station connected to the second's
# endpoint, and the screen shows the second VM's own picture, not the
# first's. Then the chooser again: the desktop used last is preselected;
# Escape goes back to the login screen with the login wiped; a desktop
# that stopped being the user's while the chooser was up is refused and
# the station finds its way back to the login screen.
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

plan 25

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port1=$(free_port)
port2=$(free_port)
while [ "$port2" = "$port1" ]; do port2=$(free_port); done
# Two desktops that look different: the second pattern starts its colour
# ramp elsewhere in the VGA palette (the "add $32, %cl" of the pattern's
# boot sector becomes "add $104, %cl"), so a screen that shows one cannot
# pass for the other.
qemu_pattern_disk "$T/office.img" || exit 1
cp "$T/office.img" "$T/lab.img"
perl -0777 -pi -e 's/\x80\xc1\x20/\x80\xc1\x68/ or die "no colour ramp\n"' "$T/lab.img" || exit 1
qemu_start office "$port1" --disk "$T/office.img" || exit 1
qemu_start lab "$port2" --disk "$T/lab.img" || exit 1
# Longer than 16 bytes: see the memory check in test-login.sh.
good='Two desktops, one login, 2 choices'
printf 'alice:%s\n' "$(openssl passwd -6 "$good")" >"$T/users"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Hot desk 4
login = broker
desktop_from = user

[user:alice]
desktops = office, lab

[desktop:office]
name = Office Windows
host = 127.0.0.1
port = $port1

[desktop:lab]
name = Physics Lab
host = 127.0.0.1
port = $port2
CONF
broker_start "$T/stations.conf" || exit 1
if ! qemu_wait_pattern office 60 || ! qemu_wait_pattern lab 60; then
	diag "the desktops did not paint their patterns"
	exit 1
fi

# type_login USER PASSWORD: into the fields as a user would, then Enter.
type_login() {
	xdotool type --delay 15 "$1"
	xdotool key Tab
	xdotool type --delay 15 "$2"
	xdotool key Return
}

# chooser_text REGEX [SECS]: the screen's text (OCR) once it matches. The
# selected row is light text on the theme's blue, which OCR misses when the
# page around it is read as it is: in grey, cut at 60 %, every row reads.
chooser_text() {
	local re=$1 secs=${2:-10} text='' i
	for ((i = 0; i < secs; i++)); do
		x11_screenshot "$T/chooser.png" &&
			convert "$T/chooser.png" -colorspace gray -threshold 60% "$T/chooser-bw.png" &&
			text=$(tesseract "$T/chooser-bw.png" - 2>/dev/null | tr -s '\n' ' ')
		if printf '%s' "$text" | grep -Eq -- "$re"; then
			printf '%s' "$text"
			return 0
		fi
		sleep 1
	done
	printf '%s' "$text"
	return 1
}

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
ok $? "login screen: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
type_login alice "$good"
launcher_wait_state '^state=choosing desktops=2 ' 10
ok $? "after the login: the chooser with two desktops: $(cat "$T/status")"
launcher_wait_log 'event=painted page=chooser'
text=$(chooser_text 'Office Windows.*Physics Lab' 10)
ok $? "both names on screen, in the broker's order: '$(printf '%s' "$text" | cut -c 1-120)'"
like "$text" 'Choose a desktop' "the chooser's title is on screen"
# Each row says its state in words (the broker has no state for plain
# endpoints yet: Unknown).
like "$text" 'Office Windows *(Unknown|Running|Off|Starting).*Physics Lab *(Unknown|Running|Off|Starting)' \
	"each desktop's state is shown in words"
grep -q 'event=user_desktop' "$BROKER_LOG"
is $? 1 "no desktop was handed out before the pick"

# Nothing was chosen before: the first row has the keyboard. Down, Enter.
xdotool key Down
sleep 0.3
xdotool key Return
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port2 " 20
ok $? "Down and Enter: the second desktop is connected: $(cat "$T/status")"
broker_wait_log 'event=user_desktop user=alice .*desktop=lab' 5
ok $? "the broker handed out the second desktop ($(grep -o 'event=user_desktop.*' "$BROKER_LOG" | head -n 1))"
spice_clients lab 1 && spice_clients office 0
ok $? "the second VM's SPICE server has the viewer ($(spice_channels lab) channels), the first none ($(spice_channels office))"
like "$(admin_wait_like /v1/admin/stations "\"endpoint\":\"spice://127\\.0\\.0\\.1:$port2\"")" \
	"\"state\":\"connected\",\"endpoint\":\"spice://127\\.0\\.0\\.1:$port2\",\"user\":\"alice\"" \
	"the broker has the station connected to the second desktop"
screen_shows "qemu_screendump lab" 20
ok $? "the second desktop's own picture is on screen: $SHOWN"
! screen_shows "qemu_screendump office" 1
ok $? "and not the first one's: $SHOWN"

! mem_has "$LAUNCHER_PID" "$good" && ! mem_has "$LAUNCHER_PID" "${good:16}"
ok $? "once the desktop is open, the password is not left in the launcher's memory"

# A new login finds the second desktop preselected: the broker remembers it
# as the one used last. Enter alone opens it.
launcher_stop
ok $? "stops cleanly (the session end is reported)"
broker_got_ends 1
qemu_revive lab || exit 1
qemu_wait_pattern lab 60
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
launcher_wait_log 'event=painted page=login'
type_login alice "$good"
launcher_wait_state '^state=choosing desktops=2 ' 10
ok $? "the chooser again: $(cat "$T/status")"
launcher_wait_log 'event=painted page=chooser'
sleep 0.3
xdotool key Return
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port2 " 20
ok $? "Enter alone opens the desktop used last, the second: $(cat "$T/status")"
spice_clients lab 1 && spice_clients office 0
ok $? "on the desktops' side too ($(spice_channels lab) channels on the second, $(spice_channels office) on the first)"
launcher_stop
broker_got_ends 2

# Escape (Log out) on the chooser: back to the login screen, the login kept
# for the pick wiped.
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
launcher_wait_log 'event=painted page=login'
type_login alice "$good"
launcher_wait_state '^state=choosing desktops=2 ' 10
launcher_wait_log 'event=painted page=chooser'
mem_has "$LAUNCHER_PID" "$good"
ok $? "while the chooser is up the login is kept (the memory search finds it)"
xdotool key Escape
launcher_wait_state '^state=idle login=broker ' 5
ok $? "Escape on the chooser: back to the login form: $(cat "$T/status")"
! mem_has "$LAUNCHER_PID" "$good" && ! mem_has "$LAUNCHER_PID" "${good:16}"
ok $? "and the kept login is wiped from the launcher's memory"

# The mapping changes while the chooser is up: the desktop picked is no
# longer the user's. The broker refuses it (unknown_desktop); the station
# says so and finds its way back to the login screen, the login wiped.
type_login alice "$good"
launcher_wait_state '^state=choosing desktops=2 ' 10
sleep 0.5
stations_write "$T/stations.conf" <<CONF || exit 1
[$STATION_MAC]
name = Hot desk 4
login = broker
desktop_from = user

[user:alice]
desktops = office

[desktop:office]
name = Office Windows
host = 127.0.0.1
port = $port1
CONF
xdotool key Down
sleep 0.3
xdotool key Return
launcher_wait_state '^state=message kind=broker_error ' 10
ok $? "a desktop no longer the user's: the broker refuses, the station says so: $(cat "$T/status")"
text=$(x11_screen_text 'not one of yours' 10)
ok $? "in the broker's words: '$(printf '%s' "$text" | cut -c 1-100)'"
# Try now (the focused button): the station asks again and is back at its
# login screen; nothing is left of the login.
xdotool key Return
launcher_wait_state '^state=idle login=broker ' 10
ok $? "and back to the login form: $(cat "$T/status")"
! mem_has "$LAUNCHER_PID" "$good" && ! mem_has "$LAUNCHER_PID" "${good:16}"
ok $? "the login is wiped"
launcher_stop
ok $? "stops cleanly"
