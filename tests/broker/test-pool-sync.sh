#!/bin/bash
# Group commit of pools.json: hand-outs that arrive together share one
# write (write, fsync, rename) of the state file, and no station is
# answered before its assignment is in the file.
#
# The broker's test hook VDI_BROKER_POOL_WRITE_DELAY_MS makes every write
# of pools.json wait first, as on a slow disk, so that the hand-outs of the
# test surely arrive while a write is under way. Against libvirt's test
# driver (in the broker's process), a pool of 8 ready VMs:
#  - the state folder cannot be written: 8 stations asking at once all get
#    the error answer of a failed save, and their VMs stay ready;
#  - 8 stations ask at once: all get a VM, with fewer writes than
#    hand-outs (the admin socket counts both); with --pool-sync=each, the
#    old way, one write per hand-out;
#  - 8 stations ask at once (one of them twice) and the broker is killed
#    with SIGKILL as soon as the first answer arrives: every station that
#    was answered "ready" is in pools.json with the VM (password) it was
#    given, which is what the next start reads.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"
# shellcheck source=tests/lib/pool.sh
. "$(dirname "$0")/../lib/pool.sh"

command -v qemu-img >/dev/null || skip_all "qemu-img (qemu-utils) is not installed"

N=8
# Each write waits this long: much longer than starting N curl processes.
export VDI_BROKER_POOL_WRITE_DELAY_MS=250
pool_files_test "$T" 5960
ok $? "a base image"
S=$T/stations.conf
cat >"$S" <<CONF
[pool:lab]
libvirt_uri = test:///default
$(pool_keys .)
size = $N
max = $N

[default]
pool = lab
CONF

# state_file KEY: the admin socket's count of the state file's writes, etc.
state_file() { admin_get /v1/admin/pools | jget "state_file.$1"; }
ready_is() {
	[ "$(admin_get /v1/admin/pools | python3 -c '
import json, sys
print(sum(1 for v in json.load(sys.stdin)["vms"] if v["state"] == "ready"))')" = "$1" ] &&
		[ "$(state_file pending)" = false ]
}
# start DIR [OPTION...]: a broker with its state in DIR (its own number of
# threads: hand-outs wait on pool threads); waits for the pool to fill.
start() {
	local dir=$1
	shift
	mkdir -p "$dir"
	broker_start "$S" --state-dir "$dir" "$@" || {
		echo "Bail out! broker did not start"
		exit 1
	}
	WAIT_FOR_SECS=60 wait_for ready_is "$N"
}
# ask_all TAG X: N new stations (52:54:00:00:X:K) ask at once; answers in
# $T/TAG.K; the curl processes in ASKING (the broker is a child too, so
# not a bare wait).
ask_all() {
	local k
	ASKING=()
	for ((k = 1; k <= N; k++)); do
		lookup "$(printf '52:54:00:00:%02x:%02x' "$2" "$k")" >"$T/$1.$k" 2>/dev/null &
		ASKING+=($!)
	done
}
# readies TAG: how many of its answers are "ready".
readies() { grep -l '"status":"ready"' "$T/$1".* 2>/dev/null | wc -l; }

# --- group (the default): hand-outs share writes ---
start "$T/group"
ok $? "the pool fills to $N ready VMs"

# The state folder made a file: every write fails (root or not).
mv "$T/group" "$T/group.away" && touch "$T/group"
ask_all fail 4
wait "${ASKING[@]}"
is "$(grep -l '"status":"error"' "$T"/fail.* | wc -l)" "$N" \
	"pools.json cannot be written: the $N stations asking at once get the error answer"
like "$(cat "$T/fail.1")" 'could not be started' "  ... the one they got before group commits"
ready=$(admin_get /v1/admin/pools | python3 -c '
import json, sys
print(sum(1 for v in json.load(sys.stdin)["vms"] if v["state"] == "ready"))')
is "$ready" "$N" "  ... and every VM is still ready, none assigned"
is "$(state_file handouts)" 0 "  ... no hand-out counted"
[ "$(state_file write_errors)" -ge 1 ]
ok $? "  ... the failed writes are counted ($(state_file write_errors))"
rm "$T/group" && mv "$T/group.away" "$T/group"
WAIT_FOR_SECS=10 wait_for ready_is "$N"
ok $? "the folder back: what changed meanwhile is written"
w0=$(state_file writes)
ask_all group 1
wait "${ASKING[@]}"
is "$(readies group)" "$N" "$N stations ask at once: each gets a VM"
handouts=$(state_file handouts)
writes=$(($(state_file writes) - w0))
is "$handouts" "$N" "  ... $N hand-outs counted"
[ "$writes" -ge 1 ] && [ $((2 * writes)) -le "$handouts" ]
ok $? "  ... in $writes writes of pools.json: at most one per two hand-outs" ||
	grep 'event=pool_handout' "$BROKER_LOG" | cut -d' ' -f1 | sed 's/^/#   /' >&2
is "$(state_file sync)" group "  ... (sync: group, the default)"
assigned=$(python3 -c '
import json, sys
print(sum(1 for v in json.load(open(sys.argv[1]))["vms"] if v["state"] == "assigned"))' \
	"$T/group/pools.json")
is "$assigned" "$N" "  ... and pools.json has the $N assignments"
broker_stop
ok $? "broker stops cleanly"

# --- each (the old way, for benchmarks): one write per hand-out ---
start "$T/each" --pool-sync=each
ok $? "--pool-sync=each: the pool fills"
w0=$(state_file writes)
ask_all each 2
wait "${ASKING[@]}"
is "$(readies each)" "$N" "  ... $N stations ask at once: each gets a VM"
is "$(($(state_file writes) - w0))" "$N" "  ... in $N writes, one per hand-out"
broker_stop
ok $? "broker stops cleanly"

# --- SIGKILL as soon as the first answer arrives ---
start "$T/kill"
ok $? "the pool fills again"
ask_all kill 3
# Station 1 asks once more while its first hand-out is being written: the
# answer to asking again must wait for the same write.
sleep 0.05
lookup 52:54:00:00:03:01 >"$T/kill.again" 2>/dev/null &
ASKING+=($!)
for ((i = 0; i < 1000; i++)); do
	[ "$(readies kill)" -gt 0 ] && break
	sleep 0.01
done
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
BROKER_PID=
wait "${ASKING[@]}"
answered=$(readies kill)
diag "answered \"ready\" before the kill: $answered of $((N + 1))"
[ "$answered" -ge 1 ]
ok $? "at least one station was answered before the kill"
# Every "ready" answer: its station and its VM's password, as pools.json
# has them for an assigned VM.
missing=$(for f in "$T"/kill.*; do
	grep -q '"status":"ready"' "$f" || continue
	k=${f##*.}
	[ "$k" = again ] && k=1
	printf '52:54:00:00:03:%02x %s\n' "$k" "$(jget endpoints.0.password <"$f")"
done | python3 -c '
import json, sys
vms = json.load(open(sys.argv[1]))["vms"]
have = {(v.get("station"), v.get("password")) for v in vms if v["state"] == "assigned"}
for line in sys.stdin:
    mac, pw = line.split()
    if (mac, pw) not in have:
        print(mac)' "$T/kill/pools.json" 2>&1)
is "$missing" "" "every station answered \"ready\" is in pools.json with its VM"

done_testing
