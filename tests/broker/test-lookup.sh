#!/bin/bash
# Station lookups over HTTPS: every reply status (ready, maintenance,
# unknown, error) and every match kind (MAC, exact IP, CIDR with the longest
# prefix winning, host name glob, default), with the reply checked field by
# field. Source addresses other than 127.0.0.1 come from binding curl to
# 127.0.x.y, which is still loopback.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

# lookup_from IP MAC [HOSTNAME]: a lookup whose TCP source address is IP.
lookup_from() {
	local ip=$1
	shift
	_broker_curl --interface "$ip" -H 'Content-Type: application/json' \
		--data-binary "$(_lookup_body "$@")" "$BROKER_URL/v1/lookup"
}

gen_tls "$T/tls" || skip_all "openssl cannot make a test certificate"
mkdir -p "$T/etc/ca"
cp "$T/tls/ca.crt" "$T/etc/ca/desktop.pem"
S=$T/etc/stations.conf
cat >"$S" <<'CONF'
# Test mappings: one section per match kind.
[group:lab]
protocol = spice
host = 10.9.0.5
tls_port = 5901
ca = ca/desktop.pem
host_subject = CN=desk.example.org
autoconnect = yes

[52:54:00:00:00:01]
name = teacher
group = lab
port = 5910
password = s3cret "quoted"
fallback = vnc://10.9.0.5:5911
fallback = rdp://[fd00::5]:3390
message = "Line one\nline two"

[127.0.0.2]
name = by-ip
protocol = rdp
host = rds.example.org
proxy = http://proxy.example.org:3128

[127.0.16.0/20]
name = wide-net
protocol = vnc
host = 10.9.0.7
port = 5900

[127.0.18.0/24]
name = narrow-net
protocol = vnc
host = 10.9.0.8
port = 5901

[kiosk-*]
name = any-kiosk
protocol = rdp
host = 10.9.0.9

[kiosk-1*]
name = kiosk-ten
protocol = rdp
host = 10.9.0.10
usb_redirect = -1,-1,-1,-1,0
usb_deny = -1,-1,-1,-1,1

[52:54:00:00:00:02]
name = broken-desk
maintenance = yes
message = Desk 2 is being repaired.

[52:54:00:00:00:03]
maintenance = yes
CONF

broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# --- MAC, with the full reply shape ---
r=$(lookup 52:54:00:00:00:01 st-01)
is "$(jget status <<<"$r")" ready "MAC match: status ready"
is "$(jget message <<<"$r")" "Your desktop is ready." "ready: message"
is "$(jget station <<<"$r")" \
	'{"hostname":"st-01","ip":"127.0.0.1","mac":"52:54:00:00:00:01","match":"52:54:00:00:00:01","name":"teacher"}' \
	"ready: station identity echoed with name and match"
is "$(jget policy.login <<<"$r")" none "policy.login none"
is "$(jget policy.autoconnect <<<"$r")" true "policy.autoconnect inherited from the group"
is "$(jget policy.screen_text <<<"$r")" $'Line one\nline two' "policy.screen_text with a line break"
is "$(jget policy.usb.deny <<<"$r")" "0x03,-1,-1,-1,0|-1,-1,-1,-1,1" "policy.usb.deny default"
is "$(jget policy.usb.auto_redirect <<<"$r")" \
	"0x03,-1,-1,-1,0|0x08,-1,-1,-1,1|0x06,-1,-1,-1,1|0x0e,-1,-1,-1,1|-1,-1,-1,-1,0" \
	"policy.usb.auto_redirect default"
is "$(jget endpoints.0.protocol <<<"$r")" spice "primary endpoint: protocol"
is "$(jget endpoints.0.host <<<"$r")" 10.9.0.5 "primary endpoint: host from the group"
is "$(jget endpoints.0.port <<<"$r")" 5910 "primary endpoint: port"
is "$(jget endpoints.0.tls_port <<<"$r")" 5901 "primary endpoint: tls_port"
is "$(jget endpoints.0.password <<<"$r")" 's3cret "quoted"' "primary endpoint: password escaped"
is "$(jget endpoints.0.host_subject <<<"$r")" "CN=desk.example.org" "primary endpoint: host_subject"
is "$(jget endpoints.0.ca <<<"$r")" "$(cat "$T/tls/ca.crt")" "primary endpoint: ca is the PEM text"
is "$(jget endpoints.1 <<<"$r")" '{"host":"10.9.0.5","port":5911,"protocol":"vnc"}' \
	"first fallback"
