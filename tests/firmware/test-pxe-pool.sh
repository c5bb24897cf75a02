#!/bin/bash
# vdi-test: once
# Desktops on demand, from the station image itself: a station PXE-boots
# under QEMU and the real broker maps its MAC to a pool of one-time
# desktops that a real libvirtd runs with QEMU (tests/lib/libvirt.sh). The
# pool's VMs are overlays of a base image whose boot sector paints a test
# pattern, so the station's screen shows whose desktop it has. The station
# gets a pool VM and shows its picture; its session ends (the launcher is
# killed: the viewer drops, libvirt reports the disconnect) and that VM is
# destroyed with its overlay, a new one refills the pool, and the station
# gets a new VM, never the old one. Then the station is mapped to a libvirt
# domain that is shut off: the broker starts it and the station reaches it
# with the one-time password.
#
# The VMs' displays listen on the host's loopback; the station reaches them
# at 10.0.2.100 through guestfwd, which the mappings say with display_host.
# libvirt picks the display ports from a range the test forwards.
#
# The user only turns the station on and, twice, ends the session (the
# launcher is killed, as when the viewer dies). What proves each step,
# besides the station's own state lines: libvirt (which domains run, the
# overlay files, its own event stream's graphics disconnect), the broker's admin socket (which VM the station holds),
# each desktop's own QEMU monitor (its SPICE server has a display client:
# the one-time password let the station in), and libvirt's screenshot of
# the VM compared with the station's screen. Every desktop, tiny included,
# boots the pattern disk, a picture far from black and from its own
# mirror image, so a black, BIOS-text or mirrored screen cannot pass.
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
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"
# shellcheck source=tests/lib/pool.sh
. "$VDI_ROOT/tests/lib/pool.sh"

firmware_media_or_skip
command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"
NPORTS=6
DPORT=$(free_port_range $NPORTS) || skip_all "no $NPORTS free ports in a row"
LIBVIRT_DISPLAY_PORTS="$DPORT $((DPORT + NPORTS - 1))"
libvirt_skip_unless_usable
plan 26
# libvirt's own record of its domains' events (graphics connects and
# disconnects), to check what the broker says libvirt told it.
virsh -q -c "$LIBVIRT_URI" event --all --loop >"$T/libvirt-events.log" 2>&1 &
at_exit "kill $!"

CTL=$VDI_BUILD/bin/stationctl
P=$T/pool
qemu_pattern_disk "$T/pattern.img" && pool_files_qemu "$P" --base "$T/pattern.img"
ok $? "a base image whose boot sector paints a test pattern"
libvirt_define_tiny tiny --off --disk "$T/pattern.img"

S=$T/stations.conf
cat >"$S" <<CONF
[pool:kiosk]
libvirt_uri = $LIBVIRT_URI
$(pool_keys pool)
size = 1
max = 2
display_host = 10.0.2.100

