#!/bin/bash
# Connect through the real broker to a QEMU desktop (qxl + SPICE): the
# launcher's screen shows what the VM shows; the server quits mid-session and
# the launcher is back at its login screen, with the end reported to the
# broker.
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
qemu_pattern_disk "$T/disk.img"
port=$(free_port)
qemu_start desk "$port" --disk "$T/disk.img" || exit 1
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = Reception desk
host = 127.0.0.1
port = $port
message = Welcome to the front desk
CONF
broker_start "$T/stations.conf" || exit 1
qemu_wait_pattern desk 60
ok $? "the desktop VM shows its test pattern"

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" --hostname st-01
launcher_wait_state '^state=idle login=none '
ok $? "login screen after the first lookup: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
x11_screenshot "$T/login.png"

qemu_screendump desk "$T/vm.png"
read -r gw gh < <(identify -format '%w %h' "$T/vm.png")
area=$(desktop_area 1024 768 "$gw" "$gh")

# The Connect button has the focus: Enter connects.
xdotool key Return
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$port"' displays=1 '
ok $? "connected: $(cat "$T/status")"
launcher_wait_log 'event=first_frame'
ok $? "the first desktop frame was drawn"
like "$(admin_wait_like /v1/admin/stations '"state":"connected"')" '"state":"connected"' "the broker has the session start"

# The picture settles within a frame or two of the first one.
rmse=
for _ in $(seq 1 20); do
	x11_screenshot "$T/shot.png" "$area"
	convert "$T/shot.png" -resize "${gw}x${gh}!" "$T/shot-scaled.png"
	rmse=$(img_rmse "$T/shot-scaled.png" "$T/vm.png")
	below "$rmse" 0.05 && break
	sleep 0.25
done
below "$rmse" 0.05
ok $? "the launcher's screen matches the VM's screendump (RMSE $rmse < 0.05, area $area)"
convert "$T/vm.png" -flop "$T/vm-flop.png"
wrong=$(img_rmse "$T/shot-scaled.png" "$T/vm-flop.png")
below 0.15 "$wrong"
ok $? "and does not match a mirrored picture (RMSE $wrong > 0.15)"
x11_screenshot "$T/full.png"
bar=$(convert "$T/full.png" -crop "1024x40+0+0" +repage -format '%[fx:mean]' info:)
below "$bar" 0.02
ok $? "letterbox bar above the picture is black (mean $bar)"

# The desktop goes away.
t0=$(date +%s%3N)
qemu_quit desk
launcher_wait_state '^state=idle ' 5
ok $? "back to idle after the server quit: $(cat "$T/status")"
broker_got_ends 1
ok $? "the broker got the session end and has the station idle"
end_ms=$(launcher_log_ms session_end)
idle_ms=$(launcher_log_ms 'painted page=login')
took=$((idle_ms - t0))
[ "$took" -le 1000 ]
ok $? "login screen painted ${took} ms after the server quit (limit 1000)"
stations=$(admin_get /v1/admin/stations)
like "$stations" '"state":"idle"' "the broker recorded the session end"
like "$(grep 'event=session_end' "$T/launcher.log")" 'reason=server_closed' \
	"the end reason is server_closed (ended at $end_ms)"

# The frame can reach the X server a little after it is logged as painted.
for _ in 1 2 3 4 5 6 7 8 9 10; do
	sleep 0.3
	x11_screenshot "$T/after.png"
	back=$(img_rmse "$T/after.png" "$T/login.png")
	below "$back" 0.05 && break
done
below "$back" 0.05
ok $? "the screen is the login screen again (RMSE $back to the first one)"
x11_screenshot "$T/after-area.png" "$area"
convert "$T/after-area.png" -resize "${gw}x${gh}!" "$T/after-scaled.png"
gone=$(img_rmse "$T/after-scaled.png" "$T/vm.png")
below 0.15 "$gone"
ok $? "and nothing of the desktop is left on screen (RMSE $gone to the VM picture)"

launcher_stop
ok $? "the launcher stops cleanly on SIGTERM"
like "$(cat "$T/status")" '^state=stopped since=' "the status file says stopped"
