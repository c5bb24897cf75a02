#!/bin/bash
# Protocol strictness, as a hostile station on the network would probe it:
# request smuggling with two Content-Length headers, unknown HTTP versions and
# transfer codings, percent-escaped paths, invalid UTF-8 and control
# characters (C1 such as the 8-bit CSI U+009B, NEL U+0085, U+2028) in the
# strings stations send and in a station name in the stations file. Raw
# requests go over a TCP socket (perl IO::Socket), so nothing in between
# repairs them.
# Observed from outside: the broker's status line and JSON error for each, the
# connection closed after a framing error (no smuggled second answer), every
# answer within 2 s; then `stationctl status` (the admin's terminal) shows the
# user name a station reported escaped, in its own column.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

S=$T/stations.conf
printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n' >"$S"
CTL=$VDI_BUILD/bin/stationctl

BROKER_HTTP=1 broker_start "$S" --timeout 10 || {
	echo "Bail out! broker did not start"
	exit 1
}
PORT=${BROKER_URL##*:}

# raw REQUEST: sends REQUEST (\r\n and \xNN written as such) on a new
# connection, prints what comes back until the broker closes it, then a
# line "[closed after N s]" or "[still open after 2 s]".
raw() {
	perl -MIO::Socket::INET -MTime::HiRes=time -e '
		my ($port, $req) = @ARGV;
		$req =~ s/\\r\\n/\r\n/g;
		$req =~ s/\\x([0-9a-f]{2})/chr(hex($1))/ge;
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die "connect: $!";
		print $s $req;
		my ($t0, $buf, $closed) = (time, "", 0);
		eval {
			local $SIG{ALRM} = sub { die "alarm\n" };
			alarm 2;
			while (1) {
				my $n = sysread($s, my $b, 4096);
				last unless $n;
				$buf .= $b;
			}
			$closed = 1;
			alarm 0;
		};
		$buf =~ s/\r//g;
		print $buf, "\n";
		printf $closed ? "[closed after %.1f s]\n" : "[still open after 2 s]\n", time - $t0;
	' "$PORT" "$1"
}

B='{"mac":"52:54:00:00:00:01"}'
H='Host: 127.0.0.1\r\nContent-Type: application/json\r\n'

# --- framing ---
out=$(raw "POST /v1/lookup HTTP/1.1\r\n${H}Content-Length: 27\r\nContent-Length: 60\r\n\r\n${B}GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
like "$out" '^HTTP/1.1 400 ' "two Content-Length headers: 400"
like "$out" '"message":"more than one Content-Length header"' "  ... saying so"
is "$(grep -o 'HTTP/1\.[01] [0-9][0-9][0-9]' <<<"$out" | wc -l)" 1 "  ... and the smuggled second request is not answered"
like "$out" '^\[closed after' "  ... the connection is closed"

out=$(raw "POST /v1/lookup HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n1b\r\n${B}\r\n0\r\n\r\n")
like "$out" '^HTTP/1.1 501 ' "Transfer-Encoding: gzip, chunked: 501"
like "$out" '^\[closed after [01]\.' "  ... at once, and closed"
out=$(raw "POST /v1/lookup HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n")
like "$out" '^HTTP/1.1 501 ' "Transfer-Encoding: xchunked: 501"
like "$out" '^\[closed after [01]\.' "  ... at once, and closed"
out=$(raw "POST /v1/lookup HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n1b\r\n${B}\r\n0\r\n\r\n")
like "$out" '^HTTP/1.1 501 ' "two Transfer-Encoding headers: 501"
out=$(raw "POST /v1/lookup HTTP/1.1\r\n${H}Content-Length: 27\r\nTransfer-Encoding: chunked\r\n\r\n1b\r\n${B}\r\n0\r\n\r\n")
like "$out" '^HTTP/1.1 400 ' "Content-Length and Transfer-Encoding together: 400"
out=$(raw "POST /v1/lookup HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n1b\r\n${B}\r\n0\r\n\r\n")
like "$out" '^HTTP/1.1 200 ' "plain chunked body: 200"

# --- versions ---
for v in 2.0 0.9 1.2 1.9; do
	out=$(raw "POST /v1/lookup HTTP/$v\r\n${H}Content-Length: 27\r\n\r\n${B}")
	like "$out" '^HTTP/1.1 505 ' "HTTP/$v: 505"
done
like "$(grep -o '"error":"[a-z_]*"' <<<"$out")" 'http_version_not_supported' "  ... error code"
for v in 1.0 1.1; do
	out=$(raw "POST /v1/lookup HTTP/$v\r\n${H}Content-Length: 27\r\n\r\n${B}")
	like "$out" '^HTTP/1.1 200 ' "HTTP/$v: 200"
done

# --- paths are exact: escapes are not decoded ---
for p in /v1/%6cookup /v1%2flookup /v1/lookup%00 /v1/look%75p; do
	out=$(raw "POST $p HTTP/1.1\r\n${H}Content-Length: 27\r\n\r\n${B}")
	like "$out" '^HTTP/1.1 404 ' "POST $p: 404"
done
out=$(raw "GET /v1/%68ealth HTTP/1.1\r\nHost: x\r\n\r\n")
like "$out" '^HTTP/1.1 404 ' "GET /v1/%68ealth: 404"

# --- invalid UTF-8 and control characters in station strings ---
# post_raw PATH BODY-WITH-\xNN: "CODE MESSAGE"
post_raw() {
	local body out
	body=$(printf '%b' "$2")
	out=$(printf '%s' "$body" | _broker_curl -H 'Content-Type: application/json' \
		-w ' %{http_code}' --data-binary @- "$BROKER_URL$1")
	printf '%s %s' "${out##* }" "$(jget message <<<"${out% *}")"
}
# Reports that get past the parser must carry the station's session token.
tok=$(lookup 52:54:00:00:00:01 | jget session)
end='{"mac":"52:54:00:00:00:01","event":"end","session":"'"$tok"'",'
for bad in '\xc0\x9b' '\xed\xa0\x80' '\xf4\x90\x80\x80' '\xe0\x80\xaf' '\x80' '\xf8\x88\x80\x80\x80'; do
	is "$(post_raw /v1/session "${end}\"reason\":\"a${bad}b\"}")" "400 body: not valid JSON" \
		"reason with $bad (not strict UTF-8): 400"
	is "$(post_raw /v1/login "{\"mac\":\"52:54:00:00:00:01\",\"username\":\"ann\",\"password\":\"p${bad}\"}")" \
		"400 body: not valid JSON" "password with $bad: 400"
done
for c in '\xc2\x9b' '\xc2\x85' '\xe2\x80\xa8' '\xe2\x80\xa9' '\\u009b' '\\u2028' '\\u001b'; do
	is "$(post_raw /v1/session "${end}\"reason\":\"a${c}[2Jb\"}")" \
		"400 reason: contains control characters" "reason with $c: 400"
	is "$(post_raw /v1/session "{\"mac\":\"52:54:00:00:00:01\",\"event\":\"start\",\"protocol\":\"spice\",\"host\":\"10.9.0.1\",\"port\":5900,\"user\":\"ann${c}\"}")" \
		"400 user: must be printable ASCII" "user with $c: 400"
