#!/bin/bash
# Two monitors: an X server with two RandR outputs side by side, and a
# desktop with two graphics heads (two QXL cards). The launcher's window
# covers both monitors, makes one display per head, and puts head 0 on
# monitor 0 and head 1 on monitor 1. Head 0 shows the VM's picture. (Head 1
# has no picture of its own: without a guest driver the second QXL card
# never gets a surface; the test checks its place, not its content.)
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

if ! command -v Xorg >/dev/null || [ ! -e /usr/lib/xorg/modules/drivers/dummy_drv.so ]; then
	skip_all "Xorg with the dummy driver is not installed (make deps)"
fi

plan 10

x11_start_heads 2 1024x768 || exit 1
like "$(xrandr --listmonitors | head -n 1)" 'Monitors: 2' "the X server has two RandR monitors"
fake_sysfs eth9 "$STATION_MAC"
qemu_pattern_disk "$T/disk.img"
port=$(free_port)
qemu_start desk "$port" --disk "$T/disk.img" -- \
	-device qxl-vga,id=video0 -device qxl,id=video1 || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
autoconnect = yes
CONF
broker_start "$T/stations.conf" || exit 1
qemu_wait_pattern desk 60

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=connected .*displays=2 '
ok $? "two displays for the two heads: $(cat "$T/status")"
like "$(grep 'event=monitor ' "$T/launcher.log" | tr '\n' ' ')" \
	'index=0 geometry=1024x768\+0\+0 .*index=1 geometry=1024x768\+1024\+0' \
	"the launcher sees both monitors"
like "$(xwininfo -name 'VDI Station' | grep -E 'Width|Height' | tr -s ' \n' ' ')" \
	'Width: 2048 Height: 768' "its window covers both"
launcher_wait_log 'event=display_place order=256 geometry=1024x768\+1024\+0' 5
ok $? "head 1 (channel 1) is on the second monitor"
like "$(grep 'event=display_place order=0 ' "$T/launcher.log" | tail -n 1)" \
	'geometry=1024x768\+0\+0' "head 0 (channel 0) is on the first"

qemu_screendump desk "$T/head0.png" video0
read -r gw gh < <(identify -format '%w %h' "$T/head0.png")
area=$(desktop_area 1024 768 "$gw" "$gh" 0 0)
rmse=
for _ in $(seq 1 20); do
	x11_screenshot "$T/m0.png" "$area"
	convert "$T/m0.png" -resize "${gw}x${gh}!" "$T/m0-scaled.png"
	rmse=$(img_rmse "$T/m0-scaled.png" "$T/head0.png")
	below "$rmse" 0.05 && break
	sleep 0.25
done
below "$rmse" 0.05
ok $? "monitor 0 shows head 0's picture (RMSE $rmse)"
area1=$(desktop_area 1024 768 "$gw" "$gh" 1024 0)
x11_screenshot "$T/m1.png" "$area1"
convert "$T/m1.png" -resize "${gw}x${gh}!" "$T/m1-scaled.png"
other=$(img_rmse "$T/m1-scaled.png" "$T/head0.png")
below 0.2 "$other"
ok $? "and monitor 1 does not (RMSE $other): the picture is not stretched over both"

qemu_quit desk
launcher_wait_state '^state=(idle|message) ' 5
ok $? "session over: $(cat "$T/status")"
launcher_stop
ok $? "stops cleanly"
