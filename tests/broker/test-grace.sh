#!/bin/bash
# vdi-test: once
# Reconnect after a failure (reconnect_grace) against a real libvirtd with
# QEMU: alice's viewer (remote-viewer under Xvfb, the station's side of
# the SPICE connection) is killed mid-session; her one-time VM is held,
# not destroyed; bob at the same station gets another VM; alice logging in
# again at another station within the grace gets the same VM (same name,
# same overlay file); killed again and left alone, the VM is destroyed
# with its overlay once the grace is over. Without a login the VM is held
# for the station (a rebooted station gets it back), and a session end
# destroys a held VM at once.
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
command -v remote-viewer >/dev/null || skip_all "remote-viewer (virt-viewer) is not installed"
command -v Xvfb >/dev/null || skip_all "Xvfb is not installed"
libvirt_skip_unless_usable
x11_start 800x600 || skip_all "Xvfb does not start"

CTL=$VDI_BUILD/bin/stationctl
P=$T/pool
mkdir -p "$T/state"
pool_files_qemu "$P"
ok $? "a base image"

GRACE=10
S=$T/stations.conf
cat >"$S" <<CONF
[pool:kiosk]
libvirt_uri = $LIBVIRT_URI
$(pool_keys pool)
size = 1
max = 4
reconnect_grace = $GRACE

[52:54:00:00:04:01]
pool = kiosk
login = broker

[52:54:00:00:04:02]
pool = kiosk
login = broker

[52:54:00:00:04:03]
pool = kiosk
CONF
"$CTL" -f "$S" check >"$T/out" 2>&1
ok $? "stationctl check accepts reconnect_grace" || sed 's/^/#   /' "$T/out" >&2
for u in alice bob; do
	printf 'pw-%s\n' "$u" | "$CTL" -u "$T/users" passwd "$u" >/dev/null 2>&1
done
broker_start "$S" --state-dir "$T/state" || {
	echo "Bail out! broker did not start"
	exit 1
}

until_secs() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}
login() {
	bpost /v1/login "$(printf '{"mac":"%s","hostname":"k","username":"%s","password":"pw-%s"}' \
		"$1" "$2" "$2")"
}
# vm KEY VALUE FIELD: FIELD of the pool VM whose KEY is VALUE.
vm() {
	admin_get /v1/admin/pools | python3 -c '
import json, sys
for v in json.load(sys.stdin)["vms"]:
    if v.get(sys.argv[1]) == sys.argv[2]:
        print(v.get(sys.argv[3], ""))' "$1" "$2" "$3"
}
ready() { [ "$(admin_get /v1/admin/pools | grep -o '"state":"ready"' | wc -l)" -ge 1 ]; }
running() { lvirsh list --name 2>/dev/null | grep -qx "$1"; }
ov() { printf '%s/overlays/%s.qcow2' "$P" "$1"; }
# viewer PORT PASSWORD: the station's viewer, connected until killed.
viewer() {
	printf '[virt-viewer]\ntype=spice\nhost=127.0.0.1\nport=%s\npassword=%s\n' "$1" "$2" \
		>"$T/v.vv"
	remote-viewer "$T/v.vv" >>"$T/viewer.log" 2>&1 &
	VIEWER_PID=$!
}
kill_viewer() {
	kill -KILL "$VIEWER_PID" 2>/dev/null
	wait "$VIEWER_PID" 2>/dev/null
}
viewer_in() { [ "$(vm name "$1" viewer_in)" = True ]; }
held() { [ -n "$(vm name "$1" held_until)" ]; }

until_secs 60 ready
ok $? "the pool has a ready VM"

