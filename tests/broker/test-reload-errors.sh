#!/bin/bash
# A stations file with 100,000 errors (a bad generator, a binary written over
# it). The broker tries it at every change and SIGHUP; logging each error
# each time would fill the disk (1M errors gave 704 MB of log in two tries).
# Observed from outside: the broker's log gets at most 20 error lines per
# attempt and one line with the count; the admin socket's reload answer lists
# 20 errors with error_count; `stationctl check` prints 20 and the total; the
# old mappings keep serving (a lookup) throughout.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
mkdir -p "$T/etc"
S=$T/etc/stations.conf
good() {
	printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n'
}
good >"$S"
N=100000
{
	good
	seq 1 "$N" | sed 's/^/junk /'
} >"$T/bad.conf"

BROKER_HTTP=1 broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

rejected() {
	grep -c 'event=reload status=rejected' "$BROKER_LOG"
}

cp "$T/bad.conf" "$S.tmp"
mv "$S.tmp" "$S"
broker_wait_log "event=reload status=rejected .*errors=$N not_logged=$((N - 20))" 20
ok $? "the bad file is rejected with one count line: errors=$N not_logged=$((N - 20))"
is "$(rejected)" 21 "  ... after 20 error lines (21 lines for the attempt)"
kill -HUP "$BROKER_PID"
for ((i = 0; i < 200; i++)); do
	[ "$(rejected)" -ge 42 ] && break
	sleep 0.1
done
is "$(rejected)" 42 "SIGHUP: another 21 lines, not another $N"
is "$(lookup 52:54:00:00:00:01 | jget station.name)" desk "the old mappings still serve"

reply=$(admin_post /v1/admin/reload)
is "$(jget error_count <<<"$reply")" "$N" "admin reload: error_count $N"
is "$(jget errors <<<"$reply" | perl -MJSON::PP -e 'print scalar @{decode_json(<STDIN>)}')" 20 \
	"  ... and 20 errors listed"
like "$(jget errors.0 <<<"$reply")" "stations\.conf:5: expected 'key = value'" \
	"  ... the first one with file:line"

out=$(timeout 60 "$CTL" -f "$T/bad.conf" check 2>&1)
is "$?" 1 "stationctl check: exit status 1"
is "$(grep -c "expected 'key = value'" <<<"$out")" 20 "  ... 20 error lines"
like "$out" "bad\.conf: $((N - 20)) more errors not shown \($N in all\)" "  ... and the count of the rest"
like "$out" "is not valid \($N errors\)" "  ... and the total"

broker_stop
ok $? "clean shutdown"
done_testing
