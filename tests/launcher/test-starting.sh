#!/bin/bash
# starting → ready: the mapping has wait_ready = yes and its desktop VM is
# not running yet, so the real broker answers "starting"; the launcher shows
# "Starting your desktop", polls as retry_after says, and connects by itself
# once QEMU's SPICE server is up. Then the same with login = broker: the
# launcher logs in again while it waits, without asking the user twice, and
# the password is gone from its memory when the session ends. Proof from
# outside: the screen read by OCR, the screen against the desktop VM's own
# screendump, the launcher's memory searched through /proc/PID/mem.
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

plan 16

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port=$(free_port)
# Longer than 16 bytes: see the memory check in test-login.sh.
good='Start-me 1, then start the desktop'
qemu_pattern_disk "$T/disk.img"
printf 'alice:%s\n' "$(openssl passwd -6 "$good")" >"$T/users"
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = On-demand desk
host = 127.0.0.1
port = $port
wait_ready = yes
autoconnect = yes
CONF
broker_start "$T/stations.conf" || exit 1

launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=starting retry=2 '
ok $? "desktop not up: starting, asking again in 2 s: $(cat "$T/status")"
text=$(x11_screen_text 'Starting your desktop' 10)
ok $? "the progress screen is on screen: it reads '$(printf '%s' "$text" | cut -c 1-60)'"
# It keeps polling: at least two more lookups while the desktop is down.
sleep 5
n=$(grep -c 'event=state state=starting' "$T/launcher.log")
below 2 "$n"
ok $? "still starting after 5 s, $n polls so far"
grep -q 'state=connecting' "$T/launcher.log"
is $? 1 "no connection attempt while the broker says starting"

qemu_start desk "$port" --disk "$T/disk.img" || exit 1
t0=$(date +%s%3N)
launcher_wait_state '^state=connected protocol=spice endpoint=127\.0\.0\.1:'"$port"' ' 20
ok $? "the desktop came up and the launcher connected by itself: $(cat "$T/status")"
t1=$(date +%s%3N)
diag "connected $((t1 - t0)) ms after QEMU was started"
screen_shows "qemu_screendump desk" 20
ok $? "the desktop is on screen: $SHOWN"
qemu_quit desk
launcher_wait_state '^state=(idle|starting|querying) ' 5
ok $? "server quit: back from the session: $(cat "$T/status")"
launcher_stop
ok $? "launcher stopped cleanly"

# --- the same with a login ---
# The broker keeps a probe's answer for a second: let the "up" of the session
# that just ended expire, or the login would be sent to the dead desktop.
sleep 1.5
cat >"$T/stations.conf" <<CONF
[$STATION_MAC]
name = On-demand kiosk
host = 127.0.0.1
port = $port
wait_ready = yes
login = broker
CONF
admin_post /v1/admin/reload >/dev/null
: >"$T/launcher.log"
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC"
launcher_wait_state '^state=idle login=broker '
ok $? "login mapping: the login form first: $(cat "$T/status")"
launcher_wait_log 'event=painted page=login'
xdotool type --delay 15 alice
xdotool key Tab
xdotool type --delay 15 "$good"
xdotool key Return
launcher_wait_state '^state=starting ' 10
ok $? "after the login: starting"
sleep 3
qemu_start desk2 "$port" --disk "$T/disk.img" || exit 1
launcher_wait_state '^state=connected protocol=spice ' 20
ok $? "connected once the desktop is up, without a second login"
screen_shows "qemu_screendump desk2" 20
ok $? "the desktop is on screen: $SHOWN"
n=$(grep -c 'event=state state=querying purpose=login' "$T/launcher.log")
below 1 "$n"
ok $? "the login was sent again while waiting ($n times in all)"
qemu_quit desk2
launcher_wait_state '^state=idle login=broker ' 10
ok $? "the session ends: back at the login form"
! mem_has "$LAUNCHER_PID" "$good" && ! mem_has "$LAUNCHER_PID" "${good:16}"
ok $? "and the password is not left in the launcher's memory"
launcher_stop
ok $? "launcher stopped cleanly"
