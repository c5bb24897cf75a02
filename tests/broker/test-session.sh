#!/bin/bash
# Session reports and what the admin socket shows: station state (idle,
# connected to what, since when, by whom), unknown stations, and the station
# address behind trusted and untrusted proxies (X-Forwarded-For).
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

S=$T/stations.conf
cat >"$S" <<'CONF'
[52:54:00:00:00:01]
name = desk-1
host = 10.9.0.1
port = 5900

[52:54:00:00:00:02]
name = desk-2
host = 10.9.0.2
port = 5900

[10.77.0.0/16]
name = behind-proxy
host = 10.9.0.3
port = 5900
CONF

# 127.0.0.5 plays a trusted reverse proxy; 127.0.0.1 is an ordinary peer.
broker_start "$S" --trusted-proxy 127.0.0.5 --trusted-proxy 10.66.0.0/16 || {
	echo "Bail out! broker did not start"
	exit 1
}
RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'

is "$(admin_get /v1/admin/stations)" '{"stations":[]}' "no station seen yet"
r=$(lookup 52:54:00:00:00:01 st-one)
is "$(jget status <<<"$r")" ready "desk-1 looks up"
# The ready answer's session token: what its reports must carry.
tok1=$(jget session <<<"$r")
like "$tok1" '^[0-9a-f]{32}$' "the ready answer carries a session token"

# station_field MAC FIELD: one field of that station in the admin view.
station_field() {
	admin_get /v1/admin/stations | perl -MJSON::PP -e '
		my $d = decode_json(do { local $/; <STDIN> });
		for my $s (@{$d->{stations}}) {
			next unless $s->{mac} eq $ARGV[0];
			my $v = $s->{$ARGV[1]};
			print defined $v ? $v : "(absent)";
			exit 0;
		}
		print "(no such station)";' "$1" "$2"
}

is "$(station_field 52:54:00:00:00:01 state)" idle "after a lookup: idle"
is "$(station_field 52:54:00:00:00:01 name)" desk-1 "admin view: name"
is "$(station_field 52:54:00:00:00:01 match)" 52:54:00:00:00:01 "admin view: match"
is "$(station_field 52:54:00:00:00:01 ip)" 127.0.0.1 "admin view: ip"
is "$(station_field 52:54:00:00:00:01 hostname)" st-one "admin view: hostname"
like "$(station_field 52:54:00:00:00:01 last_seen)" "$RFC3339" "admin view: last_seen RFC 3339"
is "$(station_field 52:54:00:00:00:01 endpoint)" "(absent)" "idle: no endpoint"

# --- session start ---
r=$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"start","protocol":"spice","host":"10.9.0.1","port":5900,"user":"CORP\\ann","session":"'"$tok1"'"}')
is "$r" '{"status":"ok"}' "session start: ok"
is "$(station_field 52:54:00:00:00:01 state)" connected "after start: connected"
is "$(station_field 52:54:00:00:00:01 endpoint)" spice://10.9.0.1:5900 "connected: endpoint"
is "$(station_field 52:54:00:00:00:01 user)" 'CORP\ann' "connected: user"
like "$(station_field 52:54:00:00:00:01 since)" "$RFC3339" "connected: since"
tok2=$(lookup 52:54:00:00:00:02 | jget session)
bpost /v1/session '{"mac":"52:54:00:00:00:02","event":"start","protocol":"rdp","host":"fd00::2","port":3389,"session":"'"$tok2"'"}' >/dev/null
is "$(station_field 52:54:00:00:00:02 endpoint)" 'rdp://[fd00::2]:3389' "IPv6 endpoint in brackets"
is "$(station_field 52:54:00:00:00:02 name)" desk-2 "the admin view names the station's section"
like "$(cat "$BROKER_LOG")" 'event=session mac=52:54:00:00:00:01 ip=127.0.0.1 kind=start endpoint=spice://10.9.0.1:5900' \
	"session start logged"

# --- session end ---
r=$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"end","reason":"user logged out","session":"'"$tok1"'"}')
is "$r" '{"status":"ok"}' "session end: ok"
is "$(station_field 52:54:00:00:00:01 state)" idle "after end: idle"
is "$(station_field 52:54:00:00:00:01 endpoint)" "(absent)" "after end: no endpoint"
is "$(station_field 52:54:00:00:00:01 user)" "(absent)" "after end: no user"
like "$(cat "$BROKER_LOG")" 'event=session .*kind=end .*reason="user logged out"' "session end logged with the reason"

# --- bad session reports ---
is "$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"pause"}' | jget message)" \
	'event: must be "start" or "end"' "bad event: 400"
is "$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"start"}' | jget message)" \
	'protocol: missing (a session start names its endpoint)' "start without endpoint: 400"
