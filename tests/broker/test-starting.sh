#!/bin/bash
# wait_ready: the broker answers "starting" while the mapping's desktop does
# not accept TCP connections, and "ready" once it does; for a login mapping
# only after the login; never for maintenance. The desktop is a real TCP
# listener on loopback that the test starts and stops.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"
# shellcheck source=tests/lib/qemu.sh
. "$(dirname "$0")/../lib/qemu.sh"

CTL=$VDI_BUILD/bin/stationctl
command -v socat >/dev/null || skip_all "socat is not installed"

P=$(free_port)
P2=$(free_port)
S=$T/stations.conf
cat >"$S" <<CONF
[52:54:00:00:00:01]
name = booting
host = 127.0.0.1
port = $P
wait_ready = yes
autoconnect = yes

[52:54:00:00:00:02]
name = tls-only
host = 127.0.0.1
tls_port = $P2
wait_ready = yes

[52:54:00:00:00:03]
name = kiosk
host = 127.0.0.1
port = $P
wait_ready = yes
login = broker

[52:54:00:00:00:04]
name = closed
host = 127.0.0.1
port = $P
wait_ready = yes
maintenance = yes

[52:54:00:00:00:05]
name = no-wait
host = 127.0.0.1
port = $P
CONF
printf 'pw-of-alice\n' | "$CTL" -u "$T/users" passwd alice >/dev/null 2>&1
ok $? "stationctl passwd alice"

broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

login() {
	bpost /v1/login "$(printf '{"mac":"%s","username":"alice","password":"pw-of-alice"}' "$1")"
}

# listen PORT: a desktop stand-in that accepts connections (and closes them).
LISTENER=
listen() {
	socat "TCP-LISTEN:$1,bind=127.0.0.1,reuseaddr,fork" /dev/null &
	LISTENER=$!
	at_exit "kill $LISTENER 2>/dev/null"
	wait_for bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}
# status_becomes MAC WANT: polls lookups (the probe result is kept for a
# second) until the status is WANT; prints the last reply.
status_becomes() {
	local r i
	for ((i = 0; i < 30; i++)); do
		r=$(lookup "$1")
		[ "$(jget status <<<"$r")" = "$2" ] && break
		sleep 0.2
	done
	printf '%s' "$r"
}

# --- nothing listens: starting ---
r=$(lookup 52:54:00:00:00:01 st-01)
is "$(jget status <<<"$r")" starting "desktop down: status starting"
is "$(jget retry_after <<<"$r")" 2 "starting: retry_after 2"
like "$(jget message <<<"$r")" "starting" "starting: a message for people"
is "$(jget station <<<"$r")" \
	'{"hostname":"st-01","ip":"127.0.0.1","mac":"52:54:00:00:00:01","match":"52:54:00:00:00:01","name":"booting"}' \
	"starting: the station's identity"
jget endpoints <<<"$r" >/dev/null
is $? 1 "starting: no endpoints"
is "$(jget status <<<"$(lookup 52:54:00:00:00:02)")" starting "tls_port only: probed too"
is "$(jget status <<<"$(lookup 52:54:00:00:00:05)")" ready "without wait_ready: ready at once"
is "$(jget status <<<"$(lookup 52:54:00:00:00:04)")" maintenance \
	"maintenance wins over starting"

r=$(lookup 52:54:00:00:00:03)
is "$(jget status <<<"$r")" ready "login mapping: the lookup shows the login form"
is "$(jget endpoints <<<"$r")" "[]" "  ... without endpoints"
r=$(login 52:54:00:00:00:03)
is "$(jget status <<<"$r")" starting "login mapping: starting after a good login"
jget endpoints <<<"$r" >/dev/null
is $? 1 "  ... and no endpoints yet"
is "$(bpost_code /v1/login '{"mac":"52:54:00:00:00:03","username":"alice","password":"wrong"}')" \
	401 "a wrong password is refused, not told the desktop is starting"

# --- the desktop comes up ---
listen "$P"
ok $? "desktop stand-in listening on $P"
r=$(status_becomes 52:54:00:00:00:01 ready)
is "$(jget status <<<"$r")" ready "desktop up: ready"
is "$(jget endpoints.0.port <<<"$r")" "$P" "  ... with the endpoint"
r=$(login 52:54:00:00:00:03)
is "$(jget status <<<"$r")" ready "login mapping: ready once up"
is "$(jget endpoints.0.port <<<"$r")" "$P" "  ... with the endpoint"
is "$(jget status <<<"$(lookup 52:54:00:00:00:02)")" starting "another port: still starting"

# --- and goes away again ---
kill "$LISTENER"
wait "$LISTENER" 2>/dev/null
r=$(status_becomes 52:54:00:00:00:01 starting)
is "$(jget status <<<"$r")" starting "desktop gone: starting again"

# Many stations polling a desktop that is down: every lookup is answered.
n=0
for _ in $(seq 50); do
	[ "$(jget status <<<"$(lookup 52:54:00:00:00:01)")" = starting ] && n=$((n + 1))
done
is "$n" 50 "50 lookups while down: 50 starting answers"

# --- the key is checked like every other one ---
"$CTL" -f "$S" set 52:54:00:00:00:05 wait_ready=maybe >"$T/out" 2>&1
is $? 1 "stationctl refuses wait_ready=maybe"
like "$(cat "$T/out")" "wait_ready" "  ... naming the key"
"$CTL" -f "$S" show 52:54:00:00:00:01 >"$T/out" 2>&1
like "$(cat "$T/out")" "wait_ready *= *yes" "stationctl show lists wait_ready"

broker_stop
ok $? "broker stopped cleanly"
done_testing