[$STATION_MAC]
name = Kiosk
pool = kiosk
autoconnect = yes
CONF
mkdir -p "$T/state"
BROKER_HTTP=1 broker_start "$S" --state-dir "$T/state" || exit 1
bport=${BROKER_URL##*:}

pools_json() { admin_get /v1/admin/pools; }
vm_of() {
	pools_json | python3 -c '
import json, sys
print(" ".join(v["name"] for v in json.load(sys.stdin)["vms"] if v.get("station") == sys.argv[1]))' "$1"
}
ready_vms() {
	pools_json | python3 -c '
import json, sys
print(sum(1 for v in json.load(sys.stdin)["vms"] if v["state"] == "ready"))'
}
pool_ready() { [ "$(ready_vms)" -ge 1 ]; }
running() { lvirsh list --name 2>/dev/null | grep -x "$1" >/dev/null; }
# connected_count: how many sessions the station has shown (a session says
# "connected" once with no display yet, then once with its display).
connected_count() {
	tr -d '\r' <"$T/station.console" | grep -acE 'event=state state=connected .*displays=[1-9]'
}
# station_shows VM: the station's screen is VM's own picture (libvirt's
# screenshot of it), scaled into the station's screen as the viewer shows
# it, and that picture is the pattern, not a dark or symmetric screen that
# anything would match. SHOWS says how close both were.
station_shows() {
	local vm=$1
	SHOWS="no screenshot of $vm"
	lvirsh screenshot "$vm" "$T/vm.ppm" >/dev/null 2>&1 || return 1
	convert "$T/vm.ppm" "$T/vm.png"
	distinctive "$T/vm.png"
	local rc=$?
	SHOWS="$vm's own picture: $DISTINCT"
	[ "$rc" = 0 ] || return 1
	station_matches "$T/vm.png" 1
	SHOWS="RMSE $MATCH_RMSE < 0.08, $MATCH_FLOP > 0.15 to the mirror image; $SHOWS"
	below "$MATCH_RMSE" 0.08 && below 0.15 "$MATCH_FLOP"
}
# has_client VM: VM's own SPICE server has a display client.
has_client() { [ "$(spice_display_clients "$(libvirt_spice_info "$1")")" -ge 1 ]; }
wait_shows() {
	local i
	for ((i = 0; i < ${2:-60}; i++)); do
		station_shows "$1" && return 0
		sleep 1
	done
	return 1
}

WAIT_FOR_SECS=90 wait_for pool_ready
ok $? "the pool has a ready VM"

fwds=()
for ((p = DPORT; p < DPORT + NPORTS; p++)); do
	fwds+=(--fwd "$p:$p")
done
station_start pxe-bios --params "$FW_PARAMS vdi.broker=http://10.0.2.100:8080 vdi.retry_base=5" \
	--fwd "8080:$bport" "${fwds[@]}" || exit 1
station_wait_stage login 300
ok $? "PXE boot to the first screen (stage login at $(station_stage_time login) s)"

# --- the station gets a pool VM and shows it ---
station_status_like "^state=connected protocol=spice endpoint=10\\.0\\.2\\.100:[0-9]+ " 180
ok $? "the station connects to a pool VM by itself"
vm1=$(vm_of "$STATION_MAC")
like "$vm1" '^kiosk-[0-9]+$' "  ... the broker holds $vm1 for it"
WAIT_FOR_SECS=30 wait_for has_client "$vm1"
ok $? "  ... whose own SPICE server has the station as a display client"
station_wait_stage desktop 120
ok $? "  ... and shows the desktop (stage desktop at $(station_stage_time desktop) s)"
wait_shows "$vm1" 60
ok $? "  ... the station's screen is $vm1's test pattern ($SHOWS)"
WAIT_FOR_SECS=90 wait_for pool_ready
ok $? "the pool is refilled while the station works"

# --- the session ends: the VM goes, a new one comes ---
station_serial_send 'killall -KILL vdi-launcher'
gone() { ! running "$vm1" && [ ! -e "$P/overlays/$vm1.qcow2" ]; }
WAIT_FOR_SECS=60 wait_for gone
ok $? "session gone: $vm1 is destroyed in libvirt, its overlay deleted"
grep -q "event 'graphics' for domain '$vm1': disconnect" "$T/libvirt-events.log" &&
	broker_wait_log "event=pool_vm_end .*vm=\"?$vm1\"? reason=\"?disconnect" 5
ok $? "  ... because the viewer left: libvirt's own events have its disconnect, the broker ended it for that"
two_connects() { [ "$(connected_count)" -ge 2 ]; }
WAIT_FOR_SECS=180 wait_for two_connects
ok $? "the restarted launcher connects again"
vm2=$(vm_of "$STATION_MAC")
[ -n "$vm2" ] && [ "$vm2" != "$vm1" ]
ok $? "  ... to another VM ($vm2), never $vm1"
WAIT_FOR_SECS=30 wait_for has_client "$vm2"
ok $? "  ... whose own SPICE server has the station as a display client"
wait_shows "$vm2" 60
ok $? "  ... whose picture the station shows ($SHOWS)"
WAIT_FOR_SECS=90 wait_for pool_ready
ok $? "the pool has a ready VM again"

# --- a domain that is shut off: started on the station's lookup ---
is "$(lvirsh domstate tiny)" "shut off" "the domain tiny is shut off"
"$CTL" -f "$S" set "$STATION_MAC" pool= "domain=tiny" "libvirt_uri=$LIBVIRT_URI" \
	display_host=10.0.2.100 >"$T/out" 2>&1
ok $? "the station is mapped to it (stationctl set)" || sed 's/^/#   /' "$T/out" >&2
admin_post /v1/admin/reload >/dev/null
# The station's session on its pool VM ends as the first one did.
station_serial_send 'killall -KILL vdi-launcher'
gone2() { ! running "$vm2"; }
WAIT_FOR_SECS=60 wait_for gone2
ok $? "  ... its pool VM $vm2 is destroyed when that session ends"
broker_wait_log 'event=libvirt_start .*domain="?tiny' 120
is "$(lvirsh domstate tiny)" running "the broker starts tiny when the station asks (libvirt: running)"
three_connects() { [ "$(connected_count)" -ge 3 ]; }
WAIT_FOR_SECS=180 wait_for three_connects
ok $? "the station connects once it runs"
port=$(libvirt_spice_port tiny)
station_status_like "^state=connected protocol=spice endpoint=10\\.0\\.2\\.100:$port " 5
ok $? "  ... to tiny's display ($port)"
WAIT_FOR_SECS=30 wait_for has_client tiny
ok $? "  ... tiny's own SPICE server has it as a display client: the one-time password let it in"
wait_shows tiny 90
ok $? "  ... and shows tiny's picture ($SHOWS)"
# No pool VM is left with the station, none leaked.
is "$(vm_of "$STATION_MAC")" "" "the station holds no pool VM any more"
station_alive
ok $? "the station is still running"
