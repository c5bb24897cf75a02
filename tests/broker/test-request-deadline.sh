#!/bin/bash
# A client that trickles its request. The idle time-out counts only
# silence, so a client sending a byte a second keeps a connection as long as
# it likes; the request deadline closes a connection whose request has not
# wholly arrived in --request-timeout seconds, in the head or in the body.
# A request that arrives in time is answered, on a fresh connection and on a
# kept-alive one whose earlier answer restarted the clock.
#
# Proof, from the client's side: when the broker closed the socket (timed
# by the client), and the status it answered, if any.
# shellcheck source=tests/lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# shellcheck source=tests/lib/broker.sh
. "$(dirname "$0")/../lib/broker.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
S=$T/stations.conf
printf '[52:54:00:00:00:01]\nname = desk\nhost = 10.9.0.1\nport = 5900\n' >"$S"

BROKER_HTTP=1 broker_start "$S" --timeout 15 --request-timeout 3 || {
	echo "Bail out! broker did not start"
	exit 1
}
PORT=${BROKER_URL##*:}
BODY='{"mac":"52:54:00:00:00:01","version":"test"}'
HEAD="POST /v1/lookup HTTP/1.1\\r\\nHost: x\\r\\nContent-Length: ${#BODY}\\r\\n\\r\\n"

# drip INTERVAL MAX TEXT: "closed_after=S answered=STATUS|none"
drip() { perl "$HERE/drip-one.pl" "$PORT" "$@"; }
# seconds SEC: true when 3 <= SEC <= 6 (the deadline, swept once a second).
in_window() { perl -e 'exit !($ARGV[0] >= 3 && $ARGV[0] <= 6)' "$1"; }

r=$(drip 0.5 20 "POST /v1/lookup HTTP/1.1\\r\\nHost: a-very-long-host-name.example.org\\r\\n")
diag "head trickled a byte every 0.5 s: $r"
s=$(sed -n 's/.*closed_after=\([0-9.]*\).*/\1/p' <<<"$r")
in_window "$s"
ok $? "a trickled head is cut off at the deadline (after $s s, not at the 15 s idle time-out)"
like "$r" 'answered=none' "and gets no answer"

r=$(drip 0.5 20 "$HEAD$BODY")
diag "body trickled a byte every 0.5 s: $r"
s=$(sed -n 's/.*closed_after=\([0-9.]*\).*/\1/p' <<<"$r")
in_window "$s"
ok $? "a trickled body is cut off at the deadline (after $s s)"

r=$(drip 0.02 20 "$HEAD$BODY")
diag "the same request sent within the deadline: $r"
like "$r" 'answered=200' "a request sent within the deadline is answered"

# Kept alive: the clock restarts after each answer. Three requests on one
# connection, each begun 0.5 s after the previous answer and sent over
# 1.5 s: 6 s from the connection's opening, 2 s for each request.
r=$(perl -MIO::Socket::INET -MTime::HiRes=sleep -e '
	my ($port, $req) = @ARGV;
	$SIG{PIPE} = "IGNORE";
	$req =~ s/\\r/\r/g; $req =~ s/\\n/\n/g;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $port) or die;
	my @got;
	for (1 .. 3) {
		sleep 0.5;
		for my $c (split //, $req) { syswrite($s, $c); sleep 1.5 / length $req; }
		my $n = sysread($s, my $in, 65536);
		push @got, ($n && $in =~ m{^HTTP/1\.1 (\d+)}) ? $1 : "none";
	}
	print "@got\n";
' "$PORT" "$HEAD$BODY")
diag "kept-alive connection, three slow requests: $r"
is "$r" "200 200 200" "each request on a kept-alive connection has its own deadline"

closed=$(admin_get /v1/admin/health | jget deadline_closed)
# The two trickles, and the kept-alive connection left idle after its
# answer (a next request that never came).
is "$closed" 3 "admin health counts the connections closed at the deadline"
lookup_code 52:54:00:00:00:01 >"$T/code"
is "$(cat "$T/code")" 200 "the broker still answers"
broker_stop
ok $? "broker stops cleanly"
done_testing
