#!/bin/bash
# Pools of one-time desktops against libvirt's test driver (test:///default,
# in the broker's own process): the broker fills a pool, two stations get
# two different VMs, a station asking again gets its own VM again, the end
# of a session destroys the VM with its overlay and the pool is refilled, a
# VM nobody connects to ends after idle_timeout, an exhausted pool answers
# "starting" with queue positions 1 and 2, and a pool in maintenance gives
# its stations the maintenance screen with the pool's message.
#
# The test driver runs in the broker's process, so a restart starts from an
# empty libvirt: restarts and SIGKILL are tested against a real libvirtd in
# test-pool-daemon.sh. The test driver assigns no autoport ports, so the
# template here has a fixed port (the broker keeps a fixed port).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"
# shellcheck source=tests/lib/pool.sh
. "$(dirname "$0")/../lib/pool.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"

CTL=$VDI_BUILD/bin/stationctl
mkdir -p "$T/state"
pool_files_test "$T" 5960 --nic
ok $? "a base image"

S=$T/stations.conf
write_conf() {
	cat >"$S" <<CONF
[pool:lab]
libvirt_uri = test:///default
$(pool_keys .)
size = $1
max = $2
idle_timeout = ${3:-600}
maintenance = ${4:-no}
message = The lab pool is being updated.

[group:labs]
pool = lab

[52:54:00:00:01:01]
group = labs

[52:54:00:00:01:02]
group = labs

[52:54:00:00:01:03]
group = labs

[52:54:00:00:01:04]
pool = lab
CONF
}
write_conf 2 3
"$CTL" -f "$S" check >"$T/out" 2>&1
ok $? "stationctl check accepts the pool" || sed 's/^/#   /' "$T/out" >&2

broker_start "$S" --state-dir "$T/state" || {
	echo "Bail out! broker did not start"
	exit 1
}

# vms_in STATE: how many VMs the admin API lists in that state.
vms_in() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
print(sum(1 for v in json.load(sys.stdin)["vms"] if v["state"] == sys.argv[1]))' "$1"
}
# vm_of MAC: the name of the VM assigned to the station.
vm_of() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
print(" ".join(v["name"] for v in json.load(sys.stdin)["vms"] if v.get("station") == sys.argv[1]))' "$1"
}
ready_is() { [ "$(vms_in ready)" = "$1" ]; }
overlays() { find "$T/overlays" -name '*.qcow2' | wc -l; }

wait_for ready_is 2
ok $? "the pool fills to size 2"
is "$(overlays)" 2 "  ... with an overlay each"
is "$(virsh -c test:///default list --name 2>/dev/null | grep -c lab-)" 0 \
	"  ... (virsh's own test:///default is another process: none there)"
qemu-img info "$T/overlays/lab-1.qcow2" >"$T/info" 2>&1
like "$(cat "$T/info")" "backing file: $T/base.qcow2" "  ... lab-1's overlay is backed by the base image"

# --- hand-out ---
r1=$(lookup 52:54:00:00:01:01)
is "$(jget status <<<"$r1")" ready "station 1 gets a ready desktop"
is "$(jget endpoints.0.protocol <<<"$r1")" spice "  ... spice"
is "$(jget endpoints.0.host <<<"$r1")" 127.0.0.1 "  ... at 127.0.0.1"
is "$(jget endpoints.0.port <<<"$r1")" 5960 "  ... the VM's port"
pw1=$(jget endpoints.0.password <<<"$r1")
is "${#pw1}" 16 "  ... with a 16-character password"
vm1=$(vm_of 52:54:00:00:01:01)
like "$vm1" '^lab-[0-9]+$' "  ... the admin API shows its VM ($vm1)"
grep -q '"state":"assigned"' "$T/state/pools.json"
ok $? "  ... and the assignment is in the state file"
is "$(stat -c %a "$T/state/pools.json")" 600 "  ... which is mode 0600 (it holds passwords)"

r=$(lookup 52:54:00:00:01:01)
is "$(jget endpoints.0.password <<<"$r")" "$pw1" "station 1 asking again gets the same VM"
is "$(vm_of 52:54:00:00:01:01)" "$vm1" "  ... still only one VM for it"
# display_host: the address stations reach the displays at, when the one in
# the domain XML is not theirs to reach (NAT, another network).
"$CTL" -f "$S" set pool:lab display_host=10.0.2.100 >"$T/out" 2>&1
ok $? "stationctl sets the pool's display_host" || sed 's/^/#   /' "$T/out" >&2
admin_post /v1/admin/reload >/dev/null
r=$(lookup 52:54:00:00:01:01)
is "$(jget endpoints.0.host <<<"$r"):$(jget endpoints.0.port <<<"$r")" 10.0.2.100:5960 \
	"  ... station 1 is given that address, with its VM's port"
is "$(jget endpoints.0.password <<<"$r")" "$pw1" "  ... for the same VM"
tok1=$(jget session <<<"$r")
"$CTL" -f "$S" set 52:54:00:00:01:04 display_host=10.0.2.100 >"$T/out" 2>&1
is $? 1 "stationctl refuses display_host in a pool mapping"
like "$(cat "$T/out")" "display_host .* goes in its \\[pool:NAME\\] section" "  ... saying where it goes"

