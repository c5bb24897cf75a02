#!/usr/bin/perl
# The forger: from 127.0.0.2, sends COUNT session starts with made-up MACs
# over CONNS kept-alive connections (at most SECONDS long), each claiming a
# desktop at rdp://evil.example.org, without the session token that only a
# station given a desktop has. Prints "sent ok limited refused other" (200,
# 429, 403, anything else).
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time);

my ($port, $count, $conns, $secs) = @ARGV;
my %n = (ok => 0, limited => 0, refused => 0, other => 0);
my $sent = 0;
my $end = time + $secs;

sub one_report {
	my $s = shift;
	my $mac = join(':', '02', map { sprintf '%02x', int(rand(256)) } 1 .. 5);
	my $body = qq({"mac":"$mac","event":"start","protocol":"rdp","host":"evil.example.org","port":3389});
	print {$s} "POST /v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
	    . "Content-Length: " . length($body) . "\r\n\r\n$body" or return 0;
	my $head = '';
	while ($head !~ /\r\n\r\n/) {
		my $r = sysread($s, my $buf, 1) or return 0;
		$head .= $buf;
	}
	my ($code) = $head =~ m{^HTTP/1\.1 (\d+)};
	my ($len) = $head =~ /Content-Length: (\d+)/i;
	my $got = 0;
	while ($got < ($len // 0)) {
		my $r = sysread($s, my $buf, $len - $got) or return 0;
		$got += $r;
	}
	$code //= 0;
	$n{$code == 200 ? 'ok' : $code == 429 ? 'limited' : $code == 403 ? 'refused' : 'other'}++;
	return 1;
}

my @s;
while ($sent < $count && time < $end) {
	for my $i (0 .. $conns - 1) {
		last if $sent >= $count;
		$s[$i] //= IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
						 LocalAddr => '127.0.0.2', Timeout => 2);
		next unless $s[$i];
		$sent++;
		if (!one_report($s[$i])) {
			close $s[$i];
			$s[$i] = undef;
		}
	}
}
print "$sent $n{ok} $n{limited} $n{refused} $n{other}\n";
