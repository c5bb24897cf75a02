#!/bin/bash
# vdi-test: once
# Pools against a real libvirtd with QEMU (tests/lib/libvirt.sh): the
# broker fills a pool with transient VMs on overlays of a base image, hands
# one out with the VM's own SPICE port and password (checked against what
# libvirt and QEMU have), is killed with SIGKILL in the middle of a
# hand-out and while it refills, and after a restart there is no leaked
# VM or overlay, no VM held by two stations, and the station that had a VM
# keeps it. Then a session end destroys the VM in libvirt and the pool is
# refilled.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/lib/pool.sh
. "$VDI_ROOT/tests/lib/pool.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"
libvirt_skip_unless_usable

P=$T/pool
mkdir -p "$T/state"
pool_files_qemu "$P" --nic
ok $? "a base image"

S=$T/stations.conf
cat >"$S" <<CONF
[pool:tiny]
libvirt_uri = $LIBVIRT_URI
$(pool_keys pool)
size = 1
max = 3

[52:54:00:00:02:01]
pool = tiny

[52:54:00:00:02:02]
pool = tiny
CONF

# The stations file is named relative to the working folder, as an admin
# may type it: the pool's relative paths must still reach qemu-img and
# libvirt (whose QEMU runs elsewhere) as absolute ones, which the live XML
# check below sees.
cd "$T" || exit 1
start() {
	broker_start stations.conf --state-dir "$T/state" || {
		echo "Bail out! broker did not start"
		exit 1
	}
}
start

pools_json() { admin_get /v1/admin/pools; }
count_state() {
	pools_json | python3 -c '
import json, sys
print(sum(1 for v in json.load(sys.stdin)["vms"] if v["state"] == sys.argv[1]))' "$1"
}
vm_of() {
	pools_json | python3 -c '
import json, sys
print(" ".join(v["name"] for v in json.load(sys.stdin)["vms"] if v.get("station") == sys.argv[1]))' "$1"
}
ready_is() { [ "$(count_state ready)" = "$1" ]; }
running() { lvirsh list --name --transient 2>/dev/null | grep '^tiny-' | sort; }

WAIT_FOR_SECS=60 wait_for ready_is 1
ok $? "the pool has a ready VM"
vm=$(running)
like "$vm" '^tiny-[0-9]+$' "  ... running in libvirt as a transient domain ($vm)"
lvirsh dumpxml "$vm" >"$T/live.xml"
grep -q "$P/overlays/$vm.qcow2" "$T/live.xml"
ok $? "  ... on its overlay"
grep -q "52:54:00:aa:bb:cc" "$T/live.xml"
is $? 1 "  ... with a MAC of its own"
lvirsh dominfo "$vm" | grep -q 'Persistent: *no'
ok $? "  ... and no definition left to outlive it"

r=$(lookup 52:54:00:00:02:01)
is "$(jget status <<<"$r")" ready "station 1 gets it"
is "$(jget endpoints.0.port <<<"$r")" "$(libvirt_spice_port "$vm")" "  ... at the VM's SPICE port"
pw1=$(jget endpoints.0.password <<<"$r")
lvirsh dumpxml --security-info "$vm" | grep -q "passwd='$pw1'"
ok $? "  ... with the password QEMU's display has"
is "$(vm_of 52:54:00:00:02:01)" "$vm" "  ... and it is station 1's"

# SIGKILL right after a hand-out is asked for: the refill (and maybe the
# hand-out itself) is cut off half-way.
WAIT_FOR_SECS=60 wait_for ready_is 1
ok $? "the pool is refilled"
lookup 52:54:00:00:02:02 >"$T/r2" 2>/dev/null &
lpid=$!
sleep 0.3
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
wait "$lpid" 2>/dev/null
BROKER_PID=
r2=$(cat "$T/r2")
diag "station 2 heard before the kill: ${r2:-nothing}"
# And once more while the broker makes a VM (size 2 now).
sed -i 's/^size = 1$/size = 2/' "$S"
start
sleep 1.5
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
BROKER_PID=
sed -i 's/^size = 2$/size = 1/' "$S"
start
reconciled() { pools_json | grep -q '"reconciled":true'; }
WAIT_FOR_SECS=30 wait_for reconciled
ok $? "restarted after two SIGKILLs: reconciled"
WAIT_FOR_SECS=60 wait_for ready_is 1
diag "reconciliation: $(grep -ho 'event=pool_reconcile[^ ]* .*' "$T"/broker.*.log | tr '\n' ';')"

