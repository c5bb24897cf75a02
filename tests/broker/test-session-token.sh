#!/bin/bash
# Forged session reports. Ann logs in (login = broker) on her station and
# gets a one-time pool VM; another station, from another address, names
# her MAC and reports her session's end, without the session token of her
# ready answer or with a wrong one. It also reports a session start on a
# station that is not in one, to show it connected to rdp://evil.example.org.
# Then Ann's station reports its own start and end with its token.
#
# Proof, from outside the broker's log: the forger gets 403 for every
# report; the broker's admin socket still lists Ann's VM as hers (and
# connected, once her station says so), its overlay and its state entry
# are still there; `stationctl status` never shows the forged endpoint;
# Ann's own end, with her token, destroys the VM. The log lines about
# refused reports are limited per address and say how many were held
# back. The pool runs on libvirt's test driver, in the broker's process.
# A libvirt domain desktop and a connection file's desktop get tokens too.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"
# shellcheck source=tests/lib/pool.sh
. "$(dirname "$0")/../lib/pool.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"

CTL=$VDI_BUILD/bin/stationctl
ANN=52:54:00:00:03:01
DESK=52:54:00:00:03:02
DOM=52:54:00:00:03:03
VV=52:54:00:00:03:04
FORGER=127.0.0.9
mkdir -p "$T/state"
pool_files_test "$T" 5961 --nic
ok $? "a base image"

# A running SPICE domain of the test driver, without a graphics password.
cat >"$T/node.xml" <<'XML'
<node>
  <domain type='test'>
    <name>desk-dom</name>
    <memory>65536</memory>
    <os><type>hvm</type></os>
    <devices>
      <graphics type='spice' port='5962' autoport='no'>
        <listen type='address' address='127.0.0.1'/>
      </graphics>
    </devices>
  </domain>
</node>
XML
printf '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=5963\n' >"$T/desk.vv"

S=$T/stations.conf
cat >"$S" <<CONF
[pool:lab]
libvirt_uri = test:///default
$(pool_keys .)
size = 1
max = 2

[$ANN]
name = ann-desk
pool = lab
login = broker

[$DESK]
name = front-desk
host = 10.9.0.2
port = 5900

[$DOM]
libvirt_uri = test://$T/node.xml
domain_password = none
domain = desk-dom

[$VV]
connection_file = $T/desk.vv
CONF
printf 'ann-password\n' | VDI_USERS_FILE=$T/users "$CTL" passwd ann >/dev/null
ok $? "a broker user ann"

broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
export VDI_ADMIN_SOCKET=$BROKER_SOCK

# vm_of MAC: the VM the admin socket lists as the station's ("" if none).
vm_of() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
print(" ".join(v["name"] for v in json.load(sys.stdin)["vms"] if v.get("station") == sys.argv[1]))' "$1"
}
# vm_field VM FIELD: one field of that VM in the admin view.
vm_field() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vms"]:
    if v["name"] == sys.argv[1]:
        print(json.dumps(v.get(sys.argv[2])))' "$1" "$2"
}
ready_is() { [ "$(admin_get /v1/admin/pools | jget pools.0.ready)" = "$1" ]; }
# forge FROM BODY: the HTTP status of a report sent from address FROM.
forge() {
	_broker_curl --interface "$1" -o "$T/forged" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$2" "$BROKER_URL/v1/session"
}
# status_row MAC: the station's row of `stationctl status`.
status_row() { "$CTL" status | grep "^$1 "; }
# still_hers: Ann's VM is assigned to her, in the admin view, the state
# file and on disk.
still_hers() {
	[ "$(vm_of "$ANN")" = "$vm" ] && [ "$(vm_field "$vm" state)" = '"assigned"' ] &&
		grep -q "\"$vm\"" "$T/state/pools.json" && [ -e "$T/overlays/$vm.qcow2" ]
}

wait_for ready_is 1
ok $? "the pool has a ready VM"

# --- Ann logs in and gets her VM, with a session token ---
r=$(lookup "$ANN")
is "$(jget status <<<"$r")/$(jget policy.login <<<"$r")" ready/broker "Ann's station shows the login form"
jget session <<<"$r" >/dev/null
is $? 1 "  ... with no session token (no desktop handed out yet)"
r=$(bpost /v1/login '{"mac":"'"$ANN"'","username":"ann","password":"ann-password"}')
is "$(jget status <<<"$r")" ready "Ann logs in: ready"
tok=$(jget session <<<"$r")
like "$tok" '^[0-9a-f]{32}$' "  ... with a session token of 32 hex digits"
vm=$(vm_of "$ANN")
like "$vm" '^lab-[0-9]+$' "  ... and the admin socket lists her VM ($vm)"
wrong=$(printf '%s' "$tok" | tr '0-9a-f' '1-9a-f0')
desk_tok=$(lookup "$DESK" | jget session)
like "$desk_tok" '^[0-9a-f]{32}$' "the front desk's lookup has a token of its own"
[ "$desk_tok" != "$tok" ]
ok $? "  ... another one than Ann's"

