#!/bin/bash
# Station lookups over HTTPS, what the cases of tests/data/lookup (run by
# test-lookup-cases.sh, reply by reply) cannot show: a reload that adds a
# default section, the certificate check, health, what is logged, and a
# broker that starts without a valid file and recovers when it is fixed.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

gen_tls "$T/tls" || skip_all "openssl cannot make a test certificate"
# The stations file (and the desktop CA it names) of the lookup cases.
mkdir -p "$T/etc"
cp -r "$VDI_ROOT/tests/data/lookup/match-kinds/stations.conf" \
	"$VDI_ROOT/tests/data/lookup/match-kinds/ca" "$T/etc/"
S=$T/etc/stations.conf
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# The reply of every match kind, status and field is a case of
# tests/data/lookup/match-kinds. An unknown station, for the log check below.
lookup 52:54:00:99:99:99 nobody-here >/dev/null

# --- default (added by a reload) ---
printf '\n[default]\nname = fallback-desk\nprotocol = vnc\nhost = 10.9.0.99\n' >>"$S"
kill -HUP "$BROKER_PID"
broker_wait_log 'event=reload status=ok trigger=sighup'
ok $? "SIGHUP reload logged"
# The reload took effect (the default reply itself: the case
# tests/data/lookup/default-section/default-match).
r=$(lookup 52:54:00:99:99:99 nobody-here)
is "$(jget station.name <<<"$r")" fallback-desk "default match"

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
# The error reply itself: the case tests/data/lookup/no-valid-file/error.
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
