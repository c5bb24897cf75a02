#!/usr/bin/perl
# One slow client: sends TEXT to 127.0.0.1:PORT one byte every INTERVAL
# seconds (then keeps the connection open, silent) and prints how many
# seconds passed until the server closed the connection, and what it
# answered if anything ("closed_after=S answered=STATUS|none").
# Usage: drip-one.pl PORT INTERVAL MAXSECONDS TEXT
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time);

my ($port, $interval, $max, $text) = @ARGV;
$text =~ s/\\r/\r/g;
$text =~ s/\\n/\n/g;
my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port) or die "connect: $!";
my $sel = IO::Select->new($s);
my $t0 = time;
my ($i, $in) = (0, '');
while (time - $t0 < $max) {
	if ($i < length $text) {
		last unless defined syswrite($s, substr($text, $i++, 1));
	}
	if ($sel->can_read($interval)) {
		my $n = sysread($s, my $buf, 4096);
		last unless $n;
		$in .= $buf;
	}
}
my $status = $in =~ m{^HTTP/1\.\d (\d+)} ? $1 : 'none';
printf "closed_after=%.1f answered=%s\n", time - $t0, $status;
