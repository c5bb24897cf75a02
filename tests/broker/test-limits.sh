#!/bin/bash
# Hostile and broken requests: size and header limits, malformed JSON and
# fields, wrong methods and paths, a client that goes silent. Each gets the
# documented status and JSON error, and the broker stays up throughout.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

S=$T/stations.conf
printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n' >"$S"

# status_and_body PATH DATA [CURL ARGS]: "CODE BODY" of a POST.
post_full() {
	local path=$1 data=$2
	shift 2
	_broker_curl -H 'Content-Type: application/json' -w ' %{http_code}' --data-binary "$data" \
		"$@" "$BROKER_URL$path"
}

# expect_400 BODY MESSAGE DESCRIPTION
expect_400() {
	local out code body
	out=$(post_full /v1/lookup "$1")
	code=${out##* }
	body=${out% *}
	is "$code" 400 "$3: HTTP 400"
	is "$(jget error <<<"$body")" bad_request "$3: error code"
	is "$(jget message <<<"$body")" "$2" "$3: message"
}

broker_start "$S" --timeout 2 || {
	echo "Bail out! broker did not start"
	exit 1
}

# --- the example from the protocol, byte for byte ---
out=$(post_full /v1/lookup '{"mac":"52:54:00:12:34:5G"}')
is "$out" '{"status":"error","error":"bad_request","message":"mac: not a MAC address"} 400' \
	"bad MAC: exact body and status"

# --- malformed bodies and fields ---
expect_400 '' "body: empty" "empty body"
expect_400 '{"mac":' "body: not valid JSON" "truncated JSON"
expect_400 '{"mac":"52:54:00:00:00:01"} {}' "body: not valid JSON" "two JSON values"
expect_400 "{'mac':'52:54:00:00:00:01'}" "body: not valid JSON" "single quotes (not strict JSON)"
expect_400 '{"mac":"52:54:00:00:00:01",}' "body: not valid JSON" "trailing comma"
expect_400 '["52:54:00:00:00:01"]' "body: not a JSON object" "array instead of object"
expect_400 '"52:54:00:00:00:01"' "body: not a JSON object" "string instead of object"
expect_400 '{"hostname":"st-01"}' "mac: missing" "no mac"
expect_400 '{"mac":5254000000}' "mac: must be a string" "mac as a number"
expect_400 '{"mac":"52:54:00:00:00"}' "mac: not a MAC address" "short MAC"
expect_400 '{"mac":"52:54:00:00:00:01:02"}' "mac: not a MAC address" "long MAC"
expect_400 '{"mac":"52:54:00:00:00:01\u0000"}' "mac: contains a NUL character" "NUL escape in mac"
expect_400 '{"mac":"52:54:00:00:00:01","hostname":"bad_host!"}' \
	"hostname: not a valid host name" "invalid host name"
expect_400 '{"mac":"52:54:00:00:00:01","hostname":"-st"}' \
	"hostname: not a valid host name" "host name starting with a dash"
expect_400 '{"mac":"52:54:00:00:00:01","hostname":["st-01"]}' \
	"hostname: must be a string" "host name as an array"
expect_400 "{\"mac\":\"52:54:00:00:00:01\",\"version\":\"$(printf 'v%.0s' $(seq 65))\"}" \
	"version: longer than 64 bytes" "version of 65 bytes"
expect_400 '{"mac":"52:54:00:00:00:01","version":"1.0\n"}' \
	"version: must be printable ASCII" "control character in version"
expect_400 "$(printf '{"mac":"52:54:00:00:00:01","hostname":"st\xff"}')" \
	"body: not valid JSON" "invalid UTF-8"
expect_400 "$(printf '%.0s[' $(seq 5000))" "body: not valid JSON" "5000 nested arrays"
out=$(printf '{"mac":"52:54:00:00:00:01"\0}' | _broker_curl -H 'Content-Type: application/json' \
	-w ' %{http_code}' --data-binary @- "$BROKER_URL/v1/lookup")
is "${out##* }" 400 "raw NUL byte in the body: HTTP 400"

# Unknown fields are ignored (newer stations, older broker); null = absent.
is "$(bpost /v1/lookup '{"mac":"52:54:00:00:00:01","future":{"x":[1,2]},"hostname":null}' |
	jget station.name)" desk "unknown fields ignored, null host name accepted"
is "$(bpost /v1/lookup '{"mac":"52:54:00:00:00:01","hostname":""}' | jget status)" ready \
	"empty host name accepted as absent"

