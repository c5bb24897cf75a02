#!/usr/bin/perl
# A flood of failed logins: WORKERS processes, each from its own source
# address 127.0.N.1 (so that no single address is blocked soon), each
# sending POST /v1/login with a new user name and a wrong password, a fresh
# connection every time, at RATE logins per second in all, for SECONDS.
# Prints "sent=N 401=N 429=N other=N" from the answers received.
# Usage: flood-logins.pl PORT WORKERS RATE SECONDS
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my ($port, $workers, $rate, $secs) = @ARGV;
my $gap = $workers / $rate;
my @pids;
pipe(my $r, my $w) or die;
for my $n (1 .. $workers) {
	my $pid = fork // die;
	if (!$pid) {
		close $r;
		my %c = (sent => 0, 401 => 0, 429 => 0, other => 0);
		my $end = time + $secs;
		my $i = 0;
		while (time < $end) {
			my $t0 = time;
			$i++;
			my $mac = sprintf '52:54:01:%02x:%02x:%02x', $n, $i / 256 % 256, $i % 256;
			my $body = qq({"mac":"$mac","username":"guess$n-$i","password":"wrong-$i"});
			my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
						      LocalAddr => "127.0.$n.1", Timeout => 5);
			if ($s) {
				print {$s} "POST /v1/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
				    . "Content-Length: " . length($body) . "\r\nConnection: close\r\n\r\n$body";
				my $in = '';
				while (sysread($s, my $buf, 4096)) { $in .= $buf; }
				close $s;
				$c{sent}++;
				my $st = $in =~ m{^HTTP/1\.1 (\d+)} ? $1 : 0;
				$c{exists $c{$st} ? $st : 'other'}++;
			}
			my $left = $gap - (time - $t0);
			sleep $left if $left > 0;
		}
		print {$w} join(' ', map { "$_=$c{$_}" } qw(sent 401 429 other)), "\n";
		exit 0;
	}
	push @pids, $pid;
}
close $w;
my %sum;
while (my $line = <$r>) {
	for (split ' ', $line) { my ($k, $v) = split /=/; $sum{$k} += $v; }
}
waitpid $_, 0 for @pids;
print join(' ', map { "$_=" . ($sum{$_} // 0) } qw(sent 401 429 other)), "\n";
