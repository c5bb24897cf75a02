#!/bin/bash
# A flood of failed logins (about 100 a second, from 60 addresses, with
# new user names) while a station looks itself up over and over. Password
# checks run on a pool of their own, below the lookups' priority, behind a
# short queue: what does not fit is refused with 429 at once.
#
# Proof, from outside the broker: the station's lookups, timed by the
# client, keep p99 < 50 ms during the flood; the flood's own tally of the
# broker's answers shows both checked (401) and refused (429) logins; and a
# real user logs in right after it.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
CTL=$VDI_BUILD/bin/stationctl
S=$T/stations.conf
{
	printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n\n'
	printf '[127.0.0.0/8]\nname = lab\nprotocol = rdp\nhost = rds.example.org\nlogin = broker\n'
} >"$S"
printf 'ann-right-pw\n' | "$CTL" -u "$T/users" passwd ann >/dev/null 2>&1
ok $? "stationctl passwd ann"

BROKER_HTTP=1 broker_start "$S" --threads 2 || {
	echo "Bail out! broker did not start"
	exit 1
}
PORT=${BROKER_URL##*:}
measure() { perl "$HERE/flood-lookups.pl" "$PORT" "$1" 52:54:00:00:00:01; }

read -r n fail rate p99 <<<"$(measure 3)"
diag "idle: $n lookups, $fail failed, $rate/s, p99 $p99 ms"
is "$fail" 0 "idle: every lookup answered"

perl "$HERE/flood-logins.pl" "$PORT" 60 100 7 >"$T/flood" &
FLOOD=$!
sleep 1
read -r n fail rate p99 <<<"$(measure 5)"
wait "$FLOOD"
diag "during the login flood: $n lookups, $fail failed, $rate/s, p99 $p99 ms"
diag "the flood's answers: $(cat "$T/flood")"
is "$fail" 0 "login flood: every lookup answered"
is "$(perl -e 'print $ARGV[0] < 50 ? 1 : 0' "$p99")" 1 "login flood: lookups p99 $p99 ms < 50 ms"
checked=$(sed -n 's/.* 401=\([0-9]*\).*/\1/p' "$T/flood")
refused=$(sed -n 's/.* 429=\([0-9]*\).*/\1/p' "$T/flood")
is "$([ "${checked:-0}" -gt 0 ] && echo 1)" 1 "passwords were checked during the flood ($checked)"
is "$([ "${refused:-0}" -gt 0 ] && echo 1)" 1 "what did not fit the queue was refused with 429 ($refused)"

body='{"mac":"52:54:00:aa:bb:cc","username":"ann","password":"ann-right-pw"}'
code=$(_broker_curl -o "$T/ann" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data-binary "$body" "$BROKER_URL/v1/login")
is "$code" 200 "ann logs in after the flood"
like "$(cat "$T/ann")" '"status":"ready"' "and gets her desktop"

broker_stop
ok $? "broker stops cleanly"
done_testing
