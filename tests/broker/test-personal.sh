#!/bin/bash
# vdi-test: once
# Personal desktops (a pool with personal = yes) against a real libvirtd
# with QEMU (tests/lib/libvirt.sh): alice's first login at a station of
# the pool makes her own domain (defined, persistent) on an overlay of the
# base image; her session ends and the domain stays; with no viewer it is
# shut down after idle_timeout (the guest has no OS to act on ACPI: it is
# destroyed after the bound); a mark written into her overlay meanwhile is
# still there after her second login, which starts the same domain on the
# same overlay file. bob gets another domain; a user name that is not
# plain gets a safe one; a station without a login is told it needs one.
# A broker restart keeps the list and alice's desktop. stationctl
# personal reset discards her overlay (a new file, without the mark) and
# personal remove undefines bob's domain and deletes his overlay. A viewer
# (remote-viewer under Xvfb) still in across a broker restart keeps the
# desktop running; once it leaves, the idle shutdown follows.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"
# shellcheck source=tests/lib/pool.sh
. "$VDI_ROOT/tests/lib/pool.sh"
# shellcheck source=tests/lib/x11.sh
. "$VDI_ROOT/tests/lib/x11.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"
command -v qemu-io >/dev/null || skip_all "qemu-io (qemu-utils) is not installed"
libvirt_skip_unless_usable

CTL=$VDI_BUILD/bin/stationctl
P=$T/pool
mkdir -p "$T/state"
pool_files_qemu "$P"
ok $? "a base image"

S=$T/stations.conf
cat >"$S" <<CONF
[pool:desk]
libvirt_uri = $LIBVIRT_URI
$(pool_keys pool)
personal = yes
idle_timeout = 3

[52:54:00:00:03:01]
pool = desk
login = broker

[52:54:00:00:03:02]
pool = desk
CONF
"$CTL" -f "$S" check >"$T/out" 2>&1
ok $? "stationctl check accepts a personal pool" || sed 's/^/#   /' "$T/out" >&2
for u in alice bob Eve.Q; do
	printf 'pw-%s\n' "$u" | "$CTL" -u "$T/users" passwd "$u" >/dev/null 2>&1
done

# The guest has no OS: ACPI goes unanswered, the bound ends it.
export VDI_BROKER_PERSONAL_STOP_SECS=2
start() {
	broker_start "$S" --state-dir "$T/state" || {
		echo "Bail out! broker did not start"
		exit 1
	}
}
start

login_body() {
	printf '{"mac":"%s","hostname":"desk-host","username":"%s","password":"pw-%s"}' "$1" "$2" "$2"
}
# login_ready MAC USER: logs in until the answer is ready (the station
# logs in again while it hears "starting"); the last answer in $T/r.
login_ready() {
	local i
	for ((i = 0; i < 60; i++)); do
		bpost /v1/login "$(login_body "$1" "$2")" >"$T/r"
		[ "$(jget status <"$T/r")" = ready ] && return 0
		sleep 0.5
	done
	return 1
}
# field USER KEY: KEY of USER's personal desktop in the admin list.
field() {
	admin_get /v1/admin/personal | python3 -c '
import json, sys
for d in json.load(sys.stdin)["personal"]:
    if d["user"] == sys.argv[1]:
        print(d[sys.argv[2]])' "$1" "$2"
}
# wait_for counts tries, and each try here asks the broker and libvirt:
# this one counts seconds. until SECS COMMAND...
until_secs() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
defined() { lvirsh list --all --name 2>/dev/null | grep -qx "$1"; }
active() { lvirsh list --name 2>/dev/null | grep -qx "$1"; }
ov() { printf '%s/overlays/%s.qcow2' "$P" "$1"; }

# --- first login: alice's own domain ---
r=$(bpost /v1/login "$(login_body 52:54:00:00:03:01 alice)")
is "$(jget status <<<"$r")" starting "alice's first login: starting (her desktop is made)"
login_ready 52:54:00:00:03:01 alice
ok $? "  ... then ready"
dom=$(field alice domain)
is "$dom" "desk+alice" "  ... her domain is desk+alice"
is "$(jget endpoints.0.port <"$T/r")" "$(libvirt_spice_port "$dom")" "  ... at its SPICE port"
lvirsh dominfo "$dom" | grep -q 'Persistent: *yes'
ok $? "  ... libvirt has it defined (persistent)"
[ -f "$(ov "$dom")" ]
ok $? "  ... on its own overlay"
like "$(qemu-img info -U "$(ov "$dom")" 2>&1)" "backing file: $P/base.qcow2" \
	"  ... backed by the pool's base image"
ino=$(stat -c %i "$(ov "$dom")")
grep -q '"personal":\[{' "$T/state/pools.json"
ok $? "  ... and in the state file"

# The session ends: a personal desktop is not destroyed.
tok=$(jget session <"$T/r")
bpost /v1/session '{"mac":"52:54:00:00:03:01","event":"end","session":"'"$tok"'"}' >/dev/null
sleep 1.5
defined "$dom" && [ -f "$(ov "$dom")" ]
ok $? "session end: the domain and its overlay stay"

# No viewer for idle_timeout (3 s): shut down, then destroyed after 2 s.
off() { [ "$(field alice state)" = off ] && ! active "$dom"; }
until_secs 30 off
ok $? "no viewer for idle_timeout: shut down (state off, not running)"
defined "$dom"
ok $? "  ... still defined"
qemu-io -f qcow2 -c 'write -P 0x5a 0 4k' "$(ov "$dom")" >"$T/qio" 2>&1
ok $? "a mark written into alice's overlay while it is off" || sed 's/^/#   /' "$T/qio" >&2

