#!/bin/bash
# A real station's lookups while the broker is under attack, in one run
# against one broker (plain HTTP on 127.0.0.1, 2 worker threads):
#
#  idle      nothing else going on
#  drip      2,000 connections from 127.0.0.2, each trickling a request
#            head a byte a second (tests/broker/flood-drip.pl)
#  fetches   50 stations whose mappings fetch connection URLs from a server
#            that never answers (tests/broker/hang-server.pl), asking again
#            as soon as they are answered
#  logins    about 100 failed logins a second from 60 addresses, new user
#            names each time (tests/broker/flood-logins.pl)
#  reports   forged session reports as fast as one address can send them
#            (tests/broker/flood-reports.pl)
#
# The station (tests/broker/flood-lookups.pl) opens a fresh connection for
# each lookup, one after the other, for 5 s, and times them itself. Each
# attack is measured right after an idle measurement of its own, and its
# rate given as a ratio to that idle rate (the machine is shared and noisy:
# pairwise ratios, median over BENCH_ATTACK_RUNS rounds, default 3).
#
# Usage: tools/bench/broker-attacks.sh (after make). Output: standard output
# and $VDI_BUILD/bench/broker-attacks.txt.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VDI_ROOT=$(cd "$here/../.." && pwd)
export VDI_ROOT
# shellcheck source=tests/lib/tap.sh
. "$VDI_ROOT/tests/lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$VDI_ROOT/tests/lib/broker.sh"
# shellcheck source=tools/bench/lib.sh
. "$here/lib.sh"

TB=$VDI_ROOT/tests/broker
RUNS=${BENCH_ATTACK_RUNS:-3}
SECS=5
mkdir -p "$VDI_BUILD/bench"
bench_report "$VDI_BUILD/bench/broker-attacks.txt"
need_open_files 2400

perl "$TB/hang-server.pl" "$T/hang.port" "$T/hang.stats" &
at_exit "kill $!"
wait_for test -s "$T/hang.port" || die "the hanging server did not start"
HP=$(cat "$T/hang.port")

S=$T/stations.conf
CTL=$VDI_BUILD/bin/stationctl
{
	printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n\n'
	for i in $(seq 10 59); do
		printf '[52:54:00:00:02:%02d]\nconnection_url = http://127.0.0.1:%s/own/%s\n\n' "$i" "$HP" "$i"
	done
	printf '[127.0.0.0/8]\nname = lab\nprotocol = rdp\nhost = rds.example.org\nlogin = broker\n'
} >"$S"
printf 'ann-right-pw\n' | "$CTL" -u "$T/users" passwd ann >/dev/null 2>&1 || die "stationctl passwd"
BROKER_HTTP=1 broker_start "$S" --threads 2 --max-connections 4000 || die "the broker did not start"
PORT=${BROKER_URL##*:}

measure() { perl "$TB/flood-lookups.pl" "$PORT" "$SECS" 52:54:00:00:00:01; }

# Each attack: start_X starts it in the background (its PIDs in ATTACK),
# and it is stopped after the measurement.
ATTACK=()
start_drip() {
	perl "$TB/flood-drip.pl" "$PORT" 2000 $((SECS + 40)) "$T/drip" &
	ATTACK+=($!)
	wait_for grep -qs 'round=[2-9]' "$T/drip"
}
# A station of a hanging mapping: asks, and asks again a second after each
# answer (a real one waits the answer's retry_after, 30 s), so that the
# client processes themselves do not eat the machine.
fetch_loop() {
	local mac=$1
	while :; do
		curl -s -m 20 -o /dev/null -X POST -H 'Content-Type: application/json' \
			--data "{\"mac\":\"$mac\",\"version\":\"bench\"}" "$BROKER_URL/v1/lookup"
		sleep 1
	done
}
start_fetches() {
	# One process holds the fifty, so that stopping them is quiet.
	(
		for i in $(seq 10 59); do
			fetch_loop "52:54:00:00:02:$i" &
		done
		wait
	) 2>/dev/null &
	ATTACK+=($!)
	sleep 1
}
start_logins() {
	perl "$TB/flood-logins.pl" "$PORT" 60 100 $((SECS + 3)) >/dev/null &
	ATTACK+=($!)
	sleep 1
}
start_reports() {
	perl "$TB/flood-reports.pl" "$PORT" 100000000 8 $((SECS + 3)) >/dev/null &
	ATTACK+=($!)
	sleep 1
}
stop_attack() {
	local p
	for p in "${ATTACK[@]}"; do
		# The fetch loops are grandchildren: their curl, then them.
		pkill -P "$(pgrep -d, -P "$p")" 2>/dev/null
		pkill -P "$p" 2>/dev/null
		kill "$p" 2>/dev/null
	done
	# (The shell's own "Terminated" notices go to the same place.)
	{ wait "${ATTACK[@]}"; } 2>/dev/null
	ATTACK=()
	# Let the broker drop what the attack left (drips, fetches in flight).
	sleep 6
}

declare -A RATE P99 RATIO
for ((run = 1; run <= RUNS; run++)); do
	for what in drip fetches logins reports; do
		read -r _ _ idle_rate idle_p99 <<<"$(measure)"
		"start_$what"
		read -r _ fail rate p99 <<<"$(measure)"
		stop_attack
		RATE[idle]+=" $idle_rate"
		P99[idle]+=" $idle_p99"
		RATE[$what]+=" $rate"
		P99[$what]+=" $p99"
		RATIO[$what]+=" $(perl -e 'printf "%.2f", $ARGV[1] > 0 ? $ARGV[0] / $ARGV[1] : 0' "$rate" "$idle_rate")"
		echo "run $run $what: idle $idle_rate/s p99 $idle_p99 ms; attacked $rate/s p99 $p99 ms, $fail failed" >&2
	done
done

# shellcheck disable=SC2086 # the lists are meant to split
{
	say "A station's lookups under attack ($RUNS rounds, ${SECS} s each, median; ratio = attacked rate / the idle rate measured just before)"
	say "$(printf '%-10s %12s %10s %8s' case lookups/s p99_ms ratio)"
	say "$(printf '%-10s %12s %10s %8s' idle "$(median 1 ${RATE[idle]})" "$(median 1 ${P99[idle]})" 1.00)"
	for what in drip fetches logins reports; do
		say "$(printf '%-10s %12s %10s %8s' "$what" "$(median 1 ${RATE[$what]})" "$(median 1 ${P99[$what]})" "$(median 2 ${RATIO[$what]})")"
	done
}
broker_stop >/dev/null 2>&1
