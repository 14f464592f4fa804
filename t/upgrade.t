#!/usr/bin/perl

# Tests for the hot upgrade, under load all along: a client that
# connects, queries and disconnects in a loop, and a long-lived
# DBD::MariaDB connection running transactions, which reconnects only
# when the proxy closed it at a transaction boundary (its BEGIN finds the
# connection gone).  Five upgrades in a row to the same binary (obproxyctl
# upgrade, commit), then rollbacks: by hand, on a configuration the new
# master refuses, to a binary that exits at once, on a crashed new
# worker; WINCH; and a binary whose segment layout differs (a fresh
# segment).  At the end: no failed connect, no failed
# statement inside a transaction, every committed row in the table.

use warnings;
use strict;

use Test::More;
use POSIX qw/_exit/;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)
	->plan(45)->run_mariadb(1);

$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
hot_upgrade_exit_timeout: 5s
hot_upgrade_rollback_timeout: 30s
EOF

my $dir = $t->testdir();
my $setup = $t->direct_dbh();
$setup->do('CREATE TABLE test.upg (id INT AUTO_INCREMENT PRIMARY KEY, '
	. 'tx INT NOT NULL)') or die $setup->errstr();

my $stop = "$dir/load.stop";
my $pause = "$dir/load.pause";
my $dbh;
my @load = (load('connect', \&connect_loop), load('trx', \&trx_loop));
sleep 0.5;

# Five upgrades in a row, each answered once the new master serves.

