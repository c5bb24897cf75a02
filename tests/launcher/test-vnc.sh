#!/bin/bash
# VNC through the real broker to QEMU's own VNC server: the launcher's
# screen shows what the VM shows, without and with a password; a wrong
# password is refused with a message; the VM going away ends the session.
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

plan 11

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

# check_picture NAME: the launcher's screen shows VM NAME's picture (and
# not its mirror image).
check_picture() {
	screen_shows "qemu_screendump $1"
	ok $? "the launcher's screen shows the VM's own picture: $SHOWN"
}

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
qemu_pattern_disk "$T/disk.img"
n=$(free_vnc) || exit 1
vport=$((5900 + n))
qemu_start desk "$(free_port)" --disk "$T/disk.img" -- -device qxl-vga,id=video0 \
	-vnc "127.0.0.1:$n" || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Console
protocol = vnc
host = 127.0.0.1
port = $vport
CONF
broker_start "$T/stations.conf" || exit 1
qemu_wait_pattern desk 60
ok $? "the VM shows its test pattern"

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=none '
launcher_wait_log 'event=painted page=login'
xdotool key Return
launcher_wait_state "^state=connected protocol=vnc endpoint=127\\.0\\.0\\.1:$vport displays=1 " 20
ok $? "connected over VNC without a password: $(cat "$T/status")"
check_picture desk
qemu_quit desk
launcher_wait_state '^state=idle ' 10
ok $? "the VM quit: back at the login screen: $(cat "$T/status")"
broker_got_ends 1
ok $? "the broker got the session end and has the station idle"
launcher_stop

# With a password (QEMU's password=on, set over QMP).
n=$(free_vnc) || exit 1
vport=$((5900 + n))
qemu_start desk2 "$(free_port)" --disk "$T/disk.img" -- -device qxl-vga,id=video0 \
	-vnc "127.0.0.1:$n,password=on" || exit 1
qemu_qmp desk2 '{"execute":"set_password","arguments":{"protocol":"vnc","password":"s3cret"}}' >/dev/null
ok $? "the VM's VNC password is set"
qemu_wait_pattern desk2 60
stations_pw() {
	stations_write "$T/stations.conf" <<CONF
[$STATION_MAC]
name = Console
protocol = vnc
host = 127.0.0.1
port = $vport
password = $1
CONF
}
stations_pw wrong-one
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=none '
launcher_wait_log 'event=painted page=login'
xdotool key Return
launcher_wait_state '^state=message kind=desktop_unreachable ' 20
ok $? "a wrong VNC password: desktop unreachable: $(cat "$T/status")"
like "$(grep 'event=endpoint_failed' "$T/launcher.log" | tail -n 1)" 'kind=auth .*protocol=vnc' \
	"logged as an authentication failure"
stations_pw s3cret
# Try now (the focused button) connects again.
xdotool key Return
launcher_wait_state "^state=connected protocol=vnc endpoint=127\\.0\\.0\\.1:$vport " 20
ok $? "the right password: connected: $(cat "$T/status")"
check_picture desk2
! grep -q -e s3cret -e wrong-one "$T/launcher.log" "$T/status"
ok $? "no password in the log or the status file"
launcher_stop
