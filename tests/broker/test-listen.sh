#!/bin/bash
# Start-up rules: HTTPS unless --insecure-http, and that only on loopback;
# option errors; the admin socket's permissions, stale-socket handling and
# separation from the TCP listener; IPv6 loopback.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

B=$VDI_BUILD/bin/vdi-broker
S=$T/stations.conf
printf '[52:54:00:00:00:01]\nhost = 10.9.0.1\nport = 5900\n' >"$S"

# run_broker ARGS...: runs the broker expecting it to refuse; prints the exit
# status, keeps stderr in $T/err. A time-out (it started after all) is 124.
run_broker() {
	timeout 10 "$B" "$@" 2>"$T/err" >/dev/null
	echo $?
}

is "$(run_broker -f "$S" --listen 127.0.0.1:0 --admin-socket "$T/a.sock")" 2 \
	"no TLS and no --insecure-http: refused"
like "$(cat "$T/err")" "HTTPS needs --tls-cert and --tls-key" "  ... with a reason"
is "$(run_broker -f "$S" --listen 0.0.0.0:0 --insecure-http --admin-socket "$T/a.sock")" 2 \
	"--insecure-http on 0.0.0.0: refused"
like "$(cat "$T/err")" "only allowed on a loopback address" "  ... with a reason"
is "$(run_broker -f "$S" --listen '[::]:0' --insecure-http --admin-socket "$T/a.sock")" 2 \
	"--insecure-http on [::]: refused"
is "$(run_broker -f "$S" --listen 127.0.0.1:0 --tls-cert "$T/x" --admin-socket "$T/a.sock")" 2 \
	"--tls-cert without --tls-key: refused"
is "$(run_broker -f "$S" --listen localhost:80 --insecure-http)" 2 "a host name as listen address: refused"
is "$(run_broker -f "$S" --listen 127.0.0.1:65536 --insecure-http)" 2 "port out of range: refused"
is "$(run_broker --listen 127.0.0.1:0 --insecure-http)" 2 "no stations file: refused"
is "$(run_broker -f "$S" --listen 127.0.0.1:0 --insecure-http --threads 0)" 2 "--threads 0: refused"
is "$(run_broker -f "$S" --listen 127.0.0.1:0 --insecure-http --bogus)" 2 "unknown option: refused"
like "$(cat "$T/err")" "unknown option --bogus" "  ... and named"
[ ! -e "$T/a.sock" ]
ok $? "no admin socket left behind by refused starts"

"$B" --help >"$T/help"
is $? 0 "--help exits 0"
missing=
for o in --stations --listen --tls-cert --tls-key --insecure-http --users --admin-socket \
	--trusted-proxy --threads --max-connections --timeout --max-unknown --log-level --help \
	--version; do
	grep -q -- "$o" "$T/help" || missing="$missing $o"
done
is "$missing" "" "--help describes every option"
like "$("$B" --version)" '^vdi-broker ' "--version"

# A missing certificate file stops the start with a clear log line.
is "$(run_broker -f "$S" --listen 127.0.0.1:0 --tls-cert "$T/none.crt" --tls-key "$T/none.key" \
	--admin-socket "$T/a.sock")" 1 "unreadable certificate: exit 1"
like "$(cat "$T/err")" "step=tls-cert .*none.crt" "  ... logged"

# --- plain HTTP on loopback works ---
BROKER_HTTP=1 broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
like "$BROKER_URL" '^http://127\.0\.0\.1:[0-9]+$' "--insecure-http on 127.0.0.1 with port 0"
is "$(jget status <<<"$(lookup 52:54:00:00:00:01)")" ready "plain HTTP lookup"
like "$(cat "$BROKER_LOG")" 'event=listening addr=127\.0\.0\.1:[1-9][0-9]* tls=off' \
	"the actual port is logged"

# --- admin socket ---
is "$(stat -c %a "$BROKER_SOCK")" 600 "admin socket mode 0600"
is "$(stat -c %F "$BROKER_SOCK")" socket "admin socket is a socket"
is "$(jget status <<<"$(admin_get /v1/admin/health)")" ok "admin health over the socket"
for p in /v1/admin/stations /v1/admin/unknown /v1/admin/health; do
	is "$(bcurl -o /dev/null -w '%{http_code}' "$p")" 404 "$p is not served over TCP"
done
is "$(bcurl -o /dev/null -w '%{http_code}' -X POST /v1/admin/reload)" 404 \
	"/v1/admin/reload is not served over TCP"
is "$(curl -sS --unix-socket "$BROKER_SOCK" -o /dev/null -w '%{http_code}' http://b/v1/lookup \
	-d '{"mac":"52:54:00:00:00:01"}')" 404 "station routes are not served on the admin socket"

# A second broker must not steal a live socket.
is "$(run_broker -f "$S" --listen 127.0.0.1:0 --insecure-http --admin-socket "$BROKER_SOCK")" 1 \
	"second broker on a live admin socket: exit 1"
like "$(cat "$T/err")" "another broker is listening there" "  ... logged"
is "$(jget status <<<"$(admin_get /v1/admin/health)")" ok "the first broker's socket still works"

# A regular file at the socket path is not removed.
echo keep >"$T/notasocket"
is "$(run_broker -f "$S" --listen 127.0.0.1:0 --insecure-http --admin-socket "$T/notasocket")" 1 \
	"a non-socket at the admin path: exit 1"
is "$(cat "$T/notasocket")" keep "  ... and the file is untouched"

broker_stop
ok $? "broker stopped cleanly"
[ ! -e "$BROKER_SOCK" ]
ok $? "admin socket removed at stop"

# A stale socket (its broker was killed) is replaced.
BROKER_HTTP=1 broker_start "$S"
kill -KILL "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null
BROKER_PID=
[ -S "$BROKER_SOCK" ]
ok $? "killed broker left its socket"
BROKER_HTTP=1 broker_start "$S"
ok $? "a new broker starts over a stale socket"
is "$(jget status <<<"$(admin_get /v1/admin/health)")" ok "  ... and serves on it"
broker_stop
ok $? "broker stopped cleanly"

# --- IPv6 loopback over HTTPS ---
if curl -sS -o /dev/null --max-time 2 "http://[::1]:1/" 2>&1 | grep -qi "couldn't connect\|refused"; then
	BROKER_LISTEN='[::1]:0' broker_start "$S"
	ok $? "HTTPS on [::1]"
	like "$BROKER_URL" '^https://\[::1\]:[0-9]+$' "  ... URL"
	r=$(lookup 52:54:00:00:00:01)
	is "$(jget station.ip <<<"$r")" "::1" "IPv6 peer address echoed"
	broker_stop
	ok $? "broker stopped cleanly"
else
	for _ in 1 2 3 4; do ok 0 "# SKIP no IPv6 loopback"; done
fi

done_testing