done
is "$(post_raw /v1/session "${end}\"reason\":\"Gr\\xc3\\xbc\\xc3\\x9fe \\xe2\\x9c\\x93\"}")" "200 " \
	"reason with ordinary non-ASCII text: accepted"
! grep -q $'\xc2\x9b\|\xe2\x80\xa8\|\xc0' "$BROKER_LOG"
ok $? "none of it reached the log raw"

# --- a user name with a space stays in its column of stationctl status ---
is "$(post_raw /v1/session '{"mac":"52:54:00:00:00:01","event":"start","protocol":"spice","host":"10.9.0.1","port":5900,"user":"CORP\\\\ann smith","session":"'"$tok"'"}')" \
	"200 " "session start with user 'CORP\\ann smith' accepted"
"$CTL" --socket "$BROKER_SOCK" status >"$T/status" 2>&1
ok $? "stationctl status"
row=$(grep '^52:54:00:00:00:01 ' "$T/status")
like "$row" ' CORP\\ann\\x20smith ' "  ... shows the user escaped: CORP\\ann\\x20smith"
is "$(awk 'NR == 1 { h = NF } NR == 2 { print NF - h }' "$T/status")" 0 \
	"  ... the row has as many columns as the header"
is "$(awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "USER") c = i } NR == 2 { print $c }' "$T/status")" \
	'CORP\ann\x20smith' "  ... in the USER column"

# --- a station name with a C1 control in the stations file is refused ---
printf '[52:54:00:00:00:01]\nname = desk\xc2\x9b[2J\nhost = 10.9.0.1\nport = 5900\n' >"$T/c1.conf"
out=$(timeout 5 "$CTL" -f "$T/c1.conf" check 2>&1)
like "$out" 'c1\.conf:2: name: value has control characters' "stationctl check refuses a name with U+009B"
like "$out" 'c1\.conf' "  ... (the message is escaped: no raw CSI)"
! grep -q $'\xc2\x9b' <<<"$out"
ok $? "  ... and prints no raw U+009B"
printf '[52:54:00:00:00:01]\nname = desk\xe2\x80\xa8x\nhost = 10.9.0.1\nport = 5900\n' >"$T/ls.conf"
like "$(timeout 5 "$CTL" -f "$T/ls.conf" check 2>&1)" 'ls\.conf:2: name: value has control characters' \
	"stationctl check refuses a name with U+2028"

broker_alive
ok $? "the broker is still up"
broker_stop
ok $? "clean shutdown"

# --- the same checks guard HTTPS ---
broker_start "$S" --timeout 10 || {
	echo "Bail out! broker did not start with TLS"
	exit 1
}
# tls REQUEST: as raw, over TLS (openssl s_client), what comes back in 3 s.
tls() {
	{
		printf '%b' "$1"
		sleep 3
	} | timeout 5 openssl s_client -quiet -connect "127.0.0.1:${BROKER_URL##*:}" \
		-CAfile "$BROKER_CA" 2>/dev/null | tr -d '\r'
}
out=$(tls "POST /v1/lookup HTTP/1.1\r\n${H}Content-Length: 27\r\nContent-Length: 60\r\n\r\n${B}GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
like "$out" '^HTTP/1.1 400 ' "HTTPS, two Content-Length headers: 400"
is "$(grep -o 'HTTP/1\.[01] [0-9][0-9][0-9]' <<<"$out" | wc -l)" 1 "  ... and the smuggled request is not answered"
like "$(tls "POST /v1/lookup HTTP/1.9\r\n${H}Content-Length: 27\r\n\r\n${B}")" '^HTTP/1.1 505 ' \
	"HTTPS, HTTP/1.9: 505"
like "$(tls "POST /v1/lookup HTTP/1.1\r\n${H}Transfer-Encoding: xchunked\r\n\r\n")" '^HTTP/1.1 501 ' \
	"HTTPS, Transfer-Encoding: xchunked: 501"
like "$(tls "POST /v1/%6cookup HTTP/1.1\r\n${H}Content-Length: 27\r\n\r\n${B}")" '^HTTP/1.1 404 ' \
	"HTTPS, /v1/%6cookup: 404"
broker_stop
ok $? "clean shutdown (HTTPS)"
done_testing
