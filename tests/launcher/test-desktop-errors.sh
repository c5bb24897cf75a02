#!/bin/bash
# The desktop side going wrong: a wrong SPICE password, a refused port, an
# endpoint of a protocol this station does not have yet. Each gives the
# right screen and state, the next endpoint is tried, and the launcher keeps
# retrying until the desktop works.
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

plan 20


x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port=$(free_port)
open_port=$(free_port)
closed=$(free_port)
qemu_pattern_disk "$T/disk.img"
qemu_start desk "$port" --password 'right horse' --disk "$T/disk.img" || exit 1
# A fallback endpoint carries no password: the second desktop needs none.
cp "$T/disk.img" "$T/open.img"
qemu_start open "$open_port" --disk "$T/open.img" || exit 1

# 1. Wrong password, then (after the admin fixes the mapping) the right one.
stations=$T/stations.conf
cat >"$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
password = wrong battery
autoconnect = yes
CONF
broker_start "$stations" || exit 1
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o retry_base=1 \
	-o retry_max=2
launcher_wait_state '^state=message kind=desktop_unreachable retry=1 '
ok $? "wrong password: desktop unreachable, retry in 1 s: $(cat "$T/status")"
like "$(grep event=endpoint_failed "$T/launcher.log" | head -n 1)" 'kind=auth' \
	"the failure is an authentication failure"
launcher_wait_log 'event=state state=message kind=desktop_unreachable retry=2 ' 10
ok $? "it retries, with a longer wait the second time"
refused=$(grep -c 'reds_handle_ticket: Invalid password' "$T/desk.qemu.log")
below 1 "$refused"
ok $? "QEMU's SPICE server itself refused the password on each try ($refused times)"
! grep -q 'wrong battery' "$T/launcher.log"
ok $? "the desktop password is not in the log"
stations_write "$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
password = right horse
autoconnect = yes
CONF
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port " 10
ok $? "with the right password it connects on the next try: $(cat "$T/status")"
screen_shows "qemu_screendump desk" 20
ok $? "and the desktop's picture is on screen: $SHOWN"
launcher_stop
ok $? "stops cleanly"

# 2. A refused port first, a working fallback second.
: >"$T/launcher.log"
stations_write "$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $closed
fallback = spice://127.0.0.1:$open_port
CONF
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle '
xdotool key Return
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$open_port "
ok $? "connected to the fallback: $(cat "$T/status")"
screen_shows "qemu_screendump open" 20
ok $? "and the fallback desktop's picture is on screen: $SHOWN"
like "$(grep 'event=state state=connecting' "$T/launcher.log" | head -n 1)" \
	"endpoint=127\\.0\\.0\\.1:$closed attempt=1/2" "the refused primary was tried first"
like "$(grep event=endpoint_failed "$T/launcher.log")" 'kind=connect' \
	"and failed as a refused connection"
launcher_stop

# 3. RDP first, refused: its failure is reported, then the SPICE one.
qemu_revive open || exit 1
: >"$T/launcher.log"
stations_write "$stations" <<CONF
[$STATION_MAC]
protocol = rdp
host = 127.0.0.1
port = $closed
fallback = spice://127.0.0.1:$open_port
CONF
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle '
xdotool key Return
launcher_wait_state '^state=connecting protocol=rdp '
ok $? "the RDP endpoint comes first: $(cat "$T/status")"
launcher_wait_log 'event=endpoint_failed kind=connect .*protocol=rdp' 10
ok $? "and fails as a refused connection"
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$open_port "
ok $? "then the SPICE endpoint connects"
screen_shows "qemu_screendump open" 20
ok $? "and its picture is on screen: $SHOWN"
launcher_stop

# 4. Nothing works: the message says so and retries the whole list.
: >"$T/launcher.log"
stations_write "$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $closed
fallback = vnc://127.0.0.1:$closed
CONF
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o retry_base=1
launcher_wait_state '^state=idle '
xdotool key Return
launcher_wait_state '^state=message kind=desktop_unreachable retry=1 ' 10
ok $? "all endpoints failed: $(cat "$T/status")"
launcher_wait_log 'event=state state=querying purpose=connect .*' 5
n0=$(count_log 'state=connecting protocol=spice')
sleep 3.5
n1=$(count_log 'state=connecting protocol=spice')
[ "$n1" -gt "$n0" ]
ok $? "and tries again by itself ($n0 then $n1 attempts)"
# Back to the login screen on request.
xdotool key Tab key Return
launcher_wait_state '^state=idle ' 5
ok $? "Back leads to the login screen"
launcher_stop
ok $? "stops cleanly"
