#!/bin/bash
# USB redirection against a QEMU desktop with usb-redir channels. This host
# has no USB devices of its own (no /dev/bus/usb in the test container), so
# the device is spice-gtk's emulated CD-ROM (--share-cd), a USB mass storage
# device that travels the same redirection path as a real stick. The policy
# decides: allowed, the desktop's USB port reports a high-speed device;
# denied, nothing arrives. A device that cannot be shared gives a notice and
# the session goes on. (Hotplug of real devices is proven in the firmware's
# end-to-end boot, where QEMU gives the station USB devices.)
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

plan 13

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
port=$(free_port)
qemu_start desk "$port" --usbredir || exit 1
truncate -s 4M "$T/cd.iso"
stations=$T/stations.conf
cat >"$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
autoconnect = yes
CONF
broker_start "$stations" || exit 1

# A redirected device shows as a 480 Mb/s device on one of the usb-redir
# ports; an idle port reports 1.5 Mb/s. usb_count prints how many there are,
# and fails when the desktop VM's monitor does not answer or lists no
# usb-redir port at all (a dead VM has no devices, which proves nothing).
usb_count() {
	local out
	out=$(qemu_hmp desk 'info usb' 2>/dev/null)
	printf '%s\n' "$out" | grep -q 'USB Redirection' || return 1
	printf '%s\n' "$out" | grep -c 'Speed 480 Mb/s.*USB Redirection' || true
}
# attached N: true when the desktop has exactly N redirected devices now
# (asked again on each call, so that wait_for polls it).
attached() {
	local n
	n=$(usb_count) && [ "$n" = "$1" ]
}
# desk_alive: the desktop VM runs and its monitor answers.
desk_alive() {
	kill -0 "${QEMU_PID[desk]}" 2>/dev/null &&
		qemu_qmp desk '{"execute":"query-status"}' 2>/dev/null | grep -q '"running"'
}
attached 0
ok $? "before any session, no device on the desktop's USB ports ($(usb_count || echo 'no answer'))"

# 1. The default policy redirects storage.
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" \
	--share-cd "$T/cd.iso"
launcher_wait_state '^state=connected '
ok $? "connected: $(cat "$T/status")"
launcher_wait_log 'event=usb_channel id=1' 5
ok $? "both usb-redir channels open"
like "$(grep event=usb_policy "$T/launcher.log")" 'filter=0x03,-1,-1,-1,0\|0x08,-1,-1,-1,1' \
	"the default policy: never HID, storage yes"
launcher_wait_log 'event=usb_device event=redirected device=.*SPICE CD' 10
ok $? "the CD was redirected"
wait_for attached 1
ok $? "and the desktop has it on a USB port: $(usb_count || echo 'no answer') device"
launcher_stop
wait_for attached 0 && desk_alive
ok $? "after the session the device is gone from the desktop, which still runs ($(usb_count || echo 'no answer'))"

# 2. The admin denies storage: nothing reaches the desktop.
qemu_revive desk || exit 1
: >"$T/launcher.log"
stations_write "$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
autoconnect = yes
usb_deny = 0x08,-1,-1,-1,0|-1,-1,-1,-1,1
CONF
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" \
	--share-cd "$T/cd.iso"
launcher_wait_state '^state=connected '
launcher_wait_log 'event=usb_denied' 5
ok $? "storage denied by the broker's policy: not shared"
like "$(grep event=notice "$T/launcher.log")" 'not allowed' "the user is told why"
sleep 2
attached 0 && desk_alive
ok $? "nothing on the desktop's USB ports, which answer ($(usb_count || echo 'no answer'))"
launcher_stop

# 3. A device that cannot be shared: a notice, and the session goes on.
qemu_revive desk || exit 1
: >"$T/launcher.log"
stations_write "$stations" <<CONF
[$STATION_MAC]
host = 127.0.0.1
port = $port
autoconnect = yes
CONF
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" \
	--share-cd "$T/no-such.iso"
launcher_wait_state '^state=connected '
launcher_wait_log 'event=notice text=.*could not be shared' 5
ok $? "a notice says the device could not be shared"
sleep 1
like "$(cat "$T/status")" '^state=connected ' "the session is still up"
launcher_stop
ok $? "stops cleanly"
