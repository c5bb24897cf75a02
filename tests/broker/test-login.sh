#!/bin/bash
# Broker logins: success, wrong password, the rate limit per station and per
# user, mappings without a login, and that passwords never reach the log.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "stationctl not built"

S=$T/stations.conf
cat >"$S" <<'CONF'
[group:kiosk]
protocol = rdp
host = rds.example.org
login = broker
autoconnect = yes

[52:54:00:00:00:01]
name = kiosk-1
group = kiosk
password = desk-secret

[52:54:00:00:00:02]
name = kiosk-2
group = kiosk

[52:54:00:00:00:03]
name = kiosk-3
group = kiosk

[52:54:00:00:00:04]
name = kiosk-4
group = kiosk

[52:54:00:00:00:05]
name = kiosk-5
group = kiosk

[52:54:00:00:00:09]
name = open-desk
host = 10.9.0.9
port = 5900

[52:54:00:00:00:0a]
name = closed-desk
group = kiosk
maintenance = yes
CONF

printf 'Correct-Horse-1\n' | "$CTL" -u "$T/users" passwd alice >/dev/null 2>&1
ok $? "stationctl passwd alice"
printf 'bobs pass with spaces\n' | "$CTL" -u "$T/users" passwd bob >/dev/null 2>&1
ok $? "stationctl passwd bob"
printf 'carol-pw\n' | "$CTL" -u "$T/users" passwd carol >/dev/null 2>&1
ok $? "stationctl passwd carol"

broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# login_body MAC USER PASSWORD
login_body() {
	printf '{"mac":"%s","hostname":"kiosk-host","username":"%s","password":"%s"}' "$1" "$2" "$3"
}
login() {
	bpost /v1/login "$(login_body "$@")"
}
login_code() {
	bpost_code /v1/login "$(login_body "$@")"
}

# --- a lookup says a login is needed and gives no endpoints ---
r=$(lookup 52:54:00:00:00:01)
is "$(jget status <<<"$r")" ready "lookup of a login station: ready"
is "$(jget policy.login <<<"$r")" broker "  ... policy.login broker"
is "$(jget endpoints <<<"$r")" "[]" "  ... and no endpoints before the login"

# --- success ---
r=$(login 52:54:00:00:00:01 alice Correct-Horse-1)
is "$(jget status <<<"$r")" ready "login success: ready"
is "$(jget user <<<"$r")" alice "login success: user"
is "$(jget station.name <<<"$r")" kiosk-1 "login success: station"
is "$(jget endpoints.0 <<<"$r")" \
	'{"host":"rds.example.org","password":"desk-secret","port":3389,"protocol":"rdp"}' \
	"login success: the endpoint with its password"
is "$(login_code 52:54:00:00:00:01 bob 'bobs pass with spaces')" 200 "password with spaces"

# --- failure ---
r=$(bpost /v1/login "$(login_body 52:54:00:00:00:02 alice wrong-1)")
is "$r" '{"status":"error","error":"login_failed","message":"Wrong user name or password."}' \
	"wrong password: exact reply"
is "$(login_code 52:54:00:00:00:02 alice wrong-2)" 401 "wrong password: 401"
is "$(login_code 52:54:00:00:00:02 nosuchuser whatever)" 401 "unknown user: 401, same as a wrong password"
is "$(login 52:54:00:00:00:02 nosuchuser whatever)" "$r" "unknown user: same body as a wrong password"

# --- per-user limit: 5 failures for alice (2 so far) from several stations ---
is "$(login_code 52:54:00:00:00:03 alice wrong-3)" 401 "alice failure 3"
is "$(login_code 52:54:00:00:00:04 alice wrong-4)" 401 "alice failure 4"
is "$(login_code 52:54:00:00:00:03 alice wrong-5)" 401 "alice failure 5"
h=$(_broker_curl -D - -H 'Content-Type: application/json' \
	--data-binary "$(login_body 52:54:00:00:00:01 alice Correct-Horse-1)" \
	"$BROKER_URL/v1/login" | tr -d '\r')
