#!/usr/bin/perl
# Times lookups the way a station makes them: a fresh connection from
# 127.0.0.1 for each POST /v1/lookup, one after the other, for SECONDS.
# Prints "count failed rate_per_s p99_ms". A lookup that is refused, times
# out (2 s) or is not answered 200 counts as failed.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time);

my ($port, $secs, $mac) = @ARGV;
my $body = qq({"mac":"$mac","version":"test"});
my $req = "POST /v1/lookup HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
my (@lat, $failed);
$failed = 0;
my $end = time + $secs;
while (time < $end) {
	my $t0 = time;
	my $ok = 0;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
				      LocalAddr => '127.0.0.1', Timeout => 2);
	if ($s) {
		$s->timeout(2);
		my $in = '';
		local $SIG{ALRM} = sub { die "timeout\n" };
		eval {
			alarm 2;
			print {$s} $req;
			while (sysread($s, my $buf, 4096)) { $in .= $buf; }
			alarm 0;
		};
		alarm 0;
		$ok = $in =~ m{^HTTP/1\.1 200 } && $in =~ /"status":"ready"/;
		close $s;
	}
	if ($ok) { push @lat, (time - $t0) * 1000; } else { $failed++; select(undef, undef, undef, 0.01); }
}
@lat = sort { $a <=> $b } @lat;
my $p99 = @lat ? $lat[int(0.99 * $#lat)] : 9999;
printf "%d %d %.1f %.1f\n", scalar(@lat), $failed, @lat / $secs, $p99;