is "$(jget endpoints.2 <<<"$r")" '{"host":"fd00::5","port":3390,"protocol":"rdp"}' \
	"second fallback, IPv6 host"
jget endpoints.3 <<<"$r" >/dev/null
is $? 1 "exactly three endpoints"
jget endpoints.1.password <<<"$r" >/dev/null
is $? 1 "absent optional fields are omitted"

# The MAC wins even from an address that has its own section.
r=$(lookup_from 127.0.0.2 52-54-00-00-00-01)
is "$(jget station.name <<<"$r")" teacher "MAC beats exact IP (dash form, any case)"
is "$(jget station.mac <<<"$r")" 52:54:00:00:00:01 "MAC echoed in canonical form"

# --- exact IP ---
r=$(lookup_from 127.0.0.2 52:54:00:99:00:01)
is "$(jget station.name <<<"$r")" by-ip "exact IP match"
is "$(jget station.match <<<"$r")" 127.0.0.2 "exact IP: match"
is "$(jget station.ip <<<"$r")" 127.0.0.2 "exact IP: ip echoed"
is "$(jget endpoints.0 <<<"$r")" \
	'{"host":"rds.example.org","port":3389,"protocol":"rdp","proxy":"http://proxy.example.org:3128"}' \
	"exact IP: rdp endpoint with default port and proxy"

# --- CIDR, longest prefix ---
r=$(lookup_from 127.0.18.5 52:54:00:99:00:02)
is "$(jget station.name <<<"$r")" narrow-net "CIDR: /24 beats /20"
is "$(jget station.match <<<"$r")" 127.0.18.0/24 "CIDR: match text"
r=$(lookup_from 127.0.17.5 52:54:00:99:00:03)
is "$(jget station.name <<<"$r")" wide-net "CIDR: /20 when /24 does not contain the address"
is "$(jget endpoints.0.port <<<"$r")" 5900 "CIDR: endpoint port"

# --- host name glob ---
r=$(lookup 52:54:00:99:00:04 kiosk-7)
is "$(jget station.name <<<"$r")" any-kiosk "glob: kiosk-*"
r=$(lookup 52:54:00:99:00:05 KIOSK-12)
is "$(jget station.name <<<"$r")" kiosk-ten "glob: the more literal pattern wins, case-insensitive"
is "$(jget station.hostname <<<"$r")" KIOSK-12 "glob: host name echoed as sent"
is "$(jget policy.usb <<<"$r")" '{"auto_redirect":"-1,-1,-1,-1,0","deny":"-1,-1,-1,-1,1"}' \
	"glob: own USB filters"

# --- maintenance ---
r=$(lookup 52:54:00:00:00:02)
is "$(jget status <<<"$r")" maintenance "maintenance status"
is "$(jget message <<<"$r")" "Desk 2 is being repaired." "maintenance: the mapping's message"
is "$(jget retry_after <<<"$r")" 60 "maintenance: retry_after"
is "$(jget station.name <<<"$r")" broken-desk "maintenance: station echoed"
jget endpoints <<<"$r" >/dev/null
is $? 1 "maintenance: no endpoints"
r=$(lookup 52:54:00:00:00:03)
like "$(jget message <<<"$r")" "maintenance" "maintenance: default message"

# --- unknown ---
r=$(lookup 52:54:00:99:99:99 nobody-here)
is "$(jget status <<<"$r")" unknown "no match: status unknown"
is "$(jget retry_after <<<"$r")" 30 "unknown: retry_after"
is "$(jget station <<<"$r")" '{"hostname":"nobody-here","ip":"127.0.0.1","mac":"52:54:00:99:99:99"}' \
	"unknown: identity echoed"
