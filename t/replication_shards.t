#!/usr/bin/perl

# Two MariaDB primary/replica sets (real replication) each holding one
# partition of a table: rows are written by key to their set's primary,
# read by key from its replica with enable_read_write_split (inside a
# transaction, from its primary), never written on a replica; a table
# the topology does not declare lives on the first set.  The topology
# is README's example.  Counted on the servers' own counters.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(9);
$t->run_replication(1, first => 1)->run_replication(1, first => 3);

for my $p (1, 3) {
	$t->root_query($p, 'CREATE DATABASE shop; CREATE TABLE shop.orders'
		. ' (id BIGINT PRIMARY KEY, v INT)');
}
$t->sync_replicas();

# README's example, addresses and port substituted.
$t->write_file_expand('obproxy.yaml', "listen_port: %%PORT_2883%%\n"
	. "enable_read_write_split: true\n"
	. $t->readme_example('Shards: several primary/replica sets'))->run();

# The test account's SELECTs on each server (userstat: the monitor's
# probes run theirs as another account).
sub selects {
	return [ map { $t->user_selects($_) } 1 .. 4 ];
}

my $dbh = $t->dbh(database => 'shop');
ok($dbh, 'login') or diag($t->dbi_error());
$dbh->do('INSERT INTO orders (id, v) VALUES (?, ?)', undef, $_, $_)
	for 1 .. 20;
$t->sync_replicas();
is_deeply([ map { $t->root_query($_, 'SELECT COUNT(*), SUM(id % 2)'
	. ' FROM shop.orders') } 1, 3 ], [ "10\t0", "10\t10" ],
	'rows by key: even ids on set a (p0), odd ids on set b (p1)');
is_deeply([ map { $t->user_writes($_) } 2, 4 ], [ 0, 0 ],
	'no write on a replica');

my $s0 = selects();
my @got = map { $dbh->selectrow_array('SELECT v FROM orders WHERE id = ?',
	undef, $_) } 1 .. 20;
my $s1 = selects();
is_deeply(\@got, [ 1 .. 20 ], 'reads by key find every row');
is_deeply([ map { $s1->[$_] - $s0->[$_] } 0 .. 3 ], [ 0, 10, 0, 10 ],
	"reads by key: each on its set's replica");

$dbh->begin_work();
$dbh->selectrow_array('SELECT v FROM orders WHERE id = 3');
$dbh->selectrow_array('SELECT v FROM orders WHERE id = 5');
$dbh->commit();
my $s2 = selects();
my @tx = map { $s2->[$_] - $s1->[$_] } 0 .. 3;
ok($tx[0] == 0 && $tx[2] >= 2 && $tx[2] <= 3,
	"a transaction: its reads on the set's primary (@tx; with the"
	. " proxy's read of autocommit after DBI's SET)");

$dbh->do('CREATE TABLE other (id INT PRIMARY KEY)');
$dbh->do('INSERT INTO other VALUES (1)');
is_deeply([ map { $t->root_query($_, "SELECT COUNT(*) FROM"
	. " information_schema.TABLES WHERE TABLE_NAME = 'other'") } 1 .. 4 ],
	[ 1, 1, 0, 0 ], 'a table not declared: on the first set');
is_deeply([ map { $t->user_writes($_) } 2, 4 ], [ 0, 0 ],
	'still no write on a replica');
# Without a usable key: the first set's primary, never a replica.

$dbh->selectrow_array('SELECT v FROM orders WHERE id = 3');
$dbh->do('UPDATE orders SET v = v + 100 WHERE v > 15');
is_deeply([ map { $t->user_writes($_) } 2, 4 ], [ 0, 0 ],
	'a write without a key, after a read on a replica: on no replica');
$dbh->disconnect();
