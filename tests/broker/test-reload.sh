#!/bin/bash
# Hot reload: a good file applied by inotify (atomic rename and in-place
# write), by SIGHUP and by the admin socket; a bad file rejected with
# file:line errors while the old mappings keep serving; lookups during
# reloads never fail.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

mkdir -p "$T/etc"
S=$T/etc/stations.conf

# write_stations NAME: one mapping for 52:54:00:00:00:01 named NAME, written
# the way stationctl and editors save (temp file, rename).
write_stations() {
	printf '# generation %s\n[52:54:00:00:00:01]\nname = %s\nhost = 10.9.0.1\nport = 5900\n' \
		"$1" "$1" >"$S.tmp"
	mv "$S.tmp" "$S"
}

name_of() {
	lookup 52:54:00:00:00:01 | jget station.name
}

# wait_name NAME: the broker answers with NAME within 5 s.
wait_name() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(name_of)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

write_stations one
broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}
is "$(name_of)" one "first file served"

# --- inotify: rename over the file ---
write_stations two
wait_name two
ok $? "rename over the file: applied by inotify"
like "$(grep 'trigger=inotify' "$BROKER_LOG" | tail -n 1)" \
	'event=reload status=ok trigger=inotify mappings=1 generation=2' "reload logged with the mapping count"

# --- inotify: written in place ---
printf '[52:54:00:00:00:01]\nname = three\nhost = 10.9.0.1\nport = 5900\n' >"$S"
wait_name three
ok $? "in-place write: applied by inotify"

# Other files in the directory do not trigger reloads.
n=$(grep -c 'event=reload status=ok' "$BROKER_LOG")
echo x >"$T/etc/unrelated.txt"
sleep 0.4
is "$(grep -c 'event=reload status=ok' "$BROKER_LOG")" "$n" "a change to another file is ignored"

# --- SIGHUP ---
# (Changes are also seen by inotify, so SIGHUP is shown on its own log line.)
kill -HUP "$BROKER_PID"
broker_wait_log 'event=reload status=ok trigger=sighup'
ok $? "SIGHUP reloads"
is "$(name_of)" three "same mappings after a SIGHUP reload of an unchanged file"

# --- admin reload ---
r=$(admin_post /v1/admin/reload)
is "$(jget status <<<"$r")" ok "admin reload: ok"
is "$(jget mappings <<<"$r")" 1 "admin reload: mapping count"
gen=$(jget generation <<<"$r")
is "$(jget generation <<<"$(bcurl /v1/health)")" "$gen" "health shows the admin reload's generation"

# --- a bad file is rejected, the old mappings keep serving ---
cat >"$S.tmp" <<'CONF'
[52:54:00:00:00:01]
name = broken
host = 10.9.0.1
port = 99999

[group:lab]
protocol = carrier-pigeon
CONF
mv "$S.tmp" "$S"
broker_wait_log "event=reload status=rejected trigger=inotify error=\"?$S:4: "
ok $? "bad file: error with file:line (line 4) in the log"
grep -q "event=reload status=rejected trigger=inotify error=\"\\{0,1\\}$S:7: " "$BROKER_LOG"
ok $? "bad file: every error is logged (line 7 too)"
is "$(name_of)" three "bad file: the last good mappings keep serving"
is "$(jget generation <<<"$(bcurl /v1/health)")" "$gen" "bad file: generation unchanged"
r=$(admin_post /v1/admin/reload)
is "$(jget status <<<"$r")" error "admin reload of the bad file: error"
like "$(jget errors.0 <<<"$r")" "^$S:4: " "admin reload: errors carry file:line"
like "$(jget errors.1 <<<"$r")" "^$S:7: " "admin reload: all errors listed"
is "$(curl -sS --unix-socket "$BROKER_SOCK" -o /dev/null -w '%{http_code}' -X POST \
	http://b/v1/admin/reload)" 422 "admin reload of a bad file: HTTP 422"
kill -HUP "$BROKER_PID"
broker_wait_log "event=reload status=rejected trigger=sighup"
ok $? "SIGHUP with a bad file: rejected"
is "$(name_of)" three "still the last good mappings"

# A missing file is rejected the same way.
rm -f "$S"
kill -HUP "$BROKER_PID"
broker_wait_log "event=reload status=rejected trigger=sighup error=\"?$S: "
ok $? "missing file: rejected"
is "$(name_of)" three "missing file: the last good mappings keep serving"

# --- recovery ---
write_stations four
wait_name four
ok $? "a good file after a bad one is applied"

# --- unknown stations disappear once mapped ---
r=$(lookup 52:54:00:00:00:77 late-st)
is "$(jget status <<<"$r")" unknown "new station is unknown"
is "$(admin_get /v1/admin/unknown | jget unknown.0.mac)" 52:54:00:00:00:77 "listed as unknown"
printf '[52:54:00:00:00:77]\nname = adopted\nhost = 10.9.0.2\nport = 5900\n' >>"$S"
r=$(admin_post /v1/admin/reload)
is "$(jget mappings <<<"$r")" 2 "reload with the adopted station"
is "$(admin_get /v1/admin/unknown)" '{"unknown":[]}' "an adopted station is no longer unknown"
is "$(lookup 52:54:00:00:00:77 | jget station.name)" adopted "and gets its mapping"

# --- lookups never fail while reloads run ---
for i in $(seq 1 40); do
	printf '[52:54:00:00:00:01]\nname = n%s\nhost = 10.9.0.1\nport = 5900\n' "$i" >"$S.tmp"
	mv "$S.tmp" "$S"
	kill -HUP "$BROKER_PID"
	sleep 0.01
done &
writer=$!
body='{"mac":"52:54:00:00:00:01"}'
urls=()
# Options do not carry over --next: each transfer gets its own.
for i in $(seq 1 200); do
	urls+=(--next -sS --cacert "$BROKER_CA" -H 'Content-Type: application/json'
		--data-binary "$body" "$BROKER_URL/v1/lookup")
done
out=$(curl --parallel --parallel-max 20 --max-time 20 "${urls[@]}" 2>&1)
wait "$writer"
n_ready=$(grep -o '"status":"ready"' <<<"$out" | wc -l)
is "$n_ready" 200 "200 parallel lookups during 40 reloads all answered ready"
broker_alive
ok $? "broker alive"
broker_stop
ok $? "broker stopped cleanly"

done_testing
