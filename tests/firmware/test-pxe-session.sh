#!/bin/bash
# vdi-test: once
# The whole chain under QEMU: a station PXE-boots through QEMU's TFTP and
# pxelinux, the real broker on loopback maps its MAC to a QEMU SPICE desktop
# with autoconnect, and the station's own screen shows the desktop's
# picture. The station has a USB stick, which the desktop then has on one of
# its usb-redir ports (the desktop's own monitor shows a device with the
# stick's speed there). The desktop VM is stopped: the station is back at its
# login screen (read off its screen). The launcher, killed inside the
# station, comes back.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/station.sh
. "$VDI_ROOT/tests/lib/station.sh"
# shellcheck source=tests/firmware/common.sh
. "$VDI_ROOT/tests/firmware/common.sh"

firmware_media_or_skip
command -v tesseract >/dev/null || skip_all "tesseract is not installed"
plan 14

qemu_pattern_disk "$T/disk.img"
dport=$(free_port)
qemu_start desk "$dport" --disk "$T/disk.img" --usbredir || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = PXE desk
host = 10.0.2.100
port = 5930
autoconnect = yes
CONF
BROKER_HTTP=1 broker_start "$T/stations.conf" || exit 1
bport=${BROKER_URL##*:}
qemu_wait_pattern desk 60
ok $? "the desktop VM shows its test pattern"

# A USB stick with a FAT file system, as a user would bring.
truncate -s 16M "$T/stick.img"
mkfs.fat -n USBSTICK "$T/stick.img" >/dev/null

# retry_base: after the session the login screen waits 30 s before it
# connects again, time enough to look at it.
station_start pxe-bios --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080 vdi.retry_base=30" \
	--fwd "8080:$bport" --fwd "5930:$dport" --stick "$T/stick.img" || exit 1
station_wait_stage login 300
ok $? "PXE boot to the first screen (stage login at $(station_stage_time login) s)"
station_status_like '^state=(connecting|connected) ' 90
ok $? "the launcher connects by itself"

station_wait_stage desktop 120
ok $? "the station shows the desktop (stage desktop at $(station_stage_time desktop) s)"
qemu_screendump desk "$T/vm.png"
station_screendump "$T/first.png"
read -r sw sh < <(identify -format '%w %h' "$T/first.png")
read -r gw gh < <(identify -format '%w %h' "$T/vm.png")
area=$(desktop_area "$sw" "$sh" "$gw" "$gh")
rmse=
for _ in $(seq 1 30); do
	station_screendump "$T/shot.png"
	convert "$T/shot.png" -crop "$area" +repage -resize "${gw}x${gh}!" "$T/shot-scaled.png"
	rmse=$(img_rmse "$T/shot-scaled.png" "$T/vm.png")
	below "$rmse" 0.08 && break
	sleep 1
done
below "$rmse" 0.08
ok $? "the station's screen matches the desktop's screendump (RMSE $rmse < 0.08, area $area)"
convert "$T/vm.png" -flop "$T/vm-flop.png"
wrong=$(img_rmse "$T/shot-scaled.png" "$T/vm-flop.png")
below 0.15 "$wrong"
ok $? "and not a mirrored picture (RMSE $wrong > 0.15)"
like "$(admin_wait_like /v1/admin/stations '"state":"connected"')" '"state":"connected"' "the broker has the session"

# USB: the stick is redirected by the default policy (mass storage). The
# desktop's usb-redir ports are listed by info usb whether or not anything
# is redirected, an idle one as "Speed 1.5 Mb/s"; a redirected stick shows
# with its own speed (12, 480 or 5000 Mb/s). A desktop whose monitor does
# not answer shows none.
redirected() {
	qemu_hmp desk 'info usb' | tr -d '\r' | grep -m1 -E 'Speed (12|480|5000|10000) Mb/s.*USB Redirection'
}
line=
for _ in $(seq 1 90); do
	line=$(redirected) && break
	sleep 1
done
[ -n "$line" ] || diag "the desktop's info usb:" "$(qemu_hmp desk 'info usb')"
[ -n "$line" ]
ok $? "the desktop has the station's stick on a usb-redir port, at its own speed (${line:-nothing redirected})"

# The desktop goes away: back to the login screen.
qemu_quit desk
station_status_like '^state=idle login=none ' 30
ok $? "desktop stopped: the station is back on its login screen"
like "$(admin_wait_like /v1/admin/stations '"state":"idle"')" '"state":"idle"' "the broker has the session end"
like "$(station_screen_text "PXE desk.*automatically in")" "PXE desk.*automatically in" \
	"its screen is the login screen, with the station's name"

# Supervision: the launcher dies and comes back.
station_serial_send 'killall -KILL vdi-launcher'
station_wait_console 'event=restart what=launcher' 60
ok $? "the supervisor restarted the killed launcher"
# The new launcher is at work: a state change or a painted screen after the
# restart line. A loaded machine can take a while.
after_restart() {
	tr -d '\r' <"$T/station.console" |
		awk '/event=restart what=launcher/ { r = 1 } r && /event=(painted|state) / { f = 1 } END { exit !f }'
}
for _ in $(seq 1 720); do
	after_restart && break
	sleep 0.25
done
after_restart || diag "console after the kill:" "$(tr -d '\r' <"$T/station.console" | grep -a 'vdi:' | tail -n 8)"
after_restart
ok $? "and the new launcher is at work again"
station_alive
ok $? "the station is still running"