# --- alice's viewer dies: her VM is held ---
r=$(login 52:54:00:00:04:01 alice)
is "$(jget status <<<"$r")" ready "alice logs in at station 1: ready"
vm1=$(vm user alice name)
like "$vm1" '^kiosk-[0-9]+$' "  ... her VM is $vm1"
port=$(jget endpoints.0.port <<<"$r")
pw=$(jget endpoints.0.password <<<"$r")
ino=$(stat -c %i "$(ov "$vm1")")
viewer "$port" "$pw"
until_secs 20 viewer_in "$vm1"
ok $? "her viewer is in (libvirt's graphics event)"
kill_viewer
until_secs 10 held "$vm1"
ok $? "the viewer is killed: $vm1 is held"
sleep 1
running "$vm1" && [ -f "$(ov "$vm1")" ]
ok $? "  ... still running, its overlay there"

until_secs 60 ready
r=$(login 52:54:00:00:04:01 bob)
is "$(jget status <<<"$r")" ready "bob at station 1 meanwhile: ready"
vmb=$(vm user bob name)
[ -n "$vmb" ] && [ "$vmb" != "$vm1" ]
ok $? "  ... with another VM ($vmb), not alice's"

# --- alice at another station, within the grace: the same VM ---
r=$(login 52:54:00:00:04:02 alice)
is "$(jget status <<<"$r")" ready "alice at station 2 within the grace: ready"
is "$(vm station 52:54:00:00:04:02 name)" "$vm1" "  ... the same VM ($vm1)"
is "$(jget endpoints.0.port <<<"$r")" "$port" "  ... at the same port"
lvirsh domblklist "$vm1" | grep -q "$(ov "$vm1")" &&
	[ "$(stat -c %i "$(ov "$vm1")")" = "$ino" ]
ok $? "  ... on the same disk (overlay file, inode $ino)"
[ -z "$(vm name "$vm1" held_until)" ]
ok $? "  ... no longer held"

# --- killed again and nobody comes back: gone after the grace ---
viewer "$port" "$pw"
until_secs 20 viewer_in "$vm1"
ok $? "her viewer is in again"
kill_viewer
until_secs 10 held "$vm1"
ok $? "killed again: held"
t0=$SECONDS
gone() { ! running "$1" && [ ! -e "$(ov "$1")" ] && [ -z "$(vm name "$1" name)" ]; }
until_secs $((GRACE + 15)) gone "$vm1"
ok $? "nobody came back: $vm1 destroyed with its overlay"
[ $((SECONDS - t0)) -ge $((GRACE - 2)) ]
ok $? "  ... after the grace ($((SECONDS - t0)) s, grace $GRACE s)"
broker_wait_log "event=pool_vm_end .*vm=\"?$vm1\"? reason=\"?grace over" 5
ok $? "  ... the log says: grace over"

# --- without a login: held for the station; a session end ends it ---
until_secs 60 ready
r=$(lookup 52:54:00:00:04:03)
is "$(jget status <<<"$r")" ready "station 3 (no login): ready"
vm3=$(vm station 52:54:00:00:04:03 name)
viewer "$(jget endpoints.0.port <<<"$r")" "$(jget endpoints.0.password <<<"$r")"
until_secs 20 viewer_in "$vm3"
kill_viewer
until_secs 10 held "$vm3"
ok $? "its viewer is killed: $vm3 held"
r=$(lookup 52:54:00:00:04:03)
is "$(vm station 52:54:00:00:04:03 name)" "$vm3" "the station asks again (rebooted): the same VM"
tok=$(jget session <<<"$r")
viewer "$(jget endpoints.0.port <<<"$r")" "$(jget endpoints.0.password <<<"$r")"
until_secs 20 viewer_in "$vm3"
kill_viewer
until_secs 10 held "$vm3"
ok $? "killed once more: held"
t0=$SECONDS
bpost /v1/session '{"mac":"52:54:00:00:04:03","event":"end","session":"'"$tok"'"}' >/dev/null
until_secs $((GRACE - 3)) gone "$vm3"
ok $? "a session end destroys a held VM at once ($((SECONDS - t0)) s)"

broker_stop
ok $? "broker stops cleanly"
done_testing
