#!/bin/bash
# A station waiting in a pool's queue. The pool (libvirt's test driver, in
# the broker's own process, as in tests/broker/test-pool.sh) has one VM, and
# another station takes it, so the real broker answers the launcher
# "starting" with queue_position 1: the launcher says "Your desktop is next
# in line." on its screen (read back with OCR) and queue=1 in its status
# file, and a third station queues behind it. When the other station's
# session ends, the broker destroys that VM and makes a new one, which is
# the launcher's: it leaves "starting" and connects to the pool's endpoint.
#
# The test driver's VMs have no display, so a QEMU SPICE server listens on
# the template's fixed port in their place. It starts with a password of its
# own: the launcher's first attempt must fail on authentication (it did
# reach the endpoint, and QEMU does check). Then it gets the new VM's
# password from pools.json, and the launcher's next attempt must connect:
# only the password the broker made for that VM opens it.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$VDI_ROOT/tests/lib/qemu.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"
# shellcheck source=tests/lib/pool.sh
. "$VDI_ROOT/tests/lib/pool.sh"
# shellcheck source=tests/launcher/common.sh
. "$VDI_ROOT/tests/launcher/common.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"
command -v tesseract >/dev/null || skip_all "tesseract is not installed"

plan 24

OTHER=52:54:00:00:02:01
THIRD=52:54:00:00:02:03
port=$(free_port)
mkdir -p "$T/state"
pool_files_test "$T" "$port" || exit 1
cat >"$T/stations.conf" <<CONF
[pool:lab]
libvirt_uri = test:///default
$(pool_keys .)
size = 1
max = 1

[$OTHER]
pool = lab

[$STATION_MAC]
pool = lab
name = Lab desk
autoconnect = yes

[$THIRD]
pool = lab
CONF
broker_start "$T/stations.conf" --state-dir "$T/state" || {
	echo "Bail out! broker did not start"
	exit 1
}

# pools FIELD: the admin API's pool listing, pools[0].FIELD.
pools() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
print(json.load(sys.stdin)["pools"][0][sys.argv[1]])' "$1"
}
# vm_of MAC: the name of the VM the broker gave that station.
vm_of() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
print(" ".join(v["name"] for v in json.load(sys.stdin)["vms"] if v.get("station") == sys.argv[1]))' "$1"
}
# vm_connected NAME: true once the broker knows a viewer is on VM NAME.
vm_connected() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
sys.exit(not any(v["name"] == sys.argv[1] and v.get("connected") for v in json.load(sys.stdin)["vms"]))' "$1"
}
ready_is() { [ "$(pools ready)" = "$1" ]; }

wait_for ready_is 1
ok $? "the pool makes its one VM"
r=$(lookup "$OTHER")
other_tok=$(jget session <<<"$r")
is "$(jget status <<<"$r")/$(jget endpoints.0.port <<<"$r")" "ready/$port" \
	"another station takes it (port $port)"
vm1=$(vm_of "$OTHER")

# The VM's display: a QEMU that knows none of the pool's passwords yet.
qemu_pattern_disk "$T/disk.img"
qemu_start desk "$port" --password 'not the pool password' --disk "$T/disk.img" || exit 1

x11_start 1024x768 || exit 1
fake_sysfs eth9 "$STATION_MAC"
# Short desktop retries: the first attempt is meant to fail.
launcher_start --broker "$BROKER_URL" --ca "$BROKER_CA" --mac "$STATION_MAC" -o retry_base=1 \
	-o retry_max=2
launcher_wait_state '^state=starting retry=2 queue=1 mac='
ok $? "pool exhausted: the launcher waits first in line: $(cat "$T/status")"
text=$(x11_screen_text 'next +in +line' 15)
ok $? "the screen says the desktop is next in line"
diag "screen: $text"
like "$text" 'Starting +your +desktop' "  ... under the starting title"

r=$(lookup "$THIRD")
is "$(jget status <<<"$r")/$(jget queue_position <<<"$r")" starting/2 \
	"a third station queues behind it: queue_position 2"
is "$(pools queue)" 2 "  ... the broker counts two stations waiting"
# Two polls later the launcher still holds place 1, and has not tried a
# desktop it does not have.
n=$(count_log 'event=state state=starting ')
sleep 4.5
below "$n" "$(count_log 'event=state state=starting ')"
ok $? "the launcher keeps asking the broker ($n answers before, $(count_log 'event=state state=starting ') now)"
is "$(grep 'event=state state=starting ' "$T/launcher.log" | grep -vc ' queue=1 ')" 0 \
	"  ... and keeps its place ahead of the third station every time"
grep -q 'state=connecting' "$T/launcher.log"
is $? 1 "  ... and no connection attempt while it waits"

# The other station's session ends: its VM goes, the new one is ours.
r=$(bpost /v1/session "{\"mac\":\"$OTHER\",\"event\":\"end\",\"reason\":\"user logged out\",\"session\":\"$other_tok\"}")
is "$(jget status <<<"$r")" ok "the other station reports the end of its session"
launcher_wait_log "event=state state=connecting protocol=spice endpoint=127\\.0\\.0\\.1:$port " 15
ok $? "the launcher leaves starting and connects to the pool's endpoint"
vm2=$(vm_of "$STATION_MAC")
[ -n "$vm2" ] && [ "$vm2" != "$vm1" ]
ok $? "  ... a new VM ($vm2), not the other station's $vm1"
launcher_wait_state '^state=message kind=desktop_unreachable ' 10
ok $? "QEMU's own password: desktop unreachable: $(cat "$T/status")"
like "$(grep event=endpoint_failed "$T/launcher.log" | head -n 1)" 'kind=auth' \
	"  ... an authentication failure: the launcher reached the display"
grep -q 'reds_handle_ticket: Invalid password' "$T/desk.qemu.log"
ok $? "  ... QEMU's SPICE server itself logged the refused password"

# Now the display takes the password the broker made for the new VM.
pw=$(python3 -c 'import json, sys
print(next(v["password"] for v in json.load(open(sys.argv[1]))["vms"] if v["name"] == sys.argv[2]))' \
	"$T/state/pools.json" "$vm2")
is "${#pw}" 16 "the new VM has a 16-character password in pools.json"
json=$(perl -MJSON::PP -e 'print JSON::PP->new->encode({execute => "set_password",
	arguments => {protocol => "spice", password => $ARGV[0]}})' "$pw")
qemu_qmp desk "$json" >/dev/null
ok $? "QEMU's SPICE password is now the VM's"
launcher_wait_state "^state=connected protocol=spice endpoint=127\\.0\\.0\\.1:$port " 15
ok $? "with the VM's password the launcher connects: $(cat "$T/status")"
screen_shows "qemu_screendump desk" 20
ok $? "  ... and the VM's picture is on screen: $SHOWN"
wait_for vm_connected "$vm2"
ok $? "  ... and the broker hears of the session's start on $vm2"
! grep -qF -- "$pw" "$T/launcher.log"
ok $? "the VM's password is not in the launcher's log"

launcher_stop
ok $? "launcher stopped cleanly"
broker_stop
ok $? "broker stopped cleanly"
