#!/bin/bash
# The pool benchmarks: one-time desktops handed out by vdi-broker.
#
#  warm/cold  A real libvirtd with QEMU (TCG, tests/lib/libvirt.sh) and a
#             tiny template (64 MiB, no OS). Warm: the pool holds one ready
#             VM; from a station's first lookup to the answer "ready", and on
#             to the VM's SPICE port accepting a TCP connection. Cold: the
#             pool is empty (size 0); the station asks (answer "starting"),
#             the pool is set to size 1, and the station asks again every
#             100 ms until the answer is "ready"; the same two times from its
#             first lookup. Runs alternate warm, cold, warm, ... so that noise
#             falls on both; after each run the station's session ends, which
#             destroys its VM.
#  hand-outs  libvirt's test driver (test:///default, in the broker's
#             process, no QEMU) and a pool of BENCH_POOL_SIZE ready VMs. wrk
#             with tools/bench/handout.lua: every request comes from a MAC
#             never seen before, so every "ready" answer is a hand-out.
#             Reported: hand-outs per second (from the first request to the
#             last "ready" answer), wrk's latency percentiles; afterwards the
#             broker's admin socket must list exactly as many assigned VMs as
#             there were "ready" answers, each to a different station. The
#             peer, in the same run and on the same broker: plain lookups of
#             a station mapped to a fixed host and port (tools/bench/lookup.lua),
#             same wrk settings. All of it twice in the same run, each time on
#             a fresh broker and pool: with --pool-sync=each (every change to
#             pools.json written and fsynced on its own with the pool lock
#             held: the way before group commits) and with the default group
#             (hand-outs that arrive during a write share the next one); the
#             writes of pools.json during the hand-outs come from the admin
#             socket. Reported: both rates, group/each, and hand-outs/s over
#             lookups/s.
#
# Usage: tools/bench/pool.sh   (after make build; VDI_BUILD=build)
# Knobs: BENCH_POOL_RUNS (runs per side, 5), BENCH_POOL_SIZE (test-driver
# pool, 1000, the most a pool may have), BENCH_POOL_SECS (s per wrk run, 5),
# BENCH_POOL_CONNECTIONS (50), BENCH_POOL_THREADS (2), BENCH_POOL_WARM_COLD (1; 0
# skips the part that needs libvirtd and QEMU). Output: standard output
# and $VDI_BUILD/bench/pool.txt, pool.json. Exit 0 when it ran, 1 when
# something broke. Everything listens on 127.0.0.1; every process started
# here is stopped at exit.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/../.." && pwd)
export VDI_ROOT
# tap.sh gives $T (removed at exit) and at_exit; the other helpers need it.
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tests/lib/libvirt.sh
. "$VDI_ROOT/tests/lib/libvirt.sh"
# shellcheck source=tests/lib/pool.sh
. "$VDI_ROOT/tests/lib/pool.sh"

runs=${BENCH_POOL_RUNS:-5}
size=${BENCH_POOL_SIZE:-1000}
secs=${BENCH_POOL_SECS:-5}
conns=${BENCH_POOL_CONNECTIONS:-50}
threads=${BENCH_POOL_THREADS:-2}
out=$VDI_BUILD/bench
mkdir -p "$out"
BENCH_NONE=null
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"
bench_report "$out/pool.txt"
now_ms() { echo $(($(date +%s%N) / 1000000)); }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4g", a / b; else print "null" }'; }

for c in wrk qemu-img curl python3 timeout; do
	command -v "$c" >/dev/null || die "$c is not installed (make deps)"
done
[ -x "$VDI_BUILD/bin/vdi-broker" ] || die "$VDI_BUILD/bin/vdi-broker is missing; run make build"

