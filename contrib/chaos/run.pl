#!/usr/bin/perl

# A bounded chaos soak (a benchmark, not a test): two MariaDB servers
# behind obproxy with two workers, sysbench oltp_read_write through the
# proxy and four writers that record every acknowledged COMMIT, while
# faults come one at a time at random (seeded) times: a server stopped
# (SIGSTOP), killed and restarted, blackholed, slowed, reset, or an
# obproxy worker killed (the master forks another).  At the end it reads
# the servers and prints, per kind of fault, the client errors, the time
# to recover and the acknowledged commits lost or doubled (must be 0 / 0).
#
# Everything runs in a network namespace made for the run (t/faults.t's,
# from Test::OBProxy::Faults), removed at the end, on Ctrl-C too.  Root.
#
#   CHAOS_TIME=600     seconds of faults
#   CHAOS_SEED=        random seed (printed; the same seed, the same faults)
#   CHAOS_THREADS=8    sysbench threads
#   CHAOS_KEEP=1       keep the run's directory (logs, sysbench output)
#
# Time to recover: from the lifting of a fault (its injection for a killed
# worker) to the start of the first 3 s in which the writers together
# commit at least half their rate of the warm-up (the 10 s before the
# first fault) and no client (writer or sysbench thread, whose errors are
# dated to the second) meets an error, sliding by 0.1 s; "> N" when that
# did not come before the next fault, N seconds after the lifting.  A
# fault's client errors are those from its injection to the next fault's
# (to the end of the load for the last one).

use warnings;
use strict;

use Cwd qw/abs_path/;
use FindBin;
use POSIX qw/WNOHANG _exit/;
use Time::HiRes qw/time sleep/;

my $top;
BEGIN { $top = abs_path("$FindBin::Bin/../..") }
use lib "$top/t/lib";
use Test::OBProxy::Faults;

$| = 1;          # each fault as it comes, into a file too
my $F = 'Test::OBProxy::Faults';
my %opt = (time => $ENV{CHAOS_TIME} // 600, threads =>
	$ENV{CHAOS_THREADS} // 8, seed => $ENV{CHAOS_SEED}
	// int(rand(1_000_000)));
for (qw/time threads seed/) {
	die "chaos: CHAOS_\U$_\E must be a number\n" unless $opt{$_} =~ /^\d+$/;
}
die "chaos: CHAOS_THREADS from 1 to 64\n"
	unless $opt{threads} >= 1 && $opt{threads} <= 64;
die "chaos: CHAOS_TIME from 30 to 86400 s\n"
	unless $opt{time} >= 30 && $opt{time} <= 86400;
$ENV{CHAOS_SEED} = $opt{seed};          # the same inside the namespace

for my $b (qw/obproxy obproxyctl/) {
	my $var = $b eq 'obproxy' ? 'TEST_OBPROXY_BINARY'
		: 'TEST_OBPROXYCTL_BINARY';
	($ENV{$var}) = grep { -x } "$top/_build/dev/master/$b",
		"$top/master/$b" unless $ENV{$var};
	die "chaos: no $b built (make, or set $var)\n" unless $ENV{$var};
}
my ($rc, $why) = $F->in_namespace("$FindBin::Bin/$FindBin::Script");
die "chaos: cannot inject faults here: $why\n" if $why;
exit($rc) if defined $rc;

###############################################################################
# Inside the namespace.

for my $p (qw/sysbench mariadbd mariadb-install-db/) {
	die "chaos: $p not found\n"
		if system("command -v $p >/dev/null 2>&1");
}
die "chaos: Perl's DBD::MariaDB is missing\n"
	unless eval { require DBD::MariaDB; 1 };
require Test::OBProxy;
$ENV{TEST_OBPROXY_LEAVE} = 1 if $ENV{CHAOS_KEEP};

my $WRITERS = 4;        # even ones go on after an error
my $WARMUP = 10;        # s of load before the first fault
my $TABLES = 4;         # sysbench's, of 10000 rows, on each server
my @KINDS = qw/sigstop sigkill blackhole slow reset worker/;

print "chaos: seed $opt{seed}, $opt{time} s of faults, $opt{threads}"
	. " sysbench threads\n";

my $t = Test::OBProxy->new();
my $dir = $t->testdir();
my $stop = "$dir/chaos.stop";
my (@kids, $f);
my $main = $$;
END {
	if (defined $main && $$ == $main) {
		kill 'KILL', grep { waitpid($_, WNOHANG) == 0 } @kids;
		$f->clear() if $f;
	}
}

# A killed server keeps what it acknowledged (the log reaches the OS).  A
# server never hears of the sessions the proxy closed during a partition:
# those idle in a transaction release their locks after wait_timeout, as
# TCP keepalive would end them in production.
$t->mariadbd_options('--innodb-flush-log-at-trx-commit=2',
	'--wait-timeout=15')->run_mariadb(2);
$F->write_conf($t)->run();

my @sb = ('sysbench', 'oltp_read_write', '--db-driver=mysql',
	'--mysql-host=127.0.0.1', '--mysql-user=' . $t->user(),
	'--mysql-password=' . $t->password(), '--mysql-db=test',
	"--tables=$TABLES", '--table-size=10000');
for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n) or die "server $n: "
		. $t->dbi_error() . "\n";
	$F->create_table($d) or die $d->errstr . "\n";
	my ($rc, $out) = $t->run_cmd([ @sb, '--mysql-port='
		. $t->server_port($n), "--threads=$TABLES", 'prepare' ],
		timeout => 300);
	die "sysbench prepare on server $n failed:\n$out" if $rc;
}