like "$(jget message <<<"$r")" "52:54:00:99:99:99" "unknown: the message names the MAC"
is "$(lookup_code 52:54:00:99:99:99)" 200 "unknown: HTTP 200"

# --- default (added by a reload) ---
printf '\n[default]\nname = fallback-desk\nprotocol = vnc\nhost = 10.9.0.99\n' >>"$S"
kill -HUP "$BROKER_PID"
broker_wait_log 'event=reload status=ok trigger=sighup'
ok $? "SIGHUP reload logged"
r=$(lookup 52:54:00:99:99:99 nobody-here)
is "$(jget station.name <<<"$r")" fallback-desk "default match"
is "$(jget station.match <<<"$r")" default "default: match text"
is "$(jget endpoints.0.port <<<"$r")" 5900 "default: vnc default port"

# --- HTTPS is real: without the CA, curl refuses the certificate ---
curl -sS --max-time 5 -o /dev/null -H 'Content-Type: application/json' \
	--data-binary '{"mac":"52:54:00:00:00:01"}' "$BROKER_URL/v1/lookup" 2>/dev/null
isnt_rc=$?
[ "$isnt_rc" -ne 0 ]
ok $? "an unpinned client does not trust the broker (curl exit $isnt_rc)"
code=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code}' \
	"http://${BROKER_URL#https://}/v1/health" 2>/dev/null)
[ "$code" != 200 ]
ok $? "plain HTTP on the HTTPS port gets no answer (got '$code')"

# --- health ---
r=$(bcurl /v1/health)
is "$(jget status <<<"$r")" ok "health: ok"
is "$(jget mappings <<<"$r")" 9 "health: 9 station sections (groups not counted)"
# The append is seen by inotify as well as by SIGHUP: 2 or 3 loads.
like "$(jget generation <<<"$r")" '^[23]$' "health: generation counts the reloads"
like "$(jget loaded <<<"$r")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
	"health: loaded is RFC 3339 UTC"
h=$(bcurl -D - -o /dev/null /v1/health | tr -d '\r')
like "$h" '^[Cc]ontent-[Tt]ype: application/json' "health: JSON content type"

# --- no per-lookup logging at the default level ---
grep -q 'event=lookup' "$BROKER_LOG"
is $? 1 "lookups are not logged at info level"
grep -q 'event=unknown_station mac=52:54:00:99:99:99' "$BROKER_LOG"
ok $? "an unknown station is logged once"

broker_stop
ok $? "broker stopped cleanly"

# --- error: no valid stations file ---
printf '[52:54:00:00:00:01]\nhots = typo\n' >"$T/bad.conf"
broker_start "$T/bad.conf" || {
	echo "Bail out! broker did not start with a bad file"
	exit 1
}
r=$(lookup 52:54:00:00:00:01)
is "$(jget status <<<"$r")" error "no valid file: status error"
is "$(jget retry_after <<<"$r")" 30 "error: retry_after"
like "$(jget message <<<"$r")" "no valid station list" "error: message"
is "$(lookup_code 52:54:00:00:00:01)" 200 "error: HTTP 200 (the station shows it and retries)"
is "$(bcurl -o /dev/null -w '%{http_code}' /v1/health)" 503 "health: 503 without a valid file"
like "$(cat "$BROKER_LOG")" "event=reload status=rejected trigger=start error=\"?$T/bad.conf:2: " \
	"the start-up error is logged with file:line"
# Fixing the file recovers without a restart.
printf '[52:54:00:00:00:01]\nhost = 10.9.0.1\nport = 5900\n' >"$T/bad.conf.new"
mv "$T/bad.conf.new" "$T/bad.conf"
broker_wait_log 'event=reload status=ok trigger=inotify'
ok $? "fixed file picked up by inotify"
r=$(lookup 52:54:00:00:00:01)
is "$(jget status <<<"$r")" ready "after the fix: ready"
broker_stop
ok $? "broker stopped cleanly"

done_testing
