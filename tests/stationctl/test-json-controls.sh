#!/bin/bash
# JSON that reaches an admin's terminal carries no raw C1 controls.
#
# JSON allows U+0080-U+009F and U+2028/U+2029 raw inside strings, but a
# terminal acts on them: U+009B is CSI, the start of an escape sequence. What
# the admin does: keeps the stations file in a folder whose name has U+009B,
# puts a message with U+009B, U+0085 and U+2028 on a station, makes the file
# invalid, and runs `stationctl reload --json` (the broker's answer names the
# file in every error). A station asks for its desktop (POST /v1/lookup).
#
# What proves it: the bytes stationctl printed and the bytes the broker
# answered hold \u009b (\u0085, \u2028) escapes and not one raw C2 9B, C2 85
# or E2 80 A8 sequence; decoded, the values are the characters the file has.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

CTL=$VDI_BUILD/bin/stationctl
[ -x "$CTL" ] || skip_all "$CTL not built"

CSI=$(printf '\302\233')
NEL=$(printf '\302\205')
LSEP=$(printf '\342\200\250')
D="$T/lab${CSI}31m"
mkdir -p "$D"
S=$D/stations.conf
MSG="back at 10${CSI}2J${NEL}ask${LSEP}IT"
good() {
	printf '[52:54:00:00:00:01]\nname = desk-1\nhost = 10.9.0.1\nport = 5900\n'
	printf 'message = %s\n' "$MSG"
}
good >"$S"

# jstr PATH: the string at PATH (a.b.0) of the JSON on stdin, written as
# UTF-8 (jget writes code points below 256 as single bytes).
jstr() {
	perl -MJSON::PP -e '
		binmode STDOUT, ":encoding(UTF-8)";
		my $v = JSON::PP->new->utf8->decode(do { local $/; <STDIN> });
		$v = ref $v eq "ARRAY" ? $v->[$_] : $v->{$_} for split /\./, $ARGV[0];
		print $v;
	' "$1"
}

# raw FILE: how many raw C1 / U+2028 sequences FILE holds.
raw() {
	LC_ALL=C grep -c -e "$CSI" -e "$NEL" -e "$LSEP" "$1"
}

BROKER_HTTP=1 broker_start "$S" || {
	echo "Bail out! broker did not start"
	exit 1
}

# --- the broker's own JSON: a station's lookup answer ---
lookup 52:54:00:00:00:01 >"$T/lookup.json"
is "$(jstr policy.screen_text <"$T/lookup.json")" "$MSG" \
	"lookup: the message decodes to the file's characters"
is "$(raw "$T/lookup.json")" 0 "lookup answer: no raw C1 or U+2028 bytes"
like "$(cat "$T/lookup.json")" '10\\u009b2J\\u0085ask\\u2028IT' \
	"lookup answer: \\u009b, \\u0085 and \\u2028 escapes"

# --- stationctl reload --json: errors naming the file ---
{
	good
	printf '[52:54:00:00:00:02]\nhost = 10.9.0.2\nport = 99999\n'
} >"$S.tmp"
mv "$S.tmp" "$S"
"$CTL" --socket "$BROKER_SOCK" reload --json >"$T/reload.json" 2>"$T/reload.err"
is "$?" 1 "stationctl reload --json of an invalid file: exit 1"
is "$(jget status <"$T/reload.json")" error "  ... status error"
like "$(jstr errors.0 <"$T/reload.json")" "^$D/stations.conf:8: " \
	"  ... the error names the file (decoded: the folder's U+009B is there)"
is "$(raw "$T/reload.json")" 0 "stationctl reload --json: no raw C1 bytes in its output"
grep -q 'lab\\u009b31m/stations.conf:8' "$T/reload.json"
ok $? "stationctl reload --json: the folder's U+009B printed as \\u009b"
# The broker's answer itself, as any admin client gets it.
curl -sS --unix-socket "$BROKER_SOCK" -X POST http://b/v1/admin/reload >"$T/admin.json"
is "$(raw "$T/admin.json")" 0 "admin socket answer: no raw C1 bytes"
grep -q 'lab\\u009b31m' "$T/admin.json"
ok $? "admin socket answer: \\u009b"
# Without --json the errors are escaped for the terminal as well.
"$CTL" --socket "$BROKER_SOCK" reload >/dev/null 2>"$T/reload.err"
is "$(raw "$T/reload.err")" 0 "stationctl reload (text): no raw C1 bytes"

broker_stop
ok $? "broker stopped cleanly"

done_testing
