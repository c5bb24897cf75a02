#!/bin/bash
# Login guessing from one address. An attacker on the station network tries
# one password against user name after user name, claiming a new MAC each
# time, so that neither the per-user nor the per-station limit ever sees two
# failures. Then many addresses flood the limiter with failures under new
# names while a real user's block is running.
# Observed from outside (HTTP status and Retry-After of the broker's own
# answers, from source addresses 127.0.0.x bound with curl --interface):
# after 4 x 5 failures the address gets 429 whatever name, MAC or password
# it sends next, while another address logs the same user in; a user blocked
# before the flood is still blocked after it, with the wait counting down.
# (The flood here is 200 failures, not the table's 10,000 entries: at the
# cost of one yescrypt hash each that would take minutes. The unit test
# tests/unit/test_broker_ratelimit.c floods 100 times a table's size.)
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
S=$T/stations.conf
printf '[127.0.0.0/8]\nname = lab\nprotocol = rdp\nhost = rds.example.org\nlogin = broker\n' >"$S"
printf 'ann-right-pw\n' | "$CTL" -u "$T/users" passwd ann >/dev/null 2>&1
ok $? "stationctl passwd ann"
printf 'bob-right-pw\n' | "$CTL" -u "$T/users" passwd bob >/dev/null 2>&1
ok $? "stationctl passwd bob"

# A few login threads, so that the flood below overlaps.
BROKER_HTTP=1 broker_start "$S" --threads 4 || {
	echo "Bail out! broker did not start"
	exit 1
}

# login FROM MAC USER PASSWORD: "CODE RETRY-AFTER" of a login from address FROM.
login() {
	local body
	body=$(printf '{"mac":"%s","username":"%s","password":"%s"}' "$2" "$3" "$4")
	_broker_curl --interface "$1" -o /dev/null -D "$T/h.$1" -w '%{http_code}' \
		-H 'Content-Type: application/json' --data-binary "$body" "$BROKER_URL/v1/login"
	printf ' %s' "$(tr -d '\r' <"$T/h.$1" | sed -n 's/^Retry-After: //Ip')"
}

# mac N: a MAC of its own for attempt N.
mac() {
	printf '52:54:00:%02x:%02x:%02x' $(($1 / 65536 % 256)) $(($1 / 256 % 256)) $(($1 % 256))
}

# --- one address, 20 names, 20 MACs, one guess each ---
codes=
for i in $(seq 1 20); do
	codes+="$(login 127.0.0.2 "$(mac "$i")" "guess$i" 'Summer2026' | cut -d' ' -f1) "
done
is "$codes" "$(printf '401 %.0s' $(seq 1 20))" "20 guesses for 20 names from 127.0.0.2: each 401"
out=$(login 127.0.0.2 "$(mac 100)" ann ann-right-pw)
like "$out" '^429 (59|60)$' "the next attempt from 127.0.0.2 (new name, new MAC, right password): 429, Retry-After 60"
like "$(login 127.0.0.3 "$(mac 101)" ann ann-right-pw)" '^200 ' \
	"the same login from 127.0.0.3: 200 (the limit is the address's, not everyone's)"
like "$(login 127.0.0.2 "$(mac 102)" guess99 x)" '^429 ' "127.0.0.2 is still refused"

# --- bob blocked, then a flood from other addresses ---
for i in 1 2 3 4 5; do
	login 127.0.0.4 "$(mac $((200 + i)))" bob wrong >/dev/null
done
out=$(login 127.0.0.5 "$(mac 210)" bob bob-right-pw)
like "$out" '^429 (59|60)$' "bob after 5 failures: 429 from any address and MAC"
pids=()
for a in $(seq 1 10); do
	(
		for i in $(seq 1 20); do
			login "127.0.1.$a" "$(mac $((1000 + a * 100 + i)))" "flood$a-$i" x >/dev/null
		done
	) &
	pids+=($!)
done
wait "${pids[@]}"
is "$(grep -c 'event=login .*result=failed' "$BROKER_LOG")" 225 \
	"the flood: 200 failed logins under new names from 10 addresses (225 failures in all)"
out=$(login 127.0.0.6 "$(mac 211)" bob bob-right-pw)
like "$out" '^429 [1-5][0-9]$' "bob is still blocked after the flood, the wait counting down ($out)"

broker_stop
ok $? "clean shutdown"
done_testing
