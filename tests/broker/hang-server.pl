#!/usr/bin/perl
# An HTTP server that never answers: it accepts every connection on
# 127.0.0.1 and holds it, reading whatever comes, until the client gives up.
# It is the broker's fetch target in tests of hanging connection URLs, and
# the independent witness of how the broker fetched: it writes
# "accepted=N open=N max_open=N paths=P1,P2,..." to STATSFILE after every
# change, counted here, not by the broker.
# Usage: hang-server.pl PORTFILE STATSFILE
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($portfile, $statsfile) = @ARGV;
my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0, Listen => 512,
			      ReuseAddr => 1) or die "listen: $!";
my $sel = IO::Select->new($l);
my ($accepted, $max) = (0, 0);
my (%buf, %paths);

sub stats {
	my $open = $sel->count - 1;
	$max = $open if $open > $max;
	open(my $f, '>', "$statsfile.tmp") or die;
	printf {$f} "accepted=%d open=%d max_open=%d paths=%s\n", $accepted, $open, $max,
	    join(',', sort keys %paths);
	close $f;
	rename "$statsfile.tmp", $statsfile;
}

stats();
open(my $pf, '>', "$portfile.tmp") or die;
print {$pf} $l->sockport, "\n";
close $pf;
rename "$portfile.tmp", $portfile;
for (;;) {
	for my $s ($sel->can_read) {
		if ($s == $l) {
			my $c = $l->accept or next;
			$accepted++;
			$sel->add($c);
			$buf{$c} = '';
			stats();
			next;
		}
		my $n = sysread($s, my $data, 4096);
		if (!$n) {
			$sel->remove($s);
			delete $buf{$s};
			close $s;
			stats();
			next;
		}
		$buf{$s} .= $data;
		if ($buf{$s} =~ m{^[A-Z]+ (\S+) HTTP} && !$paths{$1}) {
			$paths{$1} = 1;
			stats();
		}
	}
}