# No leak: libvirt runs exactly the VMs the broker knows, and the overlay
# folder holds exactly theirs.
known=$(pools_json | python3 -c '
import json, sys
print("\n".join(sorted(v["name"] for v in json.load(sys.stdin)["vms"] if v["state"] in ("ready", "assigned"))))')
is "$(running | tr '\n' ' ')" "$(tr '\n' ' ' <<<"$known")" "every running pool VM is one the broker knows"
is "$(find "$P/overlays" -name '*.qcow2' -printf '%f\n' | sed 's/\.qcow2$//' | sort | tr '\n' ' ')" \
	"$(tr '\n' ' ' <<<"$known")" "every overlay belongs to one of them"
# No double assignment.
dups=$(pools_json | python3 -c '
import json, sys
st = [v["station"] for v in json.load(sys.stdin)["vms"] if "station" in v]
print(len(st) - len(set(st)))')
is "$dups" 0 "no station holds two VMs, no VM two stations"
is "$(vm_of 52:54:00:00:02:01)" "$vm" "station 1 kept its VM across the kills"
r=$(lookup 52:54:00:00:02:01)
is "$(jget endpoints.0.password <<<"$r")" "$pw1" "  ... and gets it again, same password"
tok1=$(jget session <<<"$r")
r=$(lookup 52:54:00:00:02:02)
is "$(jget status <<<"$r")" ready "station 2 gets a VM"
if [ "$(jget status <<<"$r2")" = ready ]; then
	is "$(jget endpoints.0.password <<<"$r")" "$(jget endpoints.0.password <<<"$r2")" \
		"  ... the one it was answered before the kill"
else
	ok 0 "  ... (it had no answer before the kill: any VM)"
fi
vm2=$(vm_of 52:54:00:00:02:02)
[ -n "$vm2" ] && [ "$vm2" != "$vm" ]
ok $? "  ... not station 1's ($vm2)"

# --- the session ends: the VM goes in libvirt, with its overlay ---
bpost /v1/session '{"mac":"52:54:00:00:02:01","event":"end","session":"'"$tok1"'"}' >/dev/null
gone() { ! running | grep -qx "$vm" && [ ! -e "$P/overlays/$vm.qcow2" ]; }
WAIT_FOR_SECS=30 wait_for gone
ok $? "session end: $vm is destroyed in libvirt, its overlay deleted"
WAIT_FOR_SECS=60 wait_for ready_is 1
ok $? "  ... and the pool has a ready VM again"
r=$(lookup 52:54:00:00:02:01)
[ "$(vm_of 52:54:00:00:02:01)" != "$vm" ]
ok $? "  ... station 1 asking again gets a new one, never $vm"

# --- a viewer disconnects: libvirt says so, the VM goes ---
# remote-viewer under Xvfb is the station's viewer here. One with a wrong
# password reaches the display but not the desktop: its disconnect must not
# end the VM (anyone can knock at a port).
viewer() { # PORT PASSWORD LOG
	printf '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%s\npassword=%s\n' "$1" "$2" \
		>"$T/v.vv"
	timeout 20 remote-viewer "$T/v.vv" >"$3" 2>&1 &
	VIEWER_PID=$!
}
if command -v remote-viewer >/dev/null && command -v Xvfb >/dev/null && x11_start 800x600; then
	r=$(lookup 52:54:00:00:02:01)
	vm1=$(vm_of 52:54:00:00:02:01)
	port=$(jget endpoints.0.port <<<"$r")
	viewer "$port" wrong-password "$T/viewer-bad.log"
	sleep 3
	kill "$VIEWER_PID" 2>/dev/null
	wait "$VIEWER_PID" 2>/dev/null
	sleep 1
	is "$(vm_of 52:54:00:00:02:01)" "$vm1" "a viewer with a wrong password came and went: $vm1 stays"
	viewer "$port" "$(jget endpoints.0.password <<<"$r")" "$T/viewer.log"
	viewer_in() { pools_json | grep -q '"viewer_in":true'; }
	WAIT_FOR_SECS=15 wait_for viewer_in
	ok $? "the right password: libvirt reports the viewer in"
	kill "$VIEWER_PID" 2>/dev/null
	wait "$VIEWER_PID" 2>/dev/null
	gone1() { ! running | grep -qx "$vm1"; }
	WAIT_FOR_SECS=30 wait_for gone1
	ok $? "the viewer quit: libvirt's disconnect event ends $vm1"
	broker_wait_log "event=pool_vm_end .*vm=\"?$vm1\"? reason=\"?disconnect" 5
	ok $? "  ... the log says: disconnect"
else
	ok 1 "# SKIP remote-viewer or Xvfb missing: no graphics event test"
fi

broker_stop
ok $? "broker stops cleanly"
done_testing