# --- forged ends of Ann's session, from another address ---
end='{"mac":"'"$ANN"'","event":"end","reason":"user logged out"'
is "$(forge "$FORGER" "$end}")" 403 "forged end without a token: 403"
is "$(jget error <"$T/forged")" session_refused "  ... error session_refused"
is "$(forge "$FORGER" "$end,\"session\":\"$wrong\"}")" 403 "forged end with a wrong token: 403"
is "$(forge "$FORGER" "$end,\"session\":\"$desk_tok\"}")" 403 "forged end with another station's token: 403"
is "$(forge "$FORGER" "$end,\"session\":\"\"}")" 403 "forged end with an empty token: 403"
is "$(forge "$FORGER" "$end,\"session\":\"${tok^^}\"}")" 403 "forged end with the token in capitals: 403"
# A destroyed VM goes within a second (test-pool.sh); give it two.
sleep 2
still_hers
ok $? "  ... $vm is still Ann's: admin socket, state file and overlay"
like "$(grep 'event=session_refused' "$BROKER_LOG" | head -n 1)" \
	"mac=$ANN ip=127\\.0\\.0\\.9 kind=end why=\"?no session token" "  ... the log names the refused report"

# --- forged starts ---
start='"event":"start","protocol":"rdp","host":"evil.example.org","port":3389'
is "$(forge "$FORGER" "{\"mac\":\"$DESK\",$start}")" 403 "forged start on the front desk without a token: 403"
is "$(forge "$FORGER" "{\"mac\":\"$DESK\",$start,\"session\":\"$wrong\"}")" 403 "  ... with a wrong token: 403"
is "$(forge "$FORGER" "{\"mac\":\"$ANN\",$start,\"session\":\"$desk_tok\"}")" 403 \
	"forged start on Ann's station with the front desk's token: 403"
like "$(status_row "$DESK")" ' idle ' "stationctl status: the front desk is idle"
out=$("$CTL" status)
! grep -q 'evil\.example\.org' <<<"$out"
ok $? "stationctl status shows no forged endpoint"
is "$(vm_field "$vm" connected)" false "the admin socket has Ann's VM not connected"

# --- Ann's station reports its start with its token ---
is "$(bpost_code /v1/session '{"mac":"'"$ANN"'","event":"start","protocol":"spice","host":"127.0.0.1","port":5961,"user":"ann","session":"'"$tok"'"}')" \
	200 "Ann's own start with her token: 200"
like "$(status_row "$ANN")" ' connected +spice://127\.0\.0\.1:5961 +ann ' "stationctl status: Ann connected"
is "$(vm_field "$vm" connected)" true "the admin socket has her VM connected"
# Another ready answer for her MAC (her station asking again, or anyone
# who names it) does not make her session's own end fail.
r=$(bpost /v1/login '{"mac":"'"$ANN"'","username":"ann","password":"ann-password"}')
[ "$(jget session <<<"$r")" != "$tok" ]
ok $? "a second login gets another token"
is "$(forge "$FORGER" "$end}")" 403 "forged end during her session: 403"
is "$(forge "$FORGER" "$end,\"session\":\"$wrong\"}")" 403 "  ... with a wrong token: 403"
sleep 2
still_hers
ok $? "  ... $vm is still Ann's"
like "$(status_row "$ANN")" ' connected ' "  ... and stationctl status still has her connected"

# --- refused reports are logged at most once a second per address ---
before=$(grep -c 'event=session_refused .*ip=127\.0\.0\.10 ' "$BROKER_LOG")
codes=$(for _ in $(seq 30); do forge 127.0.0.10 "$end}"; echo; done | sort | uniq -c | tr -s ' ')
is "$codes" " 30 403" "30 forged ends from 127.0.0.10: all 403"
n=$(($(grep -c 'event=session_refused .*ip=127\.0\.0\.10 ' "$BROKER_LOG") - before))
[ "$n" -ge 1 ] && [ "$n" -le 7 ]
ok $? "  ... logged $n times (a burst of 5, then one a second)"
sleep 1.2
forge 127.0.0.10 "$end}" >/dev/null
grep -Eq 'event=session_refused .*ip=127\.0\.0\.10 .*suppressed=[1-9]' "$BROKER_LOG"
ok $? "  ... and the next line says how many were held back"

# --- a libvirt domain and a connection file: tokens too ---
# token_desktop MAC WHAT: MAC's ready answer has a token that its start
# report needs.
token_desktop() {
	local r t start
	r=$(lookup "$1")
	t=$(jget session <<<"$r")
	like "$(jget status <<<"$r") $t" '^ready [0-9a-f]{32}$' "$2: ready with a token"
	start='{"mac":"'"$1"'","event":"start","protocol":"spice","host":"127.0.0.1","port":5962'
	is "$(forge "$FORGER" "$start}")" 403 "  ... a forged start without it: 403"
	is "$(bpost_code /v1/session "$start,\"session\":\"$t\"}")" 200 "  ... the station's start with it: 200"
	like "$(status_row "$1")" ' connected ' "  ... stationctl status: connected"
}
token_desktop "$DOM" "a libvirt domain"
token_desktop "$VV" "a connection file"

# --- Ann's own end, with her token, ends the VM ---
is "$(bpost_code /v1/session "$end,\"session\":\"$tok\"}")" 200 "Ann's own end with her token: 200"
gone() { [ -z "$(vm_of "$ANN")" ] && [ ! -e "$T/overlays/$vm.qcow2" ]; }
wait_for gone
ok $? "  ... $vm is destroyed and its overlay deleted"
like "$(status_row "$ANN")" ' idle ' "  ... stationctl status: Ann idle"

broker_stop
ok $? "broker stops cleanly"
done_testing
