#!/usr/bin/perl

# Tables of many partitions in the OceanBase metadata source
# (ODP-REFERENCE 5.3 to 5.6): a HASH table of 1,000 partitions and a
# two-level table of 64 x 64 = 4,096 leaves, described only in the
# emulated "oceanbase" schema (Test::OBProxy::ObMeta on server 4) over
# the harness's servers 1 to 3.  Keyed statements for a sample of keys,
# spread over all the partitions, reach their leaders; the metadata
# server's general log shows their tablets' locations read in batches
# of at most 50 tablets (ODP's batch), one query per batch.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use POSIX qw/ceil/;
use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(7);
$t->run_routing_cluster();
$t->start_mariadb(4);

my $BATCH = 50;
my ($NBIG, $NP, $NS) = (1000, 64, 64);
$Test::OBProxy::ObMeta::TABLET_SPAN = 10000;
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);

# A leaf's replicas: led by server <l>, followed by the two others.
sub replicas { my ($l) = @_; return [ $l, $l % 3 + 1, ($l + 1) % 3 + 1 ] }

# t_big: HASH(id) over 1,000 partitions, partition i led by server
# int(i / 7) % 3 + 1; t_grid: HASH(id) 64 x HASH(k) 64, leaf (p, s) led
# by server (p + 2s) % 3 + 1.
sub big_leader { my ($id) = @_; return int(($id % $NBIG) / 7) % 3 + 1 }
sub grid_leader {
	my ($id, $k) = @_;
	return ($id % $NP + 2 * ($k % $NS)) % 3 + 1;
}
my $t0 = time();
$meta->table('app', 'rt', 't_big', id => $ID + 1, type => 'HASH',
	key => [ 'id', 5 ], replicas => [ map { replicas(big_leader($_)) }
	0 .. $NBIG - 1 ]);
$meta->table('app', 'rt', 't_grid', id => $ID + 2, type => 'HASH',
	key => [ 'id', 5 ], sub => { type => 'HASH', key => [ 'k', 5 ],
	n => $NS }, replicas => [ map { my $p = $_; map {
		replicas(grid_leader($p, $_)) } 0 .. $NS - 1 } 0 .. $NP - 1 ]);

# The sample: the first and last partitions, the edges of the batches,
# keys past the partition count; every server holds them, each row
# naming its server.
my @big = (0, 1, 49, 50, 51, 249, 250, 251, 499, 500, 777, 950, 998, 999,
	1000, 1999, 123456);
my @grid = ([ 0, 0 ], [ 0, 63 ], [ 1, 0 ], [ 13, 37 ], [ 31, 12 ],
	[ 40, 50 ], [ 63, 0 ], [ 63, 63 ], [ 64, 65 ], [ 1000, 7 ]);
for my $n (1 .. 3) {
	$t->_root_sql($n, 'CREATE TABLE rt.t_big (id BIGINT PRIMARY KEY,'
		. ' srv VARCHAR(8)); CREATE TABLE rt.t_grid (id BIGINT,'
		. ' k BIGINT, srv VARCHAR(8), PRIMARY KEY (id, k));'
		. ' INSERT INTO rt.t_big VALUES '
		. join(', ', map { "($_, 's$n')" } @big) . ';'
		. ' INSERT INTO rt.t_grid VALUES '
		. join(', ', map { "($_->[0], $_->[1], 's$n')" } @grid),
		'the sample');
}
diag(sprintf('schema of %d + %d leaves written in %.1fs', $NBIG,
	$NP * $NS, time() - $t0));
$t->root_query(4, "SET GLOBAL log_output = 'TABLE', general_log = 1");

# No refresh within the test: each table is read once.
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. 'obproxy_sys_password: ' . sha1_hex('admin-pw') . "\n"
	. "server_state_refresh_interval: 60s\n")->run();
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the servers of DBA_OB_SERVERS are published')
	or diag($t->log());

my $u = $t->user();
$t0 = time();
my ($out, $rc) = $t->mariadb(join(' ', map {
	"SELECT srv FROM rt.t_big WHERE id = $_;" } @big), user => "$u\@app");
my $took = time() - $t0;
is($out, join('', map { 's' . big_leader($_) . "\n" } @big),
	'keyed statements on the table of 1,000 partitions reach their '
	. 'leaders') or diag($t->log());
diag(sprintf('t_big read and %d statements in %.2fs', scalar @big, $took));

$t0 = time();
($out, $rc) = $t->mariadb(join(' ', map {
	"SELECT srv FROM rt.t_grid WHERE id = $_->[0] AND k = $_->[1];" }
	@grid), user => "$u\@app");
$took = time() - $t0;
is($out, join('', map { 's' . grid_leader(@$_) . "\n" } @grid),
	'keyed statements on the table of 64 x 64 leaves reach their leaders')
	or diag($t->log());
diag(sprintf('t_grid read and %d statements in %.2fs', scalar @grid, $took));

# The locations' queries in the metadata server's general log: per
# table, one per batch of 50 tablets, none longer.
sub locs {
	my ($table, $what) = @_;
	return $t->root_query(4, "SELECT $what FROM mysql.general_log WHERE"
		. " argument LIKE '%A.table_name = ''$table'' AND A.tablet_id IN"
		. " (%'");
}
my $nbig = locs('t_big', 'COUNT(*)');
is($nbig, ceil($NBIG / $BATCH), "the 1,000 tablets' locations in "
	. "$nbig queries");
my $ngrid = locs('t_grid', 'COUNT(*)');
is($ngrid, ceil($NP * $NS / $BATCH), "the 4,096 tablets' locations in "
	. "$ngrid queries");
# the ids of a query: the commas of its list + 1
my $list = "SUBSTRING_INDEX(SUBSTRING_INDEX(argument, 'IN (', -1), ')', 1)";
my $most = locs('t_%', "COALESCE(MAX(LENGTH($list)"
	. " - LENGTH(REPLACE($list, ',', ''))), -1)");
is($most + 1, $BATCH, "no query names more than $BATCH tablets");
is($meta->route_row('t_grid', 'admin-pw'), "AVAIL 4096 " . ($ID + 2),
	'SHOW PROXYROUTE lists t_grid with its 4,096 leaves');
