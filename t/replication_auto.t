#!/usr/bin/perl

# The monitor's findings drive the primary/replica routing: a MariaDB
# primary with two replicas (real GTID replication), declared with
# "role: auto", the monitor probing every second.  Counted on each
# server's own counters (the test account's SELECTs and writes,
# userstat): writes land on the server that reports read_only=0; a
# replica with its SQL thread stopped, or lagging past
# ob_max_read_stale_time, takes no reads until it catches up; a promotion
# (read_only=1 on the old primary, read_only=0 on a replica) is followed
# within two monitor periods without reload, the old primary serving reads
# as a replica; two writable servers refuse writes with an error naming
# both; with the primary stopped writes get an immediate error and reads
# go on.  Declared roles (after a reload) read the monitor too: a declared
# primary reporting read_only=1 refuses writes, a declared replica with
# its SQL thread stopped takes no reads.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(23)->run_replication(2);

my $PERIOD = 1;         # server_detect_refresh_interval, s

# The monitor reads SHOW SLAVE STATUS as proxyro: each server's own grant.
for my $n (1 .. 3) {
	defined $t->root_query($n, 'SET sql_log_bin = 0;'
		. ' GRANT SLAVE MONITOR ON *.* TO proxyro')
		or BAIL_OUT("server $n: GRANT SLAVE MONITOR failed");
}

my ($s1, $s2, $s3) = map { $t->server($_) } 1 .. 3;
$t->write_file_expand('obproxy.yaml', <<"EOF")->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 1
enable_read_write_split: true
server_detect_mode: 2
server_detect_refresh_interval: ${PERIOD}s
ob_max_read_stale_time: 2000000
servers:
  db1: {address: $s1, role: auto}
  db2: {address: $s2, role: auto}
  db3: {address: $s3, role: auto}
EOF

# Runs <sql> on server <n> as root; dies when it fails.
sub root {
	my ($n, $sql) = @_;
	defined $t->root_query($n, $sql) or die "server $n: $sql failed";
}

sub counts {
	my ($what) = @_;
	return [ map { $what eq 'w' ? $t->user_writes($_)
		: $t->user_selects($_) } 1 .. 3 ];
}

sub delta {
	my ($a, $b) = @_;
	return [ map { $b->[$_] - $a->[$_] } 0 .. 2 ];
}

# Runs <code> and returns what each server counted of <what> meanwhile.
sub counted {
	my ($what, $code) = @_;
	my $a = counts($what);
	$code->();
	return delta($a, counts($what));
}