my $ok = 0;
for my $i (1 .. 5) {
	my $old = $t->pid();
	my ($rc, $out) = $t->ctl('upgrade');
	my $st = $t->status();
	my ($rc2) = $t->ctl('commit');
	my $new = $t->follow_upgrade(15);
	$ok++ if $rc == 0 && $rc2 == 0 && $new && $new != $old
		&& ($st->{generations} // '') eq '2';
	diag("upgrade $i: $rc $out, commit $rc2, new master "
		. ($new || 'none')) unless $rc == 0 && $new;
	sleep 0.3;
}
is($ok, 5, 'five upgrades: each one served, then committed');
ok(!-e "$dir/run/obproxy.pid.oldbin", 'no obproxy.pid.oldbin once done');
my $st = $t->status();
is($st->{generations}, 1, 'status: one generation after the commits');
like($st->{upgrade} // '', qr/^done: upgraded from version/,
	'status: the last upgrade is done');
like($t->log(), qr/keeping the shared segment \(route cache/,
	'log: the segment was kept');

# While both run: the old master renamed its pid file, status shows both.

my $before = $t->pid();
my ($rc, $out) = $t->ctl('upgrade');
is($rc, 0, 'upgrade: exit 0') or diag($out);
like($out, qr/^ok: pid \d+ \(version [^)]+\) serves, pid $before drains/m,
	'upgrade: answered once the new master serves');
is($t->read_file('run/obproxy.pid.oldbin'), "$before\n",
	'the old master holds obproxy.pid.oldbin');
my ($newpid) = ($t->read_file('run/obproxy.pid') // '') =~ /^(\d+)/;
isnt($newpid // $before, $before, 'the new master holds obproxy.pid');
$st = $t->status();
like($st->{text}, qr/^generation new: pid $newpid, version \S+, serving$/m,
	'status: the new generation');
like($st->{text}, qr/^generation old: pid $before, version \S+, draining$/m,
	'status: the old generation');

# rollback by hand (through the new master)

($rc, $out) = $t->ctl('rollback');
is($rc, 0, 'rollback: exit 0') or diag($out);
ok($t->waitfor(sub { !Test::OBProxy::alive($newpid) }, 10),
	'rollback: the new master exits');
ok($t->waitfor(sub { ($t->read_file('run/obproxy.pid') // '')
	eq "$before\n" }, 5), 'rollback: the pid file names the old master');
ok($t->waitfor(sub { ($t->status()->{upgrade} // '') =~ /rolled back by hand/
	}, 5), 'rollback: status says so');
ok($t->waitfor(sub { grep({ $_->{state} eq 'running' }
	values %{$t->status()->{worker} // {}}) == 2 }, 5),
	'rollback: the old generation accepts again');
ok(!-e "$dir/run/obproxy.pid.oldbin", 'rollback: no oldbin pid file');

# A configuration the new master refuses: rolled back, its reason shown.

my $conf = $t->read_file('obproxy.yaml');
$t->write_file('obproxy.yaml', $conf . "no_such_param: 1\n");
($rc, $out) = $t->ctl('upgrade');
$t->write_file('obproxy.yaml', $conf);
is($rc, 1, 'bad configuration: upgrade fails');
like($out, qr/^failed: the new master \(pid \d+\): \S+obproxy.yaml:\d+: unknown parameter "no_such_param"; rolled back/m,
	'bad configuration: its reason');
is($t->pid(), $before, 'bad configuration: the same master serves');

# A binary that exits at once: rolled back, the reason in status.

my $bad = "$dir/exits.sh";
$t->write_file('exits.sh', "#!/bin/sh\nexit 3\n");
chmod 0755, $bad;
my $idle = $t->dbh();
ok($idle && $idle->selectrow_array('SELECT 1'), 'a client before');
($rc, $out) = $t->ctl('upgrade', $bad);
is($rc, 1, 'exiting binary: upgrade fails');
like($out, qr/^failed: the new master \(pid \d+\) exited with status 3 before serving; rolled back/m,
	'exiting binary: the reason');
like($t->status()->{upgrade} // '', qr/^failed: .*exited with status 3/,
	'exiting binary: status says why');
is($t->pid(), $before, 'exiting binary: the same master serves');
ok($idle->selectrow_array('SELECT 2'), 'exiting binary: the client goes on');

# A new worker that crashes within the window: rolled back.

($rc, $out) = $t->ctl('upgrade');
is($rc, 0, 'crash: the upgrade serves') or diag($out);
($newpid) = ($t->read_file('run/obproxy.pid') // '') =~ /^(\d+)/;
my @kids = $t->workers($newpid // 0);
# the clients would see the crash: they wait meanwhile
$t->write_file('load.pause', '');
sleep 0.3;
ok(@kids == 2 && kill('KILL', $kids[0]), 'crash: a new worker killed');
ok($t->waitfor(sub { ($t->status()->{upgrade} // '')
	=~ /^failed: .*worker \d+ \(pid $kids[0]\) was killed by signal 9/ },
	10), 'crash: rolled back, status says why');
ok($t->waitfor(sub { !Test::OBProxy::alive($newpid) }, 10),
	'crash: the new master exits');
unlink "$dir/load.pause";
$dbh = $t->dbh();
ok($dbh && $dbh->selectrow_array('SELECT 3'), 'crash: the old one serves');

# WINCH to the old master commits at once.

($rc, $out) = $t->ctl('upgrade');
is($rc, 0, 'winch: the upgrade serves') or diag($out);
ok(kill('WINCH', $before), 'winch: sent to the old master');
$newpid = $t->follow_upgrade(15);
ok($newpid && $newpid != $before, 'winch: the old master exits');

# A binary with another segment layout: a fresh segment, and it serves.

my $other = "$dir/layout.sh";
$t->write_file('layout.sh', "#!/bin/sh\nOBPROXY_TEST_SHM_LAYOUT=99 exec '"
	. $t->binary() . "' \"\$\@\"\n");
chmod 0755, $other;
($rc, $out) = $t->ctl('upgrade', $other);
is($rc, 0, 'layout: the upgrade serves') or diag($out);
($rc) = $t->ctl('commit');
is($rc, 0, 'layout: committed');
ok($t->follow_upgrade(15), 'layout: the old master exits');
like($t->log(), qr/a fresh shared segment: the inherited one has another layout/,
	'layout: a fresh segment');
$st = $t->status();
ok($st->{ok} && $st->{client_accepted} > 0, 'layout: status and counters');
$dbh = $t->dbh();
ok($dbh && $dbh->selectrow_array('SELECT 1'), 'layout: a new client');

# The load's verdict.

sleep 0.3;
$t->write_file('load.stop', '');
my %r = map { finish($_) } @load;
cmp_ok($r{connect}{ok}, '>', 20, "connect loop ran ($r{connect}{ok} times)");
is($r{connect}{fail}, 0, 'connect loop: no failure')
	or diag($r{connect}{why});
cmp_ok($r{trx}{ok}, '>', 20, "transactions ran ($r{trx}{ok}, "
	. "$r{trx}{reconnect} reconnects at a boundary)");
is($r{trx}{fail}, 0, 'transactions: no failed statement')
	or diag($r{trx}{why});
is($setup->selectrow_array('SELECT COUNT(*) FROM test.upg'),
	2 * $r{trx}{ok}, 'every committed row is there');

$t->stop();

###############################################################################

# Runs <code> in a child until the stop file appears (60 s at most),
# waiting while the pause file is there; its counts come back through a
# file.
sub load {
	my ($name, $code) = @_;
	my $pid = fork() // die "fork: $!\n";
	if ($pid == 0) {
		my %r = (ok => 0, fail => 0, reconnect => 0, why => '');
		my $end = time() + 60;
		while (!-e $stop && time() < $end) {
			$code->(\%r) unless -e $pause;
			sleep 0.005;
		}
		open my $fh, '>', "$dir/load.$name" or _exit(1);
		print $fh join("\t", map { $r{$_} } qw/ok fail reconnect why/);
		close $fh;
		_exit(0);
	}
	return [ $name, $pid ];
}

sub finish {
	my ($l) = @_;
	waitpid($l->[1], 0);
	my @f = split /\t/, $t->read_file("load.$l->[0]") // "0\t1\t0\tno result";
	return ($l->[0] => { ok => $f[0], fail => $f[1], reconnect => $f[2],
		why => $f[3] // '' });
}

sub note_fail {
	my ($r, $what) = @_;
	$r->{fail}++;
	$r->{why} .= sprintf('%s at %s: %s %s; ', $what,
		POSIX::strftime('%H:%M:%S', localtime) . sprintf('.%03d',
		(time() - int(time())) * 1000), $DBI::err // '',
		$DBI::errstr // '') if $r->{fail} <= 3;
}

sub connect_loop {
	my ($r) = @_;
	my $dbh = $t->dbh();
	if (!$dbh) {
		note_fail($r, 'connect');
		return;
	}
	if (($dbh->selectrow_array('SELECT 1') // 0) == 1) {
		$r->{ok}++;
	} else {
		note_fail($r, 'select');
	}
	$dbh->disconnect();
}

my $trx_dbh;
sub trx_loop {
	my ($r) = @_;
	$trx_dbh //= $t->dbh() or return note_fail($r, 'connect');
	if (!$trx_dbh->do('BEGIN')) {
		# 2006/2013: the proxy closed us at the boundary; once
		return note_fail($r, 'begin')
			unless ($DBI::err // 0) == 2006 || ($DBI::err // 0) == 2013;
		$r->{reconnect}++;
		$trx_dbh = $t->dbh() or return note_fail($r, 'reconnect');
		$trx_dbh->do('BEGIN') or return note_fail($r, 'begin again');
	}
	for my $i (1, 2) {
		$trx_dbh->do("INSERT INTO test.upg (tx) VALUES ($r->{ok})")
			or return note_fail($r, "insert $i");
	}
	$trx_dbh->do('COMMIT') or return note_fail($r, 'commit');
	$r->{ok}++;
}