pools_json() { admin_get /v1/admin/pools; }
# count STATE: VMs the admin socket lists in that state ("" for all).
count() {
	pools_json | python3 -c '
import json, sys
vms = json.load(sys.stdin)["vms"]
print(sum(1 for v in vms if sys.argv[1] in ("", v["state"])))' "${1:-}"
}
# wait_count STATE N SECONDS
wait_count() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		[ "$(count "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
status_of() { jget status <<<"$1" 2>/dev/null; }
# tcp_open PORT: true once 127.0.0.1:PORT accepts a connection.
tcp_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

say "VDI Station pool benchmark - $(date -u '+%Y-%m-%d %H:%M UTC')"
say "machine: $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
say ""

# ---------------------------------------------------------------- warm vs cold

wr='' wp='' cr='' cp=''
if [ "${BENCH_POOL_WARM_COLD:-1}" = 0 ]; then
	say "== Warm vs cold hand-out: skipped (BENCH_POOL_WARM_COLD=0)"
	say ""
else
	for c in libvirtd virsh qemu-system-x86_64; do
		PATH=$PATH:/usr/sbin command -v "$c" >/dev/null || die "$c is not installed (tools/deps.d/libvirt.list)"
	done
	libvirt_start || die "no private libvirtd: $LIBVIRT_ERROR"
	P=$T/pool
	mkdir -p "$T/state"
	pool_files_qemu "$P" || die "qemu-img failed"
	S=$T/stations.conf
	# conf SIZE: the pool file, and the broker told to read it again.
	conf() {
		cat >"$S.new" <<CONF
[pool:tiny]
libvirt_uri = $LIBVIRT_URI
$(pool_keys pool)
size = $1
max = 2

[default]
pool = tiny
CONF
		mv "$S.new" "$S"
		if broker_alive; then kill -HUP "$BROKER_PID"; fi
	}
	conf 1
	broker_start "$S" --state-dir "$T/state" >/dev/null || die "no broker"

	# one_run KIND N: a station's lookups until "ready" (every 100 ms), then its
	# SPICE port; appends to ${KIND}_ready and ${KIND}_port, ends the session.
	warm_ready=() warm_port=() cold_ready=() cold_port=()
	one_run() {
		local kind=$1 mac t0 r port i
		mac=$(printf '52:54:00:00:0%s:%02x' "$([ "$1" = warm ] && echo a || echo b)" "$2")
		t0=$(now_ms)
		r=$(lookup "$mac")
		if [ "$kind" = cold ]; then
			[ "$(status_of "$r")" = starting ] || die "cold run: first answer is not starting: $r"
			conf 1
		fi
		for ((i = 0; i < 1200; i++)); do
			[ "$(status_of "$r")" = ready ] && break
			sleep 0.1
			r=$(lookup "$mac")
		done
		[ "$(status_of "$r")" = ready ] || die "$kind run $2: no ready answer in 2 minutes: $r"
		eval "${kind}_ready+=($(($(now_ms) - t0)))"
		port=$(jget endpoints.0.port <<<"$r")
		for ((i = 0; i < 3000; i++)); do
			tcp_open "$port" && break
			sleep 0.01
		done
		tcp_open "$port" || die "$kind run $2: SPICE port $port never opened"
		eval "${kind}_port+=($(($(now_ms) - t0)))"
		# The end needs the ready answer's session token, or the VM stays.
		bpost /v1/session "{\"mac\":\"$mac\",\"event\":\"end\",\"session\":\"$(jget session <<<"$r")\"}" >/dev/null
	}

	for ((i = 1; i <= runs; i++)); do
		wait_count ready 1 120 || die "the pool did not make a ready VM"
		# Only the ready VM is left: the last run's is gone.
		wait_count "" 1 60 || die "the last run's VM was not destroyed"
		one_run warm "$i"
		conf 0
		wait_count "" 0 60 || die "size 0 did not empty the pool"
		one_run cold "$i"
	done
	broker_stop || die "the broker did not stop cleanly"
	libvirt_stop

	wr=$(median 0 "${warm_ready[@]}") wp=$(median 0 "${warm_port[@]}")
	cr=$(median 0 "${cold_ready[@]}") cp=$(median 0 "${cold_port[@]}")
	say "== Warm vs cold hand-out: real libvirtd, QEMU (TCG), 64 MiB VM, HTTPS lookups, $runs alternating runs"
	say "first lookup -> answer \"ready\":"
	say "  warm (1 ready VM) ms: ${warm_ready[*]}   median $wr ms"
	say "  cold (empty pool) ms: ${cold_ready[*]}   median $cr ms (lookups every 100 ms)"
	say "  ratio cold/warm: $(ratio "$cr" "$wr")"
	say "first lookup -> the VM's SPICE port accepts a TCP connection:"
	say "  warm ms: ${warm_port[*]}   median $wp ms"
	say "  cold ms: ${cold_port[*]}   median $cp ms"
	say "  ratio cold/warm: $(ratio "$cp" "$wp")"
	say ""
fi

# ---------------------------------------------------------------- hand-outs/s

hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 4096 ]; then ulimit -n 4096 2>/dev/null; fi
mkdir -p "$T/big/state"
pool_files_test "$T/big" 5960 || die "qemu-img failed"
cat >"$T/big/stations.conf" <<CONF
[pool:big]
libvirt_uri = test:///default
$(pool_keys .)
size = $size
max = $size

