#!/bin/bash
# A connection_url that never answers. Fifty stations whose mappings fetch
# their connection file from a server that accepts and then says nothing
# (tests/broker/hang-server.pl) ask for their desktops at once, while an
# ordinary station looks itself up over and over.
#
# Proof, from outside the broker: the ordinary station's lookups, timed by
# the client, keep p99 < 50 ms while the fetches hang; the hanging server
# itself counts how the broker fetched: one connection for fifty stations
# sharing a URL, never more than the fetch pool's four at once for fifty
# different URLs, and no new connection when the stations ask again right
# after the failure. The fifty stations get the error answer a station
# shows, with the reason, after the fetch's 5 s time-out.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

HERE=$(cd "$(dirname "$0")" && pwd)

perl "$HERE/hang-server.pl" "$T/hang.port" "$T/hang.stats" &
HANG_PID=$!
at_exit "kill $HANG_PID"
wait_for test -s "$T/hang.port" || {
	echo "Bail out! the hanging server did not start"
	exit 1
}
HP=$(cat "$T/hang.port")
stat_of() { sed -n "s/.*$1=\([^ ]*\).*/\1/p" "$T/hang.stats"; }

S=$T/stations.conf
{
	printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n\n'
	# Fifty stations of one mapping each, all on one URL ...
	for i in $(seq 10 59); do
		printf '[52:54:00:00:01:%02d]\nconnection_url = http://127.0.0.1:%s/shared\n\n' "$i" "$HP"
	done
	# ... and fifty on fifty URLs.
	for i in $(seq 10 59); do
		printf '[52:54:00:00:02:%02d]\nconnection_url = http://127.0.0.1:%s/own/%s\n\n' "$i" "$HP" "$i"
	done
} >"$S"

BROKER_HTTP=1 broker_start "$S" --threads 2 || {
	echo "Bail out! broker did not start"
	exit 1
}
PORT=${BROKER_URL##*:}

# measure SECONDS: "count failed rate p99" of the desk station's lookups.
measure() {
	perl "$HERE/flood-lookups.pl" "$PORT" "$1" 52:54:00:00:00:01
}

# ask PREFIX DIR: fifty lookups at once, each answer in DIR/NN; asked_wait
# waits for them (not for the hanging server, also a child of this shell).
ASKED=()
asked_wait() {
	wait "${ASKED[@]}"
	ASKED=()
}
ask() {
	local i
	mkdir -p "$2"
	for i in $(seq 10 59); do
		curl -s -m 20 -o "$2/$i" -w '%{http_code} %{time_total}\n' -X POST \
			-H 'Content-Type: application/json' \
			--data "{\"mac\":\"$1:$i\",\"version\":\"test\"}" \
			"$BROKER_URL/v1/lookup" >"$2/$i.code" 2>/dev/null &
		ASKED+=($!)
	done
}

read -r n fail rate p99 <<<"$(measure 2)"
diag "idle: $n lookups, $fail failed, $rate/s, p99 $p99 ms"
is "$fail" 0 "idle: every lookup answered"

# 1. Fifty stations, one URL.
ask 52:54:00:00:01 "$T/shared"
wait_for grep -qs 'accepted=1 ' "$T/hang.stats"
read -r n fail rate p99 <<<"$(measure 4)"
diag "50 stations waiting on one hanging URL: $n lookups, $fail failed, $rate/s, p99 $p99 ms"
is "$fail" 0 "one hanging URL: every other lookup answered"
is "$(perl -e 'print $ARGV[0] < 50 ? 1 : 0' "$p99")" 1 "one hanging URL: other lookups p99 $p99 ms < 50 ms"
asked_wait
is "$(stat_of accepted)" 1 "fifty stations asking for one URL made one fetch"
errors=$(grep -l '"status":"error"' "$T"/shared/[0-9][0-9] | wc -l)
is "$errors" 50 "all fifty got an error answer"
like "$(cat "$T/shared/10")" 'did not answer within 5 s' "the answer says why"
diag "answer: $(head -c 300 "$T/shared/10")"

# 2. Asked again at once: the failure is remembered, the URL left alone.
ask 52:54:00:00:01 "$T/again"
asked_wait
is "$(stat_of accepted)" 1 "asked again within 10 s: no new fetch"
slow=$(awk '$2 > 1 { n++ } END { print n + 0 }' "$T"/again/*.code)
is "$slow" 0 "asked again: answered at once"
like "$(cat "$T/again/30")" 'did not answer within 5 s' "asked again: the same reason"

# 3. Fifty URLs: the pool fetches four at a time, the rest wait in its queue.
ask 52:54:00:00:02 "$T/own"
wait_for grep -qs 'open=4 ' "$T/hang.stats"
read -r n fail rate p99 <<<"$(measure 4)"
diag "50 hanging URLs: $n lookups, $fail failed, $rate/s, p99 $p99 ms"
is "$fail" 0 "fifty hanging URLs: every other lookup answered"
is "$(perl -e 'print $ARGV[0] < 50 ? 1 : 0' "$p99")" 1 "fifty hanging URLs: other lookups p99 $p99 ms < 50 ms"
max=$(stat_of max_open)
diag "hanging server: $(cat "$T/hang.stats")"
is "$([ "$max" -le 4 ] && echo 1)" 1 "never more than 4 fetches at once (saw $max)"
health=$(admin_get /v1/admin/health)
diag "health: $health"
is "$(jget fetches.running <<<"$health")" 4 "admin health: 4 fetches running"
is "$(jget fetches.queued <<<"$health")" 46 "admin health: the other 46 queued"

# Stopping answers the queued stations ("stopping") instead of hanging.
t0=$(date +%s)
broker_stop
ok $? "the broker stops cleanly with fetches queued"
t1=$(date +%s)
is "$([ $((t1 - t0)) -le 8 ] && echo 1)" 1 "and within 8 s ($((t1 - t0)) s)"
asked_wait
codes=$(cat "$T"/own/*.code | awk '{ print $1 }' | sort | uniq -c | tr '\n' ' ')
diag "the fifty-URL stations' answers: $codes"
is "$(cat "$T"/own/*.code | awk '$1 == "000" { n++ } END { print n + 0 }')" 0 "no station was left without an answer"

done_testing