my $dbh;
# A write through the proxy: [ ok, error, seconds ].
sub write_one {
	my ($v) = @_;
	$dbh = $t->dbh() unless $dbh && $dbh->ping();
	return [ 0, 'login: ' . ($t->dbi_error() // '?'), 0 ] unless $dbh;
	my $t0 = time;
	my $ok = $dbh->do('INSERT INTO a (v) VALUES (?)', undef, $v);
	return [ $ok ? 1 : 0, $dbh->errstr // '', time - $t0 ];
}

sub reads {
	my ($n) = @_;
	my $bad = 0;
	for (1 .. $n) {
		my ($c) = $dbh->selectrow_array('SELECT COUNT(*) FROM a');
		$bad++ unless defined $c;
	}
	return $bad;
}

# Retries write_one every 100 ms until <want> (1: it works, 0: it fails)
# or <limit> seconds; the last attempt and the time it took to get there.
sub write_until {
	my ($want, $limit) = @_;
	my $t0 = time;
	my $r;
	for (1 .. $limit * 10) {
		$r = write_one(7);
		last if $r->[0] == $want;
		sleep 0.1;
	}
	return ($r, time - $t0);
}

# The monitor has read the set once: a write then finds its primary.
my ($first, $took) = (undef, 0);
{
	my $d = $t->dbh();
	for (1 .. 100) {
		last if $d && $d->do('CREATE TABLE IF NOT EXISTS a '
			. '(id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
		sleep 0.1;
	}
	$t->sync_replicas();
}
($first, $took) = write_until(1, 10);
ok($first->[0], "a write once the monitor has read the set")
	or diag($first->[1]);
$t->sync_replicas();

my $w = counted('w', sub { write_one($_) for 1 .. 10 });
is_deeply($w, [ 10, 0, 0 ], 'writes land on the server with read_only=0');

my $r = counted('r', sub { reads(40) });
ok($r->[0] == 0 && $r->[1] > 0 && $r->[2] > 0 && $r->[1] + $r->[2] == 40,
	'reads go to the read-only servers') or diag("@$r");

# A replica whose SQL thread is stopped is skipped, then taken back.
root(3, 'STOP SLAVE SQL_THREAD');
sleep 2 * $PERIOD + 0.5;
$r = counted('r', sub { reads(30) });
is_deeply($r, [ 0, 30, 0 ], 'SQL thread stopped: its reads go elsewhere');
root(3, 'START SLAVE SQL_THREAD');
$t->sync_replicas();
sleep 2 * $PERIOD + 0.5;
$r = counted('r', sub { reads(30) });
ok($r->[2] > 0 && $r->[0] == 0, 'SQL thread running: reads come back')
	or diag("@$r");

# A replica delayed past ob_max_read_stale_time (2 s) is skipped.
root(3, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 60; START SLAVE');
write_one(8);
my $lagging;
for (1 .. 80) {
	$r = counted('r', sub { reads(10) });
	$lagging = $r->[2] == 0;
	last if $lagging;
	sleep 0.1;
}
ok($lagging, 'a replica lagging past ob_max_read_stale_time takes no reads');
$r = counted('r', sub { reads(20) });
is_deeply($r, [ 0, 20, 0 ], '... the other replica takes them all');
root(3, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE');
$t->sync_replicas();
my $back;
for (1 .. 60) {
	$r = counted('r', sub { reads(10) });
	$back = $r->[2] > 0;
	last if $back;
	sleep 0.1;
}
ok($back, '... and takes reads again once caught up');

# No primary: the old one made read-only.  Writes fail at once, reads go on.
root(1, 'SET GLOBAL read_only = 1');
my ($e, $wait) = write_until(0, 4 * $PERIOD);
like($e->[1], qr/no primary in the set \Q$s1,$s2,$s3\E: no server reports read_only=0/,
	'no writable server: the write error names the set');
($e) = write_until(0, 1);
ok(!$e->[0] && $e->[2] < 1, sprintf('... and comes at once (%.3f s)',
	$e->[2]));
is(reads(10), 0, '... reads are still served');

# Promotion of server 2.
root(2, 'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0');
my $t0 = time;
my $ok;
($ok, $took) = write_until(1, 4 * $PERIOD);
ok($ok->[0] && $took <= 2 * $PERIOD, sprintf('writes follow the promotion '
	. 'within two monitor periods (%.2f s)', $took)) or diag($ok->[1]);
$w = counted('w', sub { write_one($_) for 1 .. 5 });
is_deeply($w, [ 0, 5, 0 ], '... onto the new primary, without reload');
sleep 2 * $PERIOD;
$r = counted('r', sub { reads(40) });
ok($r->[0] > 0 && $r->[1] == 0, 'the old primary, read-only, serves reads '
	. 'as a replica') or diag("@$r");

# Two writable servers: writes refused, none lands anywhere.
root(1, 'SET GLOBAL read_only = 0');
($e) = write_until(0, 4 * $PERIOD);
like($e->[1], qr/two primaries in the set .*: \Q$s1\E and \Q$s2\E report read_only=0/,
	'two writable servers: the error names the set and both');
$w = counted('w', sub { write_one($_) for 1 .. 5 });
is_deeply($w, [ 0, 0, 0 ], '... and no write lands (no split brain)');
root(1, 'SET GLOBAL read_only = 1');
($ok) = write_until(1, 4 * $PERIOD);
ok($ok->[0], 'one read-only again: writes resume') or diag($ok->[1]);

# The primary lost: immediate errors, reads served by the others.
$t->stop_mariadb(2);
undef $dbh;
($e, $wait) = write_until(0, 6 * $PERIOD);
like($e->[1], qr/no primary in the set/, sprintf('primary stopped: the '
	. 'write error says so (after %.2f s)', $wait));
($e) = write_until(0, 1);
ok(!$e->[0] && $e->[2] < 1, sprintf('... and comes at once (%.3f s)',
	$e->[2]));
is(reads(20), 0, '... while the replicas serve the reads');

# Declared roles read the monitor too: a declared primary that reports
# read_only=1 takes no writes, a declared replica whose SQL thread is
# stopped no reads (they go to the primary).
$t->write_file_expand('obproxy.yaml', <<"EOF2");
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 1
enable_read_write_split: true
server_detect_mode: 2
server_detect_refresh_interval: ${PERIOD}s
servers:
  db1: {address: $s1, role: primary}
  db3: {address: $s3, role: replica}
EOF2
ok($t->reload(undef, 1), 'declared roles by a reload');
undef $dbh;
($e) = write_until(0, 2);
like($e->[1], qr/the primary, server \Q$s1\E, reports read_only=1: the statement is refused/,
	'a declared primary reporting read_only=1 takes no write');
root(3, 'STOP SLAVE SQL_THREAD');
sleep 2 * $PERIOD + 0.5;
my @before = map { $t->user_selects($_) } 1, 3;
reads(10);
my @after = map { $t->user_selects($_) } 1, 3;
is_deeply([ $after[0] - $before[0], $after[1] - $before[1] ], [ 10, 0 ],
	'a declared replica with its SQL thread stopped: reads on the primary');