like "$h" '^HTTP/1.1 429' "alice blocked: even the right password gets 429"
like "$h" '^Retry-After: (59|60)[[:space:]]*$' "  ... with a Retry-After header"
body=${h##*$'\n'}
is "$(jget error <<<"$body")" rate_limited "  ... error rate_limited"
like "$(jget retry_after <<<"$body")" '^(59|60)$' "  ... retry_after in the body"
is "$(login_code 52:54:00:00:00:04 alice Correct-Horse-1)" 429 "alice blocked from every station"
is "$(login_code 52:54:00:00:00:01 bob 'bobs pass with spaces')" 200 "bob is not blocked"

# --- per-station limit: 5 failures from station 5 with different users ---
for u in u1 u2 u3 u4 u5; do
	c=$(login_code 52:54:00:00:00:05 "$u" nope)
	[ "$c" = 401 ] || break
done
is "$c" 401 "station 5: five failures with five user names"
is "$(login_code 52:54:00:00:00:05 carol carol-pw)" 429 "station 5 blocked, even for carol"
is "$(login_code 52:54:00:00:00:02 carol carol-pw)" 200 "carol can log in elsewhere"

# --- mappings without a login, maintenance, unknown ---
r=$(login 52:54:00:00:00:09 alice Correct-Horse-1)
is "$(jget status <<<"$r")" ready "no login wanted: answered as a lookup"
is "$(jget endpoints.0.host <<<"$r")" 10.9.0.9 "  ... with endpoints"
jget user <<<"$r" >/dev/null
is $? 1 "  ... and no user (the password was not checked)"
is "$(login 52:54:00:00:00:0a carol carol-pw | jget status)" maintenance "maintenance station: maintenance"
is "$(login 52:54:00:00:00:77 carol carol-pw | jget status)" unknown "unknown station: unknown"

# --- malformed logins ---
is "$(bpost /v1/login '{"mac":"52:54:00:00:00:02","username":"carol"}' | jget message)" \
	"password: missing" "no password: 400 message"
is "$(bpost_code /v1/login '{"mac":"52:54:00:00:00:02","username":"carol","password":""}')" 400 \
	"empty password: 400"
is "$(bpost /v1/login '{"mac":"52:54:00:00:00:02","username":"ca rol","password":"x"}' |
	jget message)" "username: not a valid user name" "bad user name: 400 message"
is "$(bpost /v1/login '{"mac":"52:54:00:00:00:02","password":"x"}' | jget message)" \
	"username: missing" "no user name: 400 message"

# --- a password change applies at once ---
printf 'carol-new\n' | "$CTL" -u "$T/users" passwd carol >/dev/null 2>&1
is "$(login_code 52:54:00:00:00:02 carol carol-new)" 200 "new password works without a restart"

# --- the log ---
like "$(cat "$BROKER_LOG")" 'event=login user=alice mac=52:54:00:00:00:01 ip=127.0.0.1 result=ok' \
	"successful login logged with user and station"
like "$(cat "$BROKER_LOG")" 'event=login user=alice mac=52:54:00:00:00:01 .*result=rate_limited' \
	"rate-limited login logged"
leaked=
for p in Correct-Horse-1 wrong-1 wrong-5 'bobs pass' carol-pw carol-new desk-secret nope; do
	grep -qF -- "$p" "$BROKER_LOG" && leaked="$leaked $p"
done
is "$leaked" "" "no password appears in the log"
broker_stop
ok $? "broker stopped cleanly"

# --- without a users file, logins are unavailable, not failed ---
rm -f "$T/users"
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
r=$(login 52:54:00:00:00:01 alice Correct-Horse-1)
is "$(jget status <<<"$r")" error "no users file: status error"
is "$(jget retry_after <<<"$r")" 60 "  ... retry_after"
broker_stop
ok $? "broker stopped cleanly"

done_testing
