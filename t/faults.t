#!/usr/bin/perl

# Fault tests under load, in a network namespace the test makes (the
# test runs itself again inside it, so the servers, the proxy, the
# clients and every rule live and die there): four writers commit
# two-row transactions through the proxy and record each acknowledged
# COMMIT (two of them go on with the transaction's next statements
# after an error, as a careless application does: a server session lost
# in a transaction must not be replaced under them), a reader checks
# that every result it gets is whole, and the server that takes every
# new session (the first of rootservice_list) is, in turn, stopped
# (SIGSTOP), blackholed (nft drop), slowed (an htb class of 512 kbit/s,
# netem's 200 ms delay where the kernel has netem, 5% loss by nft),
# reset (nft reject with tcp reset, in the
# middle of results), and killed (SIGKILL) and restarted.  Afterwards,
# read straight from both servers: no acknowledged transaction lost,
# none doubled, none committed by half, no short result passed as
# whole, and each writer stalled no longer than the bounds allow
# (server_query_timeout 1 s + observer_query_timeout_delta 1 s, then
# connect_server_timeout 1 s to pass the server over).  Skipped when
# namespaces, nft or tc cannot be used here.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Faults;

# Outside the namespace: make it, run this file inside it, remove it.
{
	my ($rc, $why) = Test::OBProxy::Faults->in_namespace(
		"$FindBin::Bin/$FindBin::Script");
	plan(skip_all => "no fault injection here: $why") if $why;
	exit($rc) if defined $rc;
}

my $WRITERS = 4;     # even ones go on after an error
my $ROWS = 3000;        # the reader's table

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(9);
# a killed server keeps what it acknowledged (the log reaches the OS)
$t->mariadbd_options('--innodb-flush-log-at-trx-commit=2')->run_mariadb(2);
Test::OBProxy::Faults->write_conf($t, "server_session_pool_size: 0\n")
	->run();

for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n) or die "server $n: "
		. $t->dbi_error();
	Test::OBProxy::Faults->create_table($d) or die $d->errstr;
	$d->do('CREATE TABLE big (id INT PRIMARY KEY)') or die $d->errstr;
	$d->do('INSERT INTO big SELECT seq FROM seq_1_to_' . $ROWS)
		or die $d->errstr;
	$d->disconnect();
}

my $dir = $t->testdir();
my $stop = "$dir/faults.stop";

my @kids = map { Test::OBProxy::Faults->writer($t, $_, stop => $stop,
	careless => $_ % 2 == 0) } 1 .. $WRITERS;
push @kids, Test::OBProxy::Faults->client($t, 'reader', sub {
	my ($dbh, $fh) = @_;
	my $rows = $dbh->selectall_arrayref('SELECT id FROM big');
	printf $fh "%s %d %.3f %s\n", !$rows ? 'err' : @$rows == $ROWS
		? 'whole' : 'short', $rows ? scalar @$rows : 0, time(),
		$rows ? '' : ($dbh->err // '') . ' ' . ($dbh->errstr // '');
	return $rows;
}, stop => $stop);

# The faults, each on server 1 for a few seconds under load.
my $f = Test::OBProxy::Faults->new($t);
my @phases = (
	[ 'SIGSTOP 4 s', sub { $f->stop(1) }, 4, sub { $f->cont(1) } ],
	[ 'blackhole 4 s', sub { $f->blackhole(1) }, 4, sub { $f->clear() } ],
	[ 'slowed 3 s', sub { $f->slow(1) }, 3, sub { $f->clear() } ],
	[ 'reset 1 s', sub { $f->reset(1) }, 1, sub { $f->clear() } ],
	[ 'SIGKILL, restart', sub { $f->kill_server(1) }, 1,
		sub { $f->restart(1) } ],
);
END { $f->clear() if $f }

sleep 2;
my @marks;
for my $p (@phases) {
	my ($name, $on, $secs, $off) = @$p;
	push @marks, [ $name, time() ];
	$on->();
	sleep $secs;
	$off->();
	sleep 2;
}
my $last_fault = time();
sleep 2;
ok(!Test::OBProxy::Faults->stop_clients($stop, 30, @kids),
	'every client stopped');

# What the clients saw.
my (%acked, %errs, $acks, $after);
my $gap = 0;
for my $w (1 .. $WRITERS) {
	my $prev;
	for (Test::OBProxy::Faults->writer_log($t, $w)) {
		my ($kind, $seq, $at, $code) = @$_;
		if ($kind eq 'ack') {
			$acked{"$w $seq"} = 1;
			$acks++;
			$after++ if $at > $last_fault;
			$gap = $at - $prev if defined $prev && $at - $prev > $gap;
			$prev = $at;
		} else {
			$errs{$code}++;
		}
	}
}
my $reads = $t->read_file('reader.out') // '';
my $whole = () = $reads =~ /^whole /mg;
my $short = () = $reads =~ /^short /mg;
diag(sprintf('%d acknowledged commits, errors by code: %s; reader: %d '
	. 'whole results, %d short; longest wait between two commits of '
	. 'a writer: %.1f s', $acks // 0, join(', ', map { "$_ x$errs{$_}" }
	sort keys %errs) || 'none', $whole, $short, $gap));
ok(($acks // 0) > 50, 'the writers committed under the faults');
ok(($after // 0) > 0, '  and after the last one');
ok(keys %errs, '  the faults reached them (errors seen)');
ok($gap < 7, '  no writer waited 7 s for a commit') or diag("$gap s");
is($short, 0, 'no short result passed as whole');

# What the servers hold.
my ($lost, $dup, $half) = Test::OBProxy::Faults->check($t, [ 1, 2 ],
	\%acked);
is("@$lost", '', 'no acknowledged transaction lost');
is("@$dup", '', 'none doubled');
is("@$half", '', 'none committed by half');
diag(join '; ', map { "$_->[0] at +" . sprintf('%.1f s', $_->[1]
	- $marks[0][1]) } @marks) unless Test::More->builder->is_passing;

$t->stop();
