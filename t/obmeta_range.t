#!/usr/bin/perl

# The OceanBase metadata source with RANGE and LIST partitioning: tables
# described only in an emulated "oceanbase" schema (Test::OBProxy::ObMeta
# on server 4, no topology declared), their bounds in high_bound_val_bin
# as OceanBase serializes them (written by the schema's own encoder).
# RANGE, RANGE COLUMNS on a string and an integer, RANGE COLUMNS on a
# DATE, LIST with a DEFAULT partition, RANGE partitions with HASH
# subpartitions and HASH partitions with LIST subpartitions: every keyed
# SELECT and INSERT runs on its partition's leader (the rows say which
# server answered, the servers' own counters how many ran there), a
# value beyond the last RANGE bound goes to the first partition
# (ODP-REFERENCE 6.4), a value in no list to the DEFAULT partition, and
# a moved leader is followed within one refresh.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(22);
$t->mariadbd_options('--userstat=1');
$t->run_routing_cluster();
$t->start_mariadb(4);

my $ID = 510001;
my %ID = (t_range => $ID, t_rcols => $ID + 1, t_list => $ID + 2,
	t_rh => $ID + 3, t_hl => $ID + 4, t_date => $ID + 5);
my $cs = 'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci';
for my $n (1 .. 3) {
	$t->_root_sql($n, 'CREATE DATABASE IF NOT EXISTS obr; '
		. join(' ', map { "CREATE TABLE obr.$_; " }
		"t_range (id BIGINT PRIMARY KEY, srv VARCHAR(8)) $cs",
		"t_rcols (name VARCHAR(32), k BIGINT, srv VARCHAR(8),"
			. " PRIMARY KEY (name, k)) $cs",
		"t_list (id BIGINT PRIMARY KEY, srv VARCHAR(8)) $cs",
		"t_rh (id BIGINT, k BIGINT, srv VARCHAR(8), PRIMARY KEY (id, k))"
			. " $cs",
		"t_hl (id BIGINT, k BIGINT, srv VARCHAR(8), PRIMARY KEY (id, k))"
			. " $cs",
		"t_date (d DATE PRIMARY KEY, srv VARCHAR(8)) $cs")
		. join(' ', map { my ($tb, $cols, @rows) = @$_; "INSERT INTO"
			. " obr.$tb ($cols) VALUES " . join(', ', map { "($_,"
			. " 's$n')" } @rows) . ';' }
			[ 't_range', 'id, srv', 5, 150, 250, 500 ],
			[ 't_rcols', 'name, k, srv', "'alice', 1", "'H', 5",
				"'h', -1", "'zed', 1" ],
			[ 't_list', 'id, srv', 2, 5, 7 ],
			[ 't_rh', 'id, k, srv', '5, 0', '5, 1', '150, 0', '150, 1' ],
			[ 't_hl', 'id, k, srv', '0, 1', '0, 9', '1, 2', '1, 7' ],
			[ 't_date', 'd, srv', "'2023-06-01'", "'2024-02-01'" ]),
		'partitioned tables');
}

my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->zone("z$_", region => 'r1', idc => "idc$_") for 1 .. 3;
$meta->server($_, zone => "z$_") for 1 .. 3;
$meta->tenant('app', id => 1002, servers => [ 1, 2, 3 ]);
# RANGE(id): p0 < 100 on server 1, p1 < 200 on 2, p2 < 300 on 3.
$meta->table('app', 'obr', 't_range', id => $ID{t_range}, type => 'RANGE',
	key => [ 'id', 5 ], parts => [ [ 'p0', [ 100 ] ], [ 'p1', [ 200 ] ],
	[ 'p2', [ 300 ] ] ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);
# RANGE COLUMNS(name utf8mb4_general_ci, k): < ('h', 0) on 2, < ('p', 0)
# on 3, < (MAXVALUE, MAXVALUE) on 1.
$meta->table('app', 'obr', 't_rcols', id => $ID{t_rcols},
	type => 'RANGE COLUMNS', keys => [ [ 'name', 22, 45 ], [ 'k', 5 ] ],
	parts => [ [ 'p0', [ 'h', 0 ] ], [ 'p1', [ 'p', 0 ] ],
	[ 'p2', [ 'MAXVALUE', 'MAXVALUE' ] ] ], replicas => [ [ 2, 3, 1 ],
	[ 3, 1, 2 ], [ 1, 2, 3 ] ]);
# LIST(id): (1, 2, 3) on 3, (4, 5, 6) on 1, DEFAULT on 2.
$meta->table('app', 'obr', 't_list', id => $ID{t_list}, type => 'LIST',
	key => [ 'id', 5 ], parts => [ [ 'p0', [ [ 1 ], [ 2 ], [ 3 ] ] ],
	[ 'p1', [ [ 4 ], [ 5 ], [ 6 ] ] ], [ 'pd', 'DEFAULT' ] ],
	replicas => [ [ 3, 1, 2 ], [ 1, 2, 3 ], [ 2, 3, 1 ] ]);
# RANGE(id) < 100, < MAXVALUE x HASH(k) 2: leaves on 1, 2, 3, 1.
$meta->table('app', 'obr', 't_rh', id => $ID{t_rh}, type => 'RANGE',
	key => [ 'id', 5 ], parts => [ [ 'p0', [ 100 ] ],
	[ 'p1', [ 'MAXVALUE' ] ] ], sub => { type => 'HASH', key => [ 'k', 5 ],
	n => 2 }, replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ], [ 3, 1, 2 ],
	[ 1, 2, 3 ] ]);