# --- second login: the same domain, the same disk ---
login_ready 52:54:00:00:03:01 alice
ok $? "alice's second login: ready"
is "$(field alice domain)" "$dom" "  ... the same domain"
is "$(stat -c %i "$(ov "$dom")")" "$ino" "  ... the same overlay file"
active "$dom"
ok $? "  ... started again"

# --- bob, and a name that is not plain ---
login_ready 52:54:00:00:03:01 bob
ok $? "bob at the same station: ready"
bdom=$(field bob domain)
is "$bdom" "desk+bob" "  ... with a domain of his own ($bdom)"
[ "$(jget endpoints.0.port <"$T/r")" != "" ] && [ -f "$(ov "$bdom")" ]
ok $? "  ... and his own overlay"
login_ready 52:54:00:00:03:01 Eve.Q
ok $? "Eve.Q: ready"
like "$(field Eve.Q domain)" '^desk\+_[a-z2-7]+$' "  ... her name made safe: $(field Eve.Q domain)"

r=$(bpost /v1/login "$(login_body 52:54:00:00:03:02 alice)")
is "$(jget message <<<"$r")" "This desktop needs a login." \
	"a station of the pool without a login: told it needs one"
is "$(lvirsh list --all --name | grep -c '^desk')" 3 "  ... and no domain made for it"

# --- stationctl personal list, and a restart ---
"$CTL" --socket "$BROKER_SOCK" personal list >"$T/list" 2>&1
ok $? "stationctl personal list"
like "$(grep -w alice "$T/list")" "^alice +desk +desk\+alice +(running|starting|stopping|off) " \
	"  ... alice's row: user, pool, domain, state"
is "$(grep -c desk+ "$T/list")" 3 "  ... three desktops"
broker_stop
ok $? "broker stops"
start
checked() { [ "$(field alice domain)" = "$dom" ] && [ "$(field bob domain)" = "$bdom" ]; }
until_secs 10 checked
ok $? "after a restart the list still has alice's and bob's desktops"
login_ready 52:54:00:00:03:01 alice
ok $? "  ... alice logs in: ready"
is "$(stat -c %i "$(ov "$dom")")" "$ino" "  ... on the same overlay"

# The mark is read once her desktop is off again (QEMU holds the image).
until_secs 30 off
qemu-io -f qcow2 -r -c 'read -P 0x5a 0 4k' "$(ov "$dom")" >"$T/qio" 2>&1 &&
	! grep -q 'Pattern verification failed' "$T/qio"
ok $? "the mark is still in alice's overlay after her sessions" || sed 's/^/#   /' "$T/qio" >&2

# --- reset: a fresh overlay ---
"$CTL" --socket "$BROKER_SOCK" personal reset desk alice >"$T/out" 2>&1
ok $? "stationctl personal reset desk alice" || sed 's/^/#   /' "$T/out" >&2
reset_done() {
	[ "$(field alice state)" = off ] && [ -f "$(ov "$dom")" ] &&
		[ "$(stat -c %i "$(ov "$dom")")" != "$ino" ]
}
until_secs 20 reset_done
ok $? "  ... a new overlay file (not inode $ino), the desktop off"
defined "$dom"
ok $? "  ... the same domain still defined"
qemu-io -f qcow2 -r -c 'read -P 0x5a 0 4k' "$(ov "$dom")" >"$T/qio" 2>&1
grep -q 'Pattern verification failed' "$T/qio"
ok $? "  ... and the mark is gone"
! "$CTL" --socket "$BROKER_SOCK" personal reset desk nobody >"$T/out" 2>&1 &&
	grep -q 'no personal desktop' "$T/out"
ok $? "reset of a desktop that does not exist fails, saying so" || sed 's/^/#   /' "$T/out" >&2

# --- remove ---
"$CTL" --socket "$BROKER_SOCK" personal remove desk bob >"$T/out" 2>&1
ok $? "stationctl personal remove desk bob" || sed 's/^/#   /' "$T/out" >&2
removed() { [ -z "$(field bob domain)" ] && ! defined "$bdom" && [ ! -e "$(ov "$bdom")" ]; }
until_secs 20 removed
ok $? "  ... bob's domain undefined, his overlay deleted, gone from the list"
defined "$dom"
ok $? "  ... alice's stays"

# --- a viewer across a restart: the desktop is in use, not idle ---
if command -v remote-viewer >/dev/null && x11_start 800x600; then
	login_ready 52:54:00:00:03:01 alice
	printf '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%s\npassword=%s\n' \
		"$(jget endpoints.0.port <"$T/r")" "$(jget endpoints.0.password <"$T/r")" >"$T/v.vv"
	remote-viewer "$T/v.vv" >"$T/viewer.log" 2>&1 &
	vpid=$!
	viewing() { [ "$(field alice viewer)" = True ]; }
	until_secs 20 viewing
	ok $? "alice's viewer is in (libvirt's graphics event)"
	broker_stop
	start
	sleep 8 # idle_timeout 3 s and the 2 s bound, with room
	active "$dom" && [ "$(field alice state)" = running ]
	ok $? "  ... across a broker restart her desktop keeps running"
	kill -KILL "$vpid" 2>/dev/null
	wait "$vpid" 2>/dev/null
	until_secs 30 off
	ok $? "  ... and once her viewer is gone it is shut down after idle_timeout"
else
	ok 1 "# SKIP remote-viewer or Xvfb missing: no viewer across a restart"
fi

broker_stop
ok $? "broker stops cleanly"
done_testing
