#!/usr/bin/perl

# Shards of role auto: two MariaDB primary/replica sets (real
# replication), each holding one partition of a table, declared with
# "role: auto" and a set name per server (README's example).  Each set
# finds its primary from the monitor's read_only: rows are written by key
# to their set's primary and read from its replica; a promotion in the
# second set (read_only=1 on its primary, then 0 on its replica) is
# followed within two monitor periods, without reload, while the first
# set keeps its primary and replica.  Counted on the servers' own
# counters (the test account's writes and SELECTs, userstat).

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(10);
$t->run_replication(1, first => 1)->run_replication(1, first => 3);

my $PERIOD = 0.5;       # server_detect_refresh_interval, s

for my $n (1 .. 4) {
	defined $t->root_query($n, 'SET sql_log_bin = 0;'
		. ' GRANT SLAVE MONITOR ON *.* TO proxyro')
		or BAIL_OUT("server $n: GRANT SLAVE MONITOR failed");
}
for my $p (1, 3) {
	$t->root_query($p, 'CREATE DATABASE shop; CREATE TABLE shop.orders'
		. ' (id BIGINT PRIMARY KEY, v INT)');
}
$t->sync_replicas();

$t->write_file_expand('obproxy.yaml', "listen_port: %%PORT_2883%%\n"
	. "enable_read_write_split: true\n"
	. "server_detect_refresh_interval: 500ms\n"
	. $t->readme_example('Shards of role auto'))->run();

sub writes { [ map { $t->user_writes($_) } 1 .. 4 ] }
sub selects { [ map { $t->user_selects($_) } 1 .. 4 ] }

sub delta {
	my ($a, $b) = @_;
	return [ map { $b->[$_] - $a->[$_] } 0 .. 3 ];
}

my $dbh;
# Inserts (or, tried again, updates) the rows <ids> by key; the first
# error, or ''.
sub insert {
	my @ids = @_;
	$dbh = $t->dbh(database => 'shop') unless $dbh && $dbh->ping();
	return 'login: ' . ($t->dbi_error() // '?') unless $dbh;
	for my $id (@ids) {
		$dbh->do('INSERT INTO orders (id, v) VALUES (?, ?)'
			. ' ON DUPLICATE KEY UPDATE v = v + 1', undef,
			$id, $id) or return $dbh->errstr;
	}
	return '';
}

# Retries inserting row <id> every 100 ms for at most <limit> seconds
# until it goes in (<fail>: until it is refused); the last error ('' when
# it went in) and the time it took.
sub insert_until {
	my ($id, $limit, $fail) = @_;
	my ($t0, $err) = (time, '?');
	for (1 .. $limit * 10) {
		$err = insert($id);
		last if ($err eq '') != ($fail // 0);
		sleep 0.1;
	}
	return ($err, time - $t0);
}

# The monitor has read both sets once: each finds its primary.
my ($err) = insert_until(2, 10);
is($err, '', 'set a: a write once the monitor has read it');
($err) = insert_until(1, 10);
is($err, '', 'set b: a write once the monitor has read it');

my $w0 = writes();
is(insert(3 .. 22), '', 'rows 3 .. 22 by key') or diag($dbh->errstr);
is_deeply(delta($w0, writes()), [ 10, 0, 10, 0 ],
	"each row on its set's primary (read_only=0), none on a replica");
$t->sync_replicas();

my $s0 = selects();
$dbh->selectrow_array('SELECT v FROM orders WHERE id = ?', undef, $_)
	for 3 .. 22;
is_deeply(delta($s0, selects()), [ 0, 10, 0, 10 ],
	"reads by key: each on its set's replica (read_only=1)");

# Promotion in set b: server 3 read-only, server 4 stops replicating and
# takes writes.  Set a is left alone.
$t->root_query(3, 'SET GLOBAL read_only = 1') // die 'read_only on 3';
($err) = insert_until(101, 6 * $PERIOD, 1);
like($err, qr/no primary in the set/, 'set b without a primary: writes '
	. 'refused');
is(insert(100), '', '... set a takes them');
$t->root_query(4, 'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only = 0')
	// die 'promotion of 4';
my $took;
($err, $took) = insert_until(23, 6 * $PERIOD);
ok($err eq '' && $took <= 2 * $PERIOD + 0.3, sprintf('set b: writes follow'
	. ' the promotion (%.2f s)', $took)) or diag($err);
$w0 = writes();
insert(24 .. 43);
is_deeply(delta($w0, writes()), [ 10, 0, 0, 10 ],
	'then set b writes on its new primary, set a on its own as before');
$s0 = selects();
$dbh->selectrow_array('SELECT v FROM orders WHERE id = ?', undef, $_)
	for 3 .. 22;
is_deeply(delta($s0, selects()), [ 0, 10, 10, 0 ],
	'reads: set a on its replica, set b on its old primary, now read-only');
