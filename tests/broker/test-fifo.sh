#!/bin/bash
# FIFOs named where a file belongs. An admin (or someone who can write the
# stations file's folder) names a FIFO as a station's connection_file, as a
# ca, or puts one in place of the stations file itself. Opening a FIFO for
# reading waits for a writer, forever if none comes; the broker must refuse
# it as "not a regular file" at once instead.
# Observed from outside: stations' lookups and /v1/health keep being answered
# (each within 5 s), a reload with the FIFO is rejected while the old
# mappings serve, SIGTERM still ends the broker, and `stationctl check`
# answers each case with an error naming the path, within 5 s.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

mkdir -p "$T/etc"
S=$T/etc/stations.conf
mkfifo "$T/etc/conn.vv" "$T/etc/fifo.pem" "$T/etc/auth"
CTL=$VDI_BUILD/bin/stationctl

base() {
	printf '[52:54:00:00:00:01]\nname = fifo-desk\nconnection_file = conn.vv\n\n'
	printf '[52:54:00:00:00:02]\nname = plain-desk\nhost = 10.9.0.1\nport = 5900\n'
}
base >"$S"

# check_bounded FILE REGEX DESCRIPTION: stationctl check fails, within 5 s,
# with an error that matches.
check_bounded() {
	local out rc
	out=$(timeout 5 "$CTL" -f "$1" check 2>&1)
	rc=$?
	isnt "$rc" 124 "$3: stationctl check answers within 5 s"
	isnt "$rc" 0 "$3: stationctl check fails"
	like "$out" "$2" "$3: the error names the path and says why"
}

isnt() {
	ok "$([ "$1" != "$2" ] && echo 0 || echo 1)" "$3 (got $1)"
}

check_bounded "$S" 'stations\.conf:1: connection_file .*/etc/conn\.vv: not a regular file' \
	"FIFO as connection_file"

BROKER_HTTP=1 broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# serving: health and the plain station answer within 5 s each.
serving() {
	[ "$(bcurl --max-time 5 -o /dev/null -w '%{http_code}' /v1/health)" = 200 ] &&
		[ "$(lookup 52:54:00:00:00:02 | jget station.name)" = plain-desk ]
}

# Four lookups of the FIFO station at once: with two worker threads, two
# that hang would have taken every thread.
pids=()
for i in 1 2 3 4; do
	_broker_curl --max-time 5 -o "$T/fifo.$i" -w '%{http_code}' -H 'Content-Type: application/json' \
		--data-binary '{"mac":"52:54:00:00:00:01"}' "$BROKER_URL/v1/lookup" >"$T/code.$i" &
	pids+=($!)
done
wait "${pids[@]}"
is "$(cat "$T/code.1" "$T/code.2" "$T/code.3" "$T/code.4")" 200200200200 \
	"4 lookups of the FIFO station answered at once"
like "$(jget message <"$T/fifo.1")" 'not a regular file' \
	"  ... saying the connection file is not a regular file"
serving
ok $? "health and another station answered while the FIFO station asks"

# --- ca as a FIFO: the reload is rejected, the old mappings serve ---
{
	base
	printf 'ca = fifo.pem\n'
} >"$S.tmp"
mv "$S.tmp" "$S"
broker_wait_log 'event=reload status=rejected .*fifo\.pem: not a regular file' 5
ok $? "a ca that is a FIFO: reload rejected with the path"
serving
ok $? "  ... health and lookups still answered"
check_bounded "$S" 'ca: cannot read .*/etc/fifo\.pem: not a regular file' "FIFO as ca"

# --- connection_auth as a FIFO: stationctl check says so ---
printf '[52:54:00:00:00:03]\nconnection_url = https://127.0.0.1:9/x.vv\nconnection_auth = auth\n' \
	>"$T/etc/auth.conf"
check_bounded "$T/etc/auth.conf" 'auth\.conf:1: connection_auth .*/etc/auth: not a regular file' \
	"FIFO as connection_auth"

# --- the stations file itself replaced by a FIFO ---
mkfifo "$T/etc/new.fifo"
mv "$T/etc/new.fifo" "$S"
broker_wait_log 'event=reload status=rejected .*stations\.conf: cannot read: not a regular file' 5
ok $? "the stations file replaced by a FIFO: reload rejected"
kill -HUP "$BROKER_PID"
sleep 0.3
serving
ok $? "  ... after SIGHUP too, health and lookups still answered"
check_bounded "$S" 'stations\.conf: cannot read: not a regular file' "FIFO as the stations file"

# SIGTERM ends the broker within 5 s (the main thread is not stuck in open).
kill -TERM "$BROKER_PID"
for ((i = 0; i < 50; i++)); do
	broker_alive || break
	sleep 0.1
done
! broker_alive
ok $? "SIGTERM ends the broker within 5 s"
wait "$BROKER_PID" 2>/dev/null
is "$?" 0 "  ... with exit status 0"
BROKER_PID=
done_testing
