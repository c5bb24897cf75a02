#!/bin/bash
# RDP through the real broker to FreeRDP's shadow server (sharing a second
# X display): the launcher's screen shows the server's picture; the server
# going away ends the session and the station is back at its login screen;
# with login = broker the typed login goes on to a server that checks it
# (NLA), the password never on a command line; a wrong one shows a message.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
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

if ! command -v xfreerdp >/dev/null || ! command -v freerdp-shadow-cli >/dev/null; then
	skip_all "xfreerdp or freerdp-shadow-cli missing (make deps)"
fi

plan 22

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port=$(free_port)
rdp_server_start "$port" 1024x768 || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Front office
protocol = rdp
host = 127.0.0.1
port = $port
CONF
broker_start "$T/stations.conf" || exit 1

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o audio=no
launcher_wait_state '^state=idle login=none '
ok $? "login screen: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
x11_screenshot "$T/login.png"

xdotool key Return
launcher_wait_state "^state=connected protocol=rdp endpoint=127\\.0\\.0\\.1:$port displays=1 " 20
ok $? "connected over RDP: $(cat "$T/status")"
like "$(grep 'event=rdp_start' "$T/launcher.log")" '/parent-window:[0-9]+ /size:1024x768 ' \
	"xfreerdp is embedded in the launcher's window at the monitor's size"
like "$(admin_wait_like /v1/admin/stations '"state":"connected"')" '"state":"connected"' "the broker has the session start"

rmse=
for _ in $(seq 1 40); do
	x11_screenshot "$T/shot.png"
	rmse=$(img_rmse "$T/shot.png" "$RDP_PICTURE")
	below "$rmse" 0.05 && break
	sleep 0.25
done
below "$rmse" 0.05
ok $? "the launcher's screen matches the RDP server's picture (RMSE $rmse < 0.05)"
convert "$RDP_PICTURE" -flop "$T/flop.png"
wrong=$(img_rmse "$T/shot.png" "$T/flop.png")
below 0.15 "$wrong"
ok $? "and does not match a mirrored picture (RMSE $wrong > 0.15)"

# The server goes away.
rdp_server_stop
launcher_wait_state '^state=idle ' 10
ok $? "back to idle after the server ended: $(cat "$T/status")"
broker_got_ends 1
ok $? "the broker got the session end and has the station idle"
like "$(grep 'event=rdp_exit' "$T/launcher.log" | tail -n 1)" 'opened=yes' \
	"xfreerdp's exit was read: $(grep 'event=rdp_exit' "$T/launcher.log" | tail -n 1 | cut -d' ' -f5-)"
for _ in $(seq 1 10); do
	sleep 0.3
	x11_screenshot "$T/after.png"
	back=$(img_rmse "$T/after.png" "$T/login.png")
	below "$back" 0.05 && break
done
below "$back" 0.05
ok $? "the screen is the login screen again (RMSE $back)"
sleep 2
! pgrep -f "xfreerdp .*/v:127.0.0.1:$port" >/dev/null
ok $? "no xfreerdp is left running"
launcher_stop
ok $? "the launcher stops cleanly"

# Single sign-on against a server that checks passwords (NLA).
good='Sesame 0pen'
bad='not-the-one'
rdp_sam_file "$T/sam" ann "$good"
port2=$(free_port)
rdp_server_start "$port2" 1024x768 --sam "$T/sam" || exit 1
printf 'ann:%s\nbob:%s\n' "$(openssl passwd -6 "$good")" "$(openssl passwd -6 "$bad")" >"$T/users"
cat >"$T/stations2.conf" <<CONF
[$STATION_MAC]
name = Front office
protocol = rdp
host = 127.0.0.1
port = $port2
login = broker
sso = yes
CONF
broker_stop
broker_start "$T/stations2.conf" || exit 1
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o audio=no
launcher_wait_state '^state=idle login=broker '
ok $? "login screen with a login form: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'

type_login() {
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$1"
	xdotool key Tab
	xdotool key --clearmodifiers ctrl+a
	xdotool type --delay 15 "$2"
	xdotool key Return
}

type_login ann "$good"
launcher_wait_state "^state=connected protocol=rdp endpoint=127\\.0\\.0\\.1:$port2 " 20
ok $? "the broker login reached the RDP desktop: $(cat "$T/status")"
pid=$(pgrep -f "xfreerdp .*/v:127.0.0.1:$port2" | head -n 1)
cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
like "$cmd" '/from-stdin' "xfreerdp reads the login from its stdin"
! [[ "$cmd" =~ /u:|ann ]] && [[ "$cmd" =~ /login\.rdp ]]
ok $? "the user name comes in a connection file, not on the command line: $cmd"
! grep -rqs 'username:s:ann' "${TMPDIR:-/tmp}"/vdi-rdp-*
ok $? "that file was removed once xfreerdp had read it"
! grep -q -- "$good" "/proc/$pid/cmdline" "/proc/$pid/environ" 2>/dev/null &&
	! grep -q -- "$good" "$T/launcher.log" "$T/status"
ok $? "the password is on no command line, in no environment, log or status file"
rmse=
for _ in $(seq 1 40); do
	x11_screenshot "$T/shot2.png"
	rmse=$(img_rmse "$T/shot2.png" "$RDP_PICTURE")
	below "$rmse" 0.05 && break
	sleep 0.25
done
below "$rmse" 0.05
ok $? "the desktop's picture is on screen (RMSE $rmse)"
kill -TERM "$pid"
launcher_wait_state '^state=idle login=broker ' 10
ok $? "the viewer ending ends the session: $(cat "$T/status")"

# bob's broker password is right, but the desktop does not know it.
type_login bob "$bad"
launcher_wait_state '^state=message kind=desktop_unreachable back=8 ' 20
ok $? "a password the desktop refuses: a message, then the login screen: $(cat "$T/status")"
like "$(grep 'event=endpoint_failed' "$T/launcher.log" | tail -n 1)" 'kind=.* protocol=rdp' \
	"the failure is logged: $(grep 'event=endpoint_failed' "$T/launcher.log" | tail -n 1 | cut -d' ' -f5- | cut -c1-150)"
launcher_stop