# HASH(id) 2 x LIST(k) (1, 2), DEFAULT: leaves on 2, 3, 1, 2.
$meta->table('app', 'obr', 't_hl', id => $ID{t_hl}, type => 'HASH',
	key => [ 'id', 5 ], sub => { type => 'LIST', key => [ 'k', 5 ],
	parts => [ [ 'sp0', [ [ 1 ], [ 2 ] ] ], [ 'sp1', 'DEFAULT' ] ] },
	replicas => [ [ 2, 3, 1 ], [ 3, 1, 2 ], [ 1, 2, 3 ], [ 2, 3, 1 ] ]);
# RANGE COLUMNS(d DATE): < '2024-01-01' on 3, < MAXVALUE on 1.
$meta->table('app', 'obr', 't_date', id => $ID{t_date},
	type => 'RANGE COLUMNS', key => [ 'd', 19 ],
	parts => [ [ 'p0', [ [ date => '2024-01-01' ] ] ],
	[ 'p1', [ 'MAXVALUE' ] ] ], replicas => [ [ 3, 1, 2 ], [ 1, 2, 3 ] ]);
# t_bad: LIST whose second partition's bound is cut short (a string of 5
# bytes holding 2): not published, said once, its statements served.
$meta->table('app', 'obr', 't_bad', id => $ID + 6, type => 'LIST',
	key => [ 'id', 5 ], parts => [ [ 'p0', [ [ 1 ] ] ],
	[ 'p1', \"\x01\x16\x02\x2d\xff\x05ab" ] ], replicas => [ [ 1, 2, 3 ],
	[ 2, 3, 1 ] ]);
# t_year: RANGE(YEAR(d)), an expression ODP does not evaluate: not
# published either.
$meta->table('app', 'obr', 't_year', id => $ID + 7, type => 'RANGE',
	key => [ 'd', 19 ], expr => 'year(`d`)', parts => [ [ 'p0',
	[ 2024 ] ], [ 'p1', [ 'MAXVALUE' ] ] ], replicas => [ [ 1, 2, 3 ],
	[ 2, 3, 1 ] ]);
$t->_root_sql($_, 'CREATE TABLE obr.t_bad (id BIGINT PRIMARY KEY);'
	. ' INSERT INTO obr.t_bad VALUES (1); CREATE TABLE obr.t_year'
	. " (d DATE PRIMARY KEY); INSERT INTO obr.t_year VALUES ('2020-01-01')",
	'unpublished tables') for 1 .. 3;

my $ADMIN_PW = 'admin-pw';
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. 'obproxy_sys_password: ' . sha1_hex($ADMIN_PW) . "\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 1s\n"
	. "partition_location_expire_relative_time: 500ms\n"
	. "short_async_task_timeout: 2s\n")->run();
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the servers of DBA_OB_SERVERS are published')
	or diag($t->log());

my $u = $t->user();

# SELECT srv of each key (a WHERE text), one statement each, in one
# session: the servers that answered.
sub srv_of {
	my ($table, @where) = @_;
	my ($out) = $t->mariadb(join(' ', map { "SELECT srv FROM obr.$table"
		. " WHERE $_;" } @where), user => "$u\@app");
	return join ' ', split /\n/, $out;
}

# Every table read once (each waits for its lookup), then all published.
srv_of($_, '1 = 0') for sort keys %ID;
ok($t->waitfor(sub { $t->log() =~ /published \(3 servers, 1 tenants, 6 tables\)/ }, 10),
	'the six RANGE and LIST tables are read and published')
	or diag($t->log());
my ($bad) = $t->mariadb('SELECT id FROM obr.t_bad WHERE id = 1',
	user => "$u\@app");
is($bad, "1\n", 'a table whose bound does not decode is served');
my @said = $t->log() =~ /(table obr\.t_bad of tenant app is not routed by partition: [^\n]*)/g;
ok(@said == 1 && $said[0] =~ /partition p1: string of 5 bytes truncated/,
	'... not published, with one WARN naming the partition and why')
	or diag(explain \@said);