# The load.
my $total = $WARMUP + $opt{time};
push @kids, map { $F->writer($t, $_, stop => $stop, until => $total + 60,
	careless => $_ % 2 == 0, log_connect => 1) } 1 .. $WRITERS;
my $sbpid = fork() // die "fork: $!\n";
if ($sbpid == 0) {
	chdir $dir and open(STDOUT, '>', "$dir/sysbench.out")
		and open(STDERR, '>&', \*STDOUT)
		and exec(@sb[0, 2 .. $#sb], "$FindBin::Bin/oltp.lua",
		'--mysql-port=' . $t->port(2883), "--threads=$opt{threads}",
		"--time=$total", '--report-interval=1', 'run');
	_exit(127);
}
push @kids, $sbpid;
my $t0 = $t->waitfor(sub { ($t->read_file('sysbench.out') // '')
	=~ /^Threads started!/m ? time() : 0 }, 60)
	or die "sysbench did not start:\n" . ($t->read_file('sysbench.out')
	// '');
my $start = $t0 + $WARMUP;
my $end = $start + $opt{time};

# The faults: each kind once in every round of six, in a random order;
# each lasts 2 to 6 s (a killed server stays down 1 to 4 s), and the next
# comes 8 to 16 s after one is lifted.
$f = $F->new($t);
my (@faults, @bag);
my %inject = (
	sigstop => sub { $f->stop($_[0]) },
	sigkill => sub { $f->kill_server($_[0]) },
	blackhole => sub { $f->blackhole($_[0]) },
	slow => sub { $f->slow($_[0]) },
	reset => sub { $f->reset($_[0]) },
	worker => sub { kill 'KILL', $_[0] },
);
my %lift = (
	sigstop => sub { $f->cont($_[0]) },
	sigkill => sub { $f->restart($_[0]) },
	worker => sub { 1 },
);
# Fisher-Yates with the seeded rand.
sub shuffled {
	my @a = @_;
	for my $i (reverse 1 .. $#a) {
		my $j = int rand($i + 1);
		@a[$i, $j] = @a[$j, $i];
	}
	return @a;
}

# The faults depend on the seed alone (the setup used rand too).
srand($opt{seed});
sleep($start - time()) if $start > time();
my $next = time();
for (1 .. 100_000) {
	my $secs = 2 + rand(4);
	last if $next + $secs + 8 > $end;
	sleep($next - time()) if $next > time();
	@bag = shuffled(@KINDS) unless @bag;
	my $kind = shift @bag;
	my @workers = $t->workers();
	my $target = $kind eq 'worker' ? $workers[int rand @workers]
		: 1 + int rand 2;
	unless ($target) {     # a worker being forked again
		sleep 0.5;
		next;
	}
	$secs = 1 + rand(3) if $kind eq 'sigkill';
	$secs = 0 if $kind eq 'worker';
	my $fault = { kind => $kind, target => $target, at => time() };
	$inject{$kind}->($target);
	sleep $secs;
	($lift{$kind} // sub { $f->clear() })->($target);
	$fault->{lifted} = time();
	printf "+%6.1f s  %-9s %s, lifted after %.1f s\n", $fault->{at}
		- $start, $kind, $kind eq 'worker' ? "worker $target"
		: "server $target", $fault->{lifted} - $fault->{at};
	push @faults, $fault;
	$next = $fault->{lifted} + 8 + rand(8);
}
sleep($end - time()) if $end > time();

# The end: the load stops, the servers are read.
my $load_end = time();
my $killed = $F->stop_clients($stop, 30, grep { $_ != $sbpid } @kids);
my $sbgone = $t->waitfor(sub { waitpid($sbpid, WNOHANG) != 0 }, 60);
kill 'KILL', $sbpid unless $sbgone;
waitpid($sbpid, 0) unless $sbgone;
@kids = ();
print "chaos: $killed writers had to be killed\n" if $killed;
print "chaos: sysbench had to be killed\n" unless $sbgone;

# Client errors: [ time, code ] of the writers' and sysbench's.
my (%acked, @acks, @errs);
for my $w (1 .. $WRITERS) {
	for ($F->writer_log($t, $w)) {
		my ($kind, $seq, $at, $code) = @$_;
		if ($kind eq 'ack') {
			$acked{"$w $seq"} = $at;
			push @acks, $at;
		} else {
			push @errs, [ $at, $code ];
		}
	}
}
@acks = sort { $a <=> $b } @acks;
my ($sec, @pending, $sbtotal) = (0);
for (split /\n/, $t->read_file('sysbench.out') // '') {
	if (/^\[ (\d+)s \]/) {
		$sec = $1;
		push @errs, map { [ $t0 + $sec, $_ ] } @pending;
		@pending = ();
	} elsif (/^chaos-error (\w+)/) {
		push @pending, $1;
		$sbtotal++;
	}
}
push @errs, map { [ $t0 + $sec + 1, $_ ] } @pending;

my ($lost, $dup, $half, $unread) = $F->check($t, [ 1, 2 ], \%acked);
$t->stop();

###############################################################################
# The table.

# Commits in [a, b).
sub acks_in { return first_at($_[1]) - first_at($_[0]) }

# The index of the first commit at or after <at> in @acks.
sub first_at {
	my ($at) = @_;
	my ($lo, $hi) = (0, scalar @acks);
	while ($lo < $hi) {
		my $mid = int(($lo + $hi) / 2);
		if ($acks[$mid] < $at) { $lo = $mid + 1 } else { $hi = $mid }
	}
	return $lo;
}

# Client errors in [a, b).
my @errat = sort { $a <=> $b } map { $_->[0] } @errs;
sub errs_in { return scalar grep { $_ >= $_[0] && $_ < $_[1] } @errat }

# Recovered at the start of the first 3 s in which the writers commit at
# least half their warm-up rate and no client meets an error.
my $base = acks_in($start - $WARMUP + 2, $start) / ($WARMUP - 2);
for my $i (0 .. $#faults) {
	my $fa = $faults[$i];
	my $until = $i < $#faults ? $faults[$i + 1]{at} : $load_end;
	$fa->{until} = $until;
	for (my $s = $fa->{lifted}; $s + 3 <= $until; $s += 0.1) {
		next if acks_in($s, $s + 3) < $base * 3 / 2
			|| errs_in($s, $s + 3);
		$fa->{recover} = $s - $fa->{lifted};
		last;
	}
	$fa->{bound} = $until - $fa->{lifted};
}

# The fault a time falls in (from its injection to the next one's).
sub fault_at {
	my ($at) = @_;
	my ($in) = grep { $at >= $_->{at} && $at < $_->{until} } @faults;
	return $in ? $in->{kind} : 'no fault';
}

my (%row, %total);
for my $fa (@faults) {
	my $r = $row{$fa->{kind}} //= {};
	$r->{count}++;
	push @{$r->{rec}}, $fa->{recover} // 1e9 + $fa->{bound};
}
for (@errs) {
	my $k = fault_at($_->[0]);
	$row{$k}{errs}{$_->[1]}++;
	$total{errs}{$_->[1]}++;
}
for (@$lost) {
	$row{fault_at($acked{$_})}{lost}++;
	$total{lost}++;
}
for (@$dup) {
	my ($w, $seq) = split m{/};
	$row{fault_at($acked{"$w $seq"} // 0)}{dup}++;
	$total{dup}++;
}

sub codes {
	my ($e) = @_;
	my @c = sort { $e->{$b} <=> $e->{$a} || $a cmp $b } keys %{$e // {}};
	splice @c, 3 if @c > 3;
	return join ' ', map { "${_}x$e->{$_}" } @c;
}

sub sum { my $s = 0; $s += $_ for values %{$_[0] // {}}; return $s }

sub secs {
	my ($v) = @_;
	return '-' unless defined $v;
	return sprintf '> %.0f', $v - 1e9 if $v >= 1e9;
	return sprintf '%.1f', $v;
}

printf "\nchaos: seed %d, %d s, %d faults, %d sysbench threads, %d "
	. "writers at %.1f commits/s before the faults (netem %s)\n",
	$opt{seed}, $opt{time}, scalar @faults, $opt{threads}, $WRITERS,
	$base, $f->netem() ? 'delay 200 ms' : 'absent: htb 512 kbit/s';
my $fmt = "%-10s %5s %7s  %-28s %8s %8s %5s %7s\n";
printf $fmt, 'fault', 'count', 'errors', 'top codes', 'rec p50',
	'rec max', 'lost', 'doubled';
for my $k (@KINDS, 'no fault') {
	my $r = $row{$k} or next;
	my @rec = sort { $a <=> $b } @{$r->{rec} // []};
	printf $fmt, $k, $r->{count} // 0, sum($r->{errs}), codes($r->{errs})
		|| '-', @rec ? secs($rec[$#rec / 2]) : '-',
		@rec ? secs($rec[-1]) : '-', $r->{lost} // 0, $r->{dup} // 0;
}
printf $fmt, 'total', scalar @faults, sum($total{errs}),
	codes($total{errs}) || '-', '', '', $total{lost} // 0,
	$total{dup} // 0;
printf "acknowledged commits %d, half transactions %d, sysbench errors "
	. "%d%s\n", scalar @acks, scalar @$half, $sbtotal // 0,
	$unread ? ", $unread servers unreadable" : '';
print "kept: $dir\n" if $ENV{CHAOS_KEEP};
exit(@$lost || @$dup || @$half || $unread ? 1 : 0);