r2=$(lookup 52:54:00:00:01:02)
is "$(jget status <<<"$r2")" ready "station 2 gets a ready desktop"
vm2=$(vm_of 52:54:00:00:01:02)
[ -n "$vm2" ] && [ "$vm2" != "$vm1" ]
ok $? "  ... another VM ($vm2, not $vm1)"
[ "$(jget endpoints.0.password <<<"$r2")" != "$pw1" ]
ok $? "  ... with another password"

# max 3: two assigned, one more may be made; then the pool is exhausted.
wait_for ready_is 1
ok $? "the pool refills up to max (3 VMs in all)"
r3=$(lookup 52:54:00:00:01:03)
tok3=$(jget session <<<"$r3")
is "$(jget status <<<"$r3")" ready "station 3 gets the third VM"
r=$(lookup 52:54:00:00:01:04)
is "$(jget status <<<"$r")" starting "station 4: pool exhausted, starting"
is "$(jget queue_position <<<"$r")" 1 "  ... queue_position 1"
is "$(jget retry_after <<<"$r")" 2 "  ... retry_after 2"
# A fifth station is mapped now (a reload keeps the pool and its queue).
cat >>"$S" <<CONF

[52:54:00:00:01:05]
pool = lab
CONF
admin_post /v1/admin/reload >/dev/null
r=$(lookup 52:54:00:00:01:05)
is "$(jget queue_position <<<"$r")" 2 "station 5 queues behind it: queue_position 2"
r=$(lookup 52:54:00:00:01:04)
is "$(jget queue_position <<<"$r")" 1 "station 4 asking again keeps position 1"

# --- the end of a session destroys the VM and the pool refills ---
r=$(bpost /v1/session '{"mac":"52:54:00:00:01:01","event":"end","reason":"user logged out","session":"'"$tok1"'"}')
is "$(jget status <<<"$r")" ok "station 1 reports its session's end"
gone() { ! grep -q "\"$vm1\"" "$T/state/pools.json" && [ ! -e "$T/overlays/$vm1.qcow2" ]; }
wait_for gone
ok $? "  ... its VM $vm1 is destroyed and its overlay deleted"
broker_wait_log "event=pool_vm_end .*vm=\"?$vm1\"? reason=\"?session end" 5
ok $? "  ... the log says why"
wait_for ready_is 1
ok $? "  ... and the pool makes a new VM"
r=$(lookup 52:54:00:00:01:05)
is "$(jget status <<<"$r")" starting "station 5 (second in the queue) does not jump ahead"
r=$(lookup 52:54:00:00:01:04)
is "$(jget status <<<"$r")" ready "station 4 (first in the queue) gets it"
tok4=$(jget session <<<"$r")
[ "$(vm_of 52:54:00:00:01:04)" != "$vm1" ]
ok $? "  ... a new VM, never $vm1 again"
r=$(lookup 52:54:00:00:01:01)
is "$(jget status <<<"$r")" starting "station 1 after its session: no old VM, it queues for a new one"

# --- maintenance of the pool ---
write_conf 2 3 600 yes
admin_post /v1/admin/reload >/dev/null
r=$(lookup 52:54:00:00:01:02)
is "$(jget status <<<"$r")" maintenance "pool in maintenance: its stations get maintenance"
is "$(jget message <<<"$r")" "The lab pool is being updated." "  ... with the pool's message"

# --- idle timeout: handed out, never connected ---
# Station 3's viewer connected (its session report says so); station 2's
# never did.
bpost /v1/session '{"mac":"52:54:00:00:01:03","event":"start","protocol":"spice","host":"127.0.0.1","port":5960,"session":"'"$tok3"'"}' >/dev/null
write_conf 1 2 2
admin_post /v1/admin/reload >/dev/null
no_vm() { [ -z "$(vm_of "$1")" ]; }
wait_for no_vm 52:54:00:00:01:02
ok $? "idle_timeout 2 s: a station that never connected loses its VM"
broker_wait_log 'event=pool_vm_end .*reason="?idle' 5
ok $? "  ... the log says: idle"
r=$(lookup 52:54:00:00:01:03)
is "$(jget status <<<"$r")" ready "a station whose viewer connected keeps its VM past idle_timeout"
# --- size 0 drains: ready VMs go, handed-out ones stay ---
bpost /v1/session '{"mac":"52:54:00:00:01:04","event":"end","session":"'"$tok4"'"}' >/dev/null
wait_for ready_is 1
ok $? "station 4's session ends: the pool has a ready VM again"
write_conf 0 2 600
admin_post /v1/admin/reload >/dev/null
wait_for ready_is 0
ok $? "size 0: the ready VM is destroyed"
is "$(vms_in assigned)" 1 "  ... station 3's VM stays until its session ends"
is "$(overlays)" 1 "  ... one overlay left, its own"
sleep 1.5
is "$(vms_in ready)" 0 "  ... and no new VM is made"

broker_stop
ok $? "broker stops cleanly"
done_testing
