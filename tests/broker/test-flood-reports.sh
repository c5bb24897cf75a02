#!/bin/bash
# A flood of forged session reports from one address. A real station looks
# itself up and reports its session from 127.0.0.1; then 127.0.0.2 sends
# thousands of session starts with made-up MACs, as fast as it can, to a
# broker that remembers 64 stations.
#
# Proof, from outside the broker: the forger's own count of answers (429
# beyond the per-address rate, 403 for the rest: none carries a session
# token); the admin socket still shows the real station connected to its
# own desktop, and no forged station; the log grows by a bounded number of
# lines and says how many it held back. A second broker with no report rate
# limit refuses every forged report by its missing token alone.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
REAL=52:54:00:00:00:01
S=$T/stations.conf
printf '[%s]\nname = desk\nhost = 10.9.0.1\nport = 5900\n' "$REAL" >"$S"

# station_state: "state endpoint" of the real station in the admin view.
station_state() {
	admin_get /v1/admin/stations | perl -MJSON::PP -e '
		my $d = decode_json(do { local $/; <STDIN> });
		for my $s (@{$d->{stations}}) {
			next unless $s->{mac} eq $ARGV[0];
			print "$s->{state} ", $s->{endpoint} // "-";
			exit 0;
		}
		print "absent";' "$REAL"
}

station_count() {
	admin_get /v1/admin/stations | perl -MJSON::PP -e '
		print scalar @{decode_json(do { local $/; <STDIN> })->{stations}};'
}

real_session() {
	local r
	r=$(lookup "$REAL" st-real)
	is "$(jget status <<<"$r")" ready "real station looks up"
	TOKEN=$(jget session <<<"$r")
	is "$(bpost_code /v1/session \
		'{"mac":"'"$REAL"'","event":"start","protocol":"spice","host":"10.9.0.1","port":5900,"user":"ann","session":"'"$TOKEN"'"}')" \
		200 "real station reports its session start"
	is "$(station_state)" "connected spice://10.9.0.1:5900" "admin: real station connected"
}

# flood BROKER-ARGS...: a broker with those options, the real station's
# session, then 3,000 forged reports; sets sent okn limited refused other
# (the forger's counts), secs and lines_before (the log's length before).
flood() {
	BROKER_HTTP=1 broker_start "$S" --max-stations 64 "$@" || {
		echo "Bail out! broker did not start"
		exit 1
	}
	PORT=${BROKER_URL##*:}
	real_session
	lines_before=$(wc -l <"$BROKER_LOG")
	local t0
	t0=$(date +%s.%N)
	read -r sent okn limited refused other <<<"$(perl "$HERE/flood-reports.pl" "$PORT" 3000 4 20)"
	secs=$(perl -e 'printf "%.1f", $ARGV[1] - $ARGV[0]' "$t0" "$(date +%s.%N)")
}

# --- with the default report rate (10/s per address, bursts of 5 s) ---
flood
diag "forger: $sent sent in $secs s: $okn accepted, $limited answered 429, $refused 403, $other other"
is "$sent" 3000 "forger sent every report"
is "$other" 0 "every forged report answered 403 or 429"
is "$okn" 0 "no forged report accepted"
# 50 in the first burst, then 10 a second.
max_ok=$(perl -e 'printf "%d", 50 + 10 * $ARGV[0] + 10' "$secs")
[ "$refused" -le "$max_ok" ]
ok $? "at most $max_ok forged reports get past the rate limit ($refused, each refused)"
is "$(station_state)" "connected spice://10.9.0.1:5900" "admin: real station still connected"
n=$(station_count)
[ "$n" -le 64 ]
ok $? "admin: station table within its cap ($n)"
is "$n" 1 "admin: no forged station in the table"
lines=$(($(wc -l <"$BROKER_LOG") - lines_before))
diag "log lines written during the flood: $lines"
# A burst of 5 and then one a second, for each of the two kinds of line.
max_lines=$(perl -e 'printf "%d", 20 + 3 * $ARGV[0]' "$secs")
[ "$lines" -le "$max_lines" ]
ok $? "log grew by $lines lines for 3000 reports (at most $max_lines)"
grep -q 'event=session_rate_limited ip=127\.0\.0\.2' "$BROKER_LOG"
ok $? "log names the limited address"
# The count of held-back lines rides on the next line the address causes,
# a second later.
sleep 1.2
perl "$HERE/flood-reports.pl" "$PORT" 1 1 5 >/dev/null
grep -Eq 'event=session(_rate_limited|_refused)? .*ip=127\.0\.0\.2 .*suppressed=[1-9]' "$BROKER_LOG"
ok $? "log says how many lines it held back"
is "$(bpost_code /v1/session '{"mac":"'"$REAL"'","event":"end","session":"'"$TOKEN"'"}')" 200 \
	"real station's own report from 127.0.0.1 is still accepted"
broker_stop
ok $? "broker exits cleanly"

# --- no report rate limit: the station table alone protects the session ---
flood --report-rate 0
diag "forger without a rate limit: $sent sent in $secs s, $okn accepted, $limited answered 429, $refused 403"
is "$refused" 3000 "every forged report refused: no session token"
lines=$(($(wc -l <"$BROKER_LOG") - lines_before))
max_lines=$(perl -e 'printf "%d", 20 + 3 * $ARGV[0]' "$secs")
[ "$lines" -le "$max_lines" ]
ok $? "log grew by $lines lines for 3000 refused reports (at most $max_lines)"
is "$(station_state)" "connected spice://10.9.0.1:5900" \
	"admin: real station still connected after 3000 forged reports"
broker_stop
ok $? "second broker exits cleanly"
done_testing