is "$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"start","protocol":"spice","host":"h","port":70000}' | jget message)" \
	'port: must be an integer 1..65535' "port out of range: 400"
is "$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"start","protocol":"x11","host":"h","port":1}' | jget message)" \
	'protocol: must be spice, rdp or vnc' "unknown protocol: 400"
is "$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"start","protocol":"vnc","host":"a b","port":1}' | jget message)" \
	'host: not a host name or IP address' "bad host: 400"
is "$(bpost /v1/session '{"mac":"52:54:00:00:00:01","event":"start","protocol":"vnc","host":"h","port":"5900"}' | jget message)" \
	'port: must be an integer 1..65535' "port as a string: 400"
is "$(station_field 52:54:00:00:00:01 state)" idle "bad reports change nothing"

# --- unknown stations ---
is "$(lookup 52:54:00:00:00:99 lost-one | jget status)" unknown "an unknown station asks"
lookup 52:54:00:00:00:99 lost-one >/dev/null
lookup 52:54:00:00:00:98 >/dev/null
u=$(admin_get /v1/admin/unknown)
is "$(jget unknown.0.mac <<<"$u")" 52:54:00:00:00:98 "unknown list, sorted by MAC: first"
is "$(jget unknown.1.mac <<<"$u")" 52:54:00:00:00:99 "unknown list: second"
is "$(jget unknown.1.hostname <<<"$u")" lost-one "unknown: hostname"
is "$(jget unknown.1.ip <<<"$u")" 127.0.0.1 "unknown: ip"
is "$(jget unknown.1.count <<<"$u")" 2 "unknown: count of requests"
like "$(jget unknown.1.first_seen <<<"$u")" "$RFC3339" "unknown: first_seen"
like "$(jget unknown.1.last_seen <<<"$u")" "$RFC3339" "unknown: last_seen"
jget unknown.2 <<<"$u" >/dev/null
is $? 1 "exactly two unknown stations"
is "$(station_field 52:54:00:00:00:99 state)" "(no such station)" "unknown stations are not in the station list"

# --- X-Forwarded-For ---
# xff_lookup SOURCE-IP XFF MAC: the reply's station.ip.
xff_lookup() {
	_broker_curl --interface "$1" -H "X-Forwarded-For: $2" -H 'Content-Type: application/json' \
		--data-binary "{\"mac\":\"$3\"}" "$BROKER_URL/v1/lookup" | jget station.ip
}
is "$(xff_lookup 127.0.0.1 10.77.1.2 52:54:00:00:00:50)" 127.0.0.1 \
	"XFF from an untrusted peer is ignored"
is "$(xff_lookup 127.0.0.5 10.77.1.2 52:54:00:00:00:51)" 10.77.1.2 \
	"XFF from a trusted proxy is used"
r=$(_broker_curl --interface 127.0.0.5 -H "X-Forwarded-For: 10.77.1.2" \
	-H 'Content-Type: application/json' --data-binary '{"mac":"52:54:00:00:00:51"}' \
	"$BROKER_URL/v1/lookup")
is "$(jget station.name <<<"$r")" behind-proxy "  ... and matched (CIDR 10.77.0.0/16)"
is "$(xff_lookup 127.0.0.5 '10.77.9.9, 10.66.0.7' 52:54:00:00:00:52)" 10.77.9.9 \
	"a chain of trusted proxies is skipped from the right"
is "$(xff_lookup 127.0.0.5 '10.66.5.5, 10.55.1.1' 52:54:00:00:00:53)" 10.55.1.1 \
	"the client cannot forge addresses left of the first untrusted hop"
is "$(_broker_curl --interface 127.0.0.5 -o /dev/null \
	-w '%{http_code}' -H 'X-Forwarded-For: not-an-ip' -H 'Content-Type: application/json' \
	--data-binary '{"mac":"52:54:00:00:00:54"}' "$BROKER_URL/v1/lookup")" 400 \
	"a malformed XFF from a trusted proxy: 400"
is "$(station_field 52:54:00:00:00:51 ip)" 10.77.1.2 "admin view shows the forwarded address"

broker_alive
ok $? "broker alive"
broker_stop
ok $? "broker stopped cleanly"

# --- unknown table cap: the oldest is forgotten ---
broker_start "$S" --max-unknown 3 || {
	echo "Bail out! broker did not start"
	exit 1
}
for m in 11 12 13 14; do lookup "52:54:00:00:99:$m" >/dev/null; done
u=$(admin_get /v1/admin/unknown)
is "$(jget unknown.0.mac <<<"$u"),$(jget unknown.2.mac <<<"$u")" \
	52:54:00:00:99:12,52:54:00:00:99:14 "--max-unknown 3: the oldest of 4 is forgotten"
broker_stop
ok $? "broker stopped cleanly"

done_testing