my ($year) = $t->mariadb("SELECT d FROM obr.t_year WHERE d = '2020-01-01'",
	user => "$u\@app");
is($year, "2020-01-01\n", 'a table partitioned by an expression is served');
like($t->log(), qr/table obr\.t_year of tenant app is not routed by partition: partitioning .*expressions "year\(`d`\)"/,
	'... not published, with a WARN naming the expression');
my @others = $t->log() =~ /table obr\.(t_(?!bad|year)\w+) of tenant app is not routed/g;
is(scalar @others, 0, 'every other table routed by partition')
	or diag("@others");

my %before = map { ($_, $t->user_selects($_, "$u\@app")) } 1 .. 3;
is(srv_of('t_range', map { "id = $_" } 5, 150, 250),
	's1 s2 s3', 'RANGE: each id on its partition\'s leader');
is(srv_of('t_range', 'id = 500'), 's1',
	'RANGE: an id beyond the last bound goes to the first partition');
is(srv_of('t_rcols', "name = 'alice' AND k = 1", "name = 'H' AND k = 5",
	"name = 'h' AND k = -1", "name = 'zed' AND k = 1"), 's2 s3 s2 s1',
	'RANGE COLUMNS (name, k): by the string first, by the collation, then '
	. 'by the integer');
is(srv_of('t_list', map { "id = $_" } 2, 5, 7), 's3 s1 s2',
	'LIST: each id on its list\'s leader, one in no list on the DEFAULT '
	. 'partition\'s');
is(srv_of('t_rh', map { "id = $_->[0] AND k = $_->[1]" } [ 5, 0 ],
	[ 5, 1 ], [ 150, 0 ], [ 150, 1 ]), 's1 s2 s3 s1',
	'RANGE x HASH: each (id, k) on its subpartition\'s leader');
is(srv_of('t_hl', map { "id = $_->[0] AND k = $_->[1]" } [ 0, 1 ],
	[ 0, 9 ], [ 1, 2 ], [ 1, 7 ]), 's2 s3 s1 s2',
	'HASH x LIST: each (id, k) on its subpartition\'s leader, DEFAULT '
	. 'included');
is(srv_of('t_date', "d = '2023-06-01'", "d = '2024-02-01'"), 's3 s1',
	'RANGE COLUMNS (d DATE): each date on its partition\'s leader');
is(join(' ', map { $t->user_selects($_, "$u\@app") - $before{$_} } 1 .. 3),
	'8 7 6', 'the servers counted the statements of their partitions');

# INSERTs: each row written on its partition's leader only.
my %wbefore = map { ($_, $t->user_writes($_, "$u\@app")) } 1 .. 3;
my (undef, $rc) = $t->mariadb(join(' ', map { "INSERT INTO obr.$_;" }
	"t_range (id, srv) VALUES (120, 'new')",
	"t_list (id, srv) VALUES (3, 'new')",
	"t_list (id, srv) VALUES (42, 'new')",
	"t_rh (id, k, srv) VALUES (7, 3, 'new')"), user => "$u\@app");
is($rc, 0, 'the INSERTs succeed');
is(join(' ', map { $t->user_writes($_, "$u\@app") - $wbefore{$_} } 1 .. 3),
	'0 3 1', 'the servers counted the INSERTs of their partitions');
is(join(' ', map { my $n = $_; $t->root_query($n, 'SELECT CONCAT_WS(",",'
	. " (SELECT COUNT(*) FROM obr.t_range WHERE id = 120),"
	. " (SELECT COUNT(*) FROM obr.t_list WHERE id IN (3, 42)),"
	. " (SELECT COUNT(*) FROM obr.t_rh WHERE id = 7))") } 1 .. 3),
	'0,0,0 1,1,1 0,1,0',
	'each new row is on its partition\'s leader only');

is($meta->route_row('t_range', $ADMIN_PW), "AVAIL 3 $ID{t_range}",
	'SHOW PROXYROUTE lists the RANGE table with its partitions');

# RANGE partition p1 (ids 100 to 199) moves from server 2 to server 3.
my ($followed, @failed) = $meta->move_and_follow($ID{t_range}, 1, 3,
	'SELECT srv FROM obr.t_range WHERE id = 150', "$u\@app", "s3\n");
ok(defined $followed && $followed < 2.5,
	'the moved leader is followed within one refresh (1s)')
	or diag('followed after ' . ($followed // 'never'));
diag(sprintf('moved leader followed after %.2fs', $followed // -1));
is(scalar @failed, 0, 'no statement failed meanwhile') or diag("@failed");
is(srv_of('t_range', map { "id = $_" } 5, 150, 250), 's1 s3 s3',
	'partition p1 on its new leader, the others where they were');