[52:54:00:12:34:56]
host = 127.0.0.1
port = 5900

[default]
pool = big
CONF
# run_wrk LOG SCRIPT [ARGS]: one wrk run against the broker.
run_wrk() {
	local log=$1 script=$2
	shift 2
	timeout --kill-after=5 $((secs + 30)) wrk -t"$threads" -c"$conns" -d"${secs}s" \
		--timeout 5s --latency -s "$script" "$BROKER_URL/v1/lookup" ${1:+--} "$@" >"$log" 2>&1 ||
		{
			cat "$log" >&2
			die "wrk failed"
		}
}
# field LOG: req/s, p50, p90, p99 (ms) from wrk's output.
to_ms() {
	awk '{ v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
		printf "%.1f", v }'
}
pct() { awk -v p="$2" '$1 == p { print $2 }' "$1" | to_ms; }

declare -A R
# handouts MODE: a broker with --pool-sync=MODE (group: hand-outs share
# writes of pools.json; each: the way before, one write per change with the
# pool lock held) on a fresh state folder, filled to $size ready VMs; wrk
# hands them out, then wrk looks up the fixed-endpoint station on the same
# broker. Sets R[MODE_ready], R[MODE_h_rps], R[MODE_l_rps] and so on.
handouts() {
	local m=$1 d=$T/big/$1 t0 fill_ms ready other early h_ms h_rps l_rps assigned stations \
		in_file writes check=ok
	mkdir -p "$d"
	broker_start "$T/big/stations.conf" --state-dir "$d" --pool-sync="$m" >/dev/null ||
		die "no broker"
	t0=$(now_ms)
	wait_count ready "$size" 600 || die "the test-driver pool did not fill ($(count ready) of $size)"
	fill_ms=$(($(now_ms) - t0))
	writes=$(pools_json | jget state_file.writes)

	run_wrk "$T/handout.$m.txt" "$here/handout.lua"
	run_wrk "$T/lookup.$m.txt" "$here/lookup.lua" 52:54:00:12:34:56
	broker_alive || die "the broker died under wrk"

	ready=$(awk '$1 == "ready" { print $2 }' "$T/handout.$m.txt")
	other=$(awk '$1 == "other" { print $2 }' "$T/handout.$m.txt")
	early=$(awk '$1 == "other_before_last_ready" { print $2 }' "$T/handout.$m.txt")
	h_ms=$(awk '$1 == "handout_ms" { print $2 }' "$T/handout.$m.txt")
	h_rps=$(awk '$1 == "handouts_per_s" { print $2 }' "$T/handout.$m.txt")
	l_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$T/lookup.$m.txt")
	if [ -z "$ready" ] || [ -z "$h_rps" ] || [ -z "$l_rps" ]; then
		cat "$T/handout.$m.txt" "$T/lookup.$m.txt" >&2
		die "could not read wrk's output"
	fi
	# The writes of pools.json during the hand-outs (nothing else changes
	# the pool then: it is at max, so no refill).
	writes=$(($(pools_json | jget state_file.writes) - writes))
	# The broker's own view: assigned VMs, the stations they went to, and
	# the state file.
	read -r assigned stations < <(pools_json | python3 -c '
import json, sys
vms = [v for v in json.load(sys.stdin)["vms"] if v["state"] == "assigned"]
print(len(vms), len({v.get("station") for v in vms}))')
	in_file=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
vms = d["vms"] if isinstance(d, dict) else d
print(sum(1 for v in vms if v.get("station")))' "$d/pools.json" 2>/dev/null || echo "?")
	# wrk stops after its time with one request in flight per connection:
	# those may be assigned (and saved) without wrk reading the answer, as
	# for a station whose answer is lost, which gets the same VM when it
	# asks again.
	[ "$assigned" -ge "$ready" ] && [ "$assigned" -le $((ready + conns)) ] &&
		[ "$stations" = "$assigned" ] || check=FAILED
	broker_stop || die "the broker did not stop cleanly"

	say "  --pool-sync=$m: pool of $size ready VMs filled in $fill_ms ms"
	say "    hand-outs: $ready in $h_ms ms = $h_rps hand-outs/s; $other other answers"
	say "      (\"starting\"; $early of them before the last \"ready\" answer, the rest after the pool ran dry)"
	say "      wrk latency over all its answers: p50 $(pct "$T/handout.$m.txt" 50%) ms   p90 $(pct "$T/handout.$m.txt" 90%) ms   p99 $(pct "$T/handout.$m.txt" 99%) ms"
	say "      writes of pools.json (write, fsync, rename) meanwhile: $writes, $(ratio "$assigned" "$writes") hand-outs per write"
	say "    peer, fixed-endpoint lookups, same broker and wrk settings: $l_rps lookups/s"
	say "      p50 $(pct "$T/lookup.$m.txt" 50%) ms   p90 $(pct "$T/lookup.$m.txt" 90%) ms   p99 $(pct "$T/lookup.$m.txt" 99%) ms"
	say "    ratio hand-outs/s / lookups/s: $(ratio "$h_rps" "$l_rps")"
	say "    check: $assigned VMs assigned to $stations stations (admin socket), $in_file in pools.json,"
	say "      $ready \"ready\" answers to distinct MACs (up to $conns more assigned: answers wrk"
	say "      did not read when it stopped): $check"
	R[${m}_fill_ms]=$fill_ms
	R[${m}_ready]=$ready
	R[${m}_h_rps]=$h_rps
	R[${m}_l_rps]=$l_rps
	R[${m}_writes]=$writes
	R[${m}_assigned]=$assigned
	R[${m}_check]=$check
}

say "== Hand-outs per second: test driver (in process), pools of $size ready VMs,"
say "   wrk -t$threads -c$conns -d${secs}s over HTTPS, every request a new MAC; the same"
say "   run, once the way before group commits (each) and once as the broker now works (group)"
handouts each
handouts group
say "  group / each, hand-outs/s: $(ratio "${R[group_h_rps]}" "${R[each_h_rps]}")"
say "  hand-outs/s / lookups/s: group $(ratio "${R[group_h_rps]}" "${R[group_l_rps]}"), each $(ratio "${R[each_h_rps]}" "${R[each_l_rps]}")"
say "  (a hand-out is answered only once pools.json holds it: written, fsynced with its"
say "  folder; each: one write per hand-out with the pool lock held; group: hand-outs that"
say "  arrive during a write wait on the pool threads and share the next write)"
# One JSON number or null.
num() { [ -n "${1:-}" ] && echo "$1" || echo null; }
printf '{"runs":%d,"warm_ms":{"ready":%s,"spice_port":%s},"cold_ms":{"ready":%s,"spice_port":%s},"handout":{"pool_size":%d,"fill_ms":%d,"handouts":%d,"handouts_per_s":%s,"lookups_per_s":%s,"writes":%d,"assigned":%d,"check":"%s"},"handout_each":{"fill_ms":%d,"handouts":%d,"handouts_per_s":%s,"lookups_per_s":%s,"writes":%d,"assigned":%d,"check":"%s"},"group_over_each":%s}\n' \
	"$runs" "$(num "$wr")" "$(num "$wp")" "$(num "$cr")" "$(num "$cp")" "$size" \
	"${R[group_fill_ms]}" "${R[group_ready]}" "${R[group_h_rps]}" "${R[group_l_rps]}" "${R[group_writes]}" "${R[group_assigned]}" "${R[group_check]}" \
	"${R[each_fill_ms]}" "${R[each_ready]}" "${R[each_h_rps]}" "${R[each_l_rps]}" "${R[each_writes]}" "${R[each_assigned]}" "${R[each_check]}" \
	"$(ratio "${R[group_h_rps]}" "${R[each_h_rps]}")" >"$out/pool.json"
if [ "${R[group_check]}" != ok ] || [ "${R[each_check]}" != ok ]; then
	die "hand-out check failed"
fi
exit 0