# --- size limits ---
pad=$(head -c 8165 /dev/zero | tr '\0' ' ')
body="{\"mac\":\"52:54:00:00:00:01\"$pad}"
is "${#body}" 8192 "(a body of exactly 8 KiB)"
is "$(post_full /v1/lookup "$body" | sed 's/.* //')" 200 "8192-byte body accepted"
body="{\"mac\":\"52:54:00:00:00:01\"$pad$pad }"
out=$(post_full /v1/lookup "$body")
is "${out##* }" 413 "16 KiB body: HTTP 413"
is "$(jget error <<<"${out% *}")" payload_too_large "16 KiB body: error code"
out=$(post_full /v1/lookup "$body" -H 'Transfer-Encoding: chunked')
is "${out##* }" 413 "16 KiB chunked body (no length given): HTTP 413"
head -c 2000000 /dev/zero | tr '\0' 'x' >"$T/big"
code=$(_broker_curl -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' \
	--data-binary @"$T/big" "$BROKER_URL/v1/lookup" 2>/dev/null)
# Past 64 KiB of excess the broker hangs up; curl then reports the "100
# Continue" it had, or nothing.
like "$code" '^(413|100|000)$' "2 MB chunked body: 413 or connection closed (got $code)"
broker_alive
ok $? "alive after oversized bodies"

# --- header limits ---
hdrs=()
for i in $(seq 1 40); do hdrs+=(-H "X-Filler-$i: $i"); done
out=$(post_full /v1/lookup '{"mac":"52:54:00:00:00:01"}' "${hdrs[@]}")
is "${out##* }" 431 "40 headers: HTTP 431"
is "$(jget error <<<"${out% *}")" too_many_headers "40 headers: error code"
hdrs=()
for i in $(seq 1 25); do hdrs+=(-H "X-Filler-$i: $i"); done
is "$(post_full /v1/lookup '{"mac":"52:54:00:00:00:01"}' "${hdrs[@]}" | sed 's/.* //')" 200 \
	"25 headers: accepted"
long=$(head -c 40000 /dev/zero | tr '\0' 'a')
code=$(post_full /v1/lookup '{"mac":"52:54:00:00:00:01"}' -H "X-Long: $long" 2>/dev/null |
	sed 's/.* //')
like "$code" '^(4[0-9][0-9]|000)$' "a 40 KB header line is refused (got $code)"
broker_alive
ok $? "alive after header abuse"

# --- methods and paths ---
h=$(bcurl -D - -o /dev/null -w '%{http_code}' /v1/lookup | tr -d '\r')
like "$h" '405$' "GET /v1/lookup: 405"
like "$h" '^Allow: POST[[:space:]]*$' "  ... with Allow: POST"
h=$(bcurl -D - -o /dev/null -w '%{http_code}' -X POST -d '{}' /v1/health | tr -d '\r')
like "$h" '405$' "POST /v1/health: 405"
like "$h" '^Allow: GET, HEAD[[:space:]]*$' "  ... with Allow: GET, HEAD"
is "$(bcurl -o /dev/null -w '%{http_code}' -X PUT -d '{}' /v1/session)" 405 "PUT /v1/session: 405"
is "$(bcurl -o /dev/null -w '%{http_code}' -X DELETE /v1/login)" 405 "DELETE /v1/login: 405"
is "$(bcurl -o /dev/null -w '%{http_code}' -I /v1/health)" 200 "HEAD /v1/health: 200"
for p in / /v2/lookup /v1/lookup/ /v1/LOOKUP /v1/admin/stations /../v1/lookup; do
	is "$(bcurl --path-as-is -o /dev/null -w '%{http_code}' -d '{}' "$p")" 404 "POST $p: 404"
done
is "$(bcurl -d '{}' /nope | jget error)" not_found "404 body: error not_found"

# --- silent clients are dropped after --timeout (2 s) ---
# The broker's own count of open connections (admin health) shows when they
# go; client tools are poor at noticing a server hang up while they wait.
conns() {
	admin_get /v1/admin/health | jget connections
}
port=${BROKER_URL##*:}
pids=()
(
	printf 'POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\n'
	sleep 4
) | openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$BROKER_CA" >/dev/null 2>&1 &
pids+=($!)
sleep 4 | openssl s_client -quiet -connect "127.0.0.1:$port" -CAfile "$BROKER_CA" \
	>/dev/null 2>&1 &
pids+=($!)
exec 3<>"/dev/tcp/127.0.0.1/$port"
# -T streams standard input (--data-binary @- would read it all first); it
# would also add Transfer-Encoding: chunked, which next to a Content-Length
# is refused at once (request smuggling), so that header is left out.
sleep 4 | _broker_curl -o /dev/null -X POST -H 'Content-Length: 40' -H 'Transfer-Encoding:' -T - \
	"$BROKER_URL/v1/lookup" 2>/dev/null &
pids+=($!)
sleep 0.8
is "$(conns)" 4 "4 silent clients connected (half a head, idle TLS, no TLS, half a body)"
for ((i = 0; i < 50; i++)); do
	[ "$(conns)" = 0 ] && break
	sleep 0.1
done
is "$(conns)" 0 "all 4 dropped within the 2 s time-out (+ up to 5 s slack)"
exec 3<&-
# The clients themselves only notice when their input ends; end them now.
kill "${pids[@]}" 2>/dev/null
wait "${pids[@]}" 2>/dev/null

# --- garbage instead of HTTP (inside TLS) ---
out=$(head -c 3000 /dev/urandom | tr -d '\n' | timeout 10 openssl s_client -quiet \
	-connect "127.0.0.1:$port" -CAfile "$BROKER_CA" 2>/dev/null | head -c 200)
[ -z "$out" ] || [[ $out == "HTTP/1.1 400"* ]]
ok $? "random bytes as a request: 400 or closed (got '${out:0:40}')"

broker_alive
ok $? "broker alive after every bad request"
is "$(lookup 52:54:00:00:00:01 | jget station.name)" desk "and still answers lookups"
broker_stop
ok $? "broker stopped cleanly"

done_testing
