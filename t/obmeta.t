#!/usr/bin/perl

# The OceanBase metadata source: a cluster described only in an emulated
# "oceanbase" schema (Test::OBProxy::ObMeta on server 4, the only
# rootservice_list server; no topology in the configuration), its
# servers 1 to 3 the harness's routing cluster.  The proxy reads the
# servers, the tenant's server list and the table's partitions with
# ODP's queries, routes each keyed statement to its partition's leader
# (the rows say which server answered, the servers' own counters how
# many ran there), and follows a leader moved in the metadata within
# one refresh (locations expiring) without a statement failing; one
# lookup however many sessions ask, a bounded wait when the metadata
# server hangs, a hot upgrade under load, entries made dirty by
# OB_NOT_MASTER and by a dead leader, and the bootstrap's cluster name
# check.

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
	->plan(28);
$t->mariadbd_options('--userstat=1');
$t->run_routing_cluster();
$t->start_mariadb(4);

# t_hash: HASH(id) over 3 partitions, partition i led by server i + 1.
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);
# t_key: KEY(name VARCHAR utf8mb4_general_ci) over 3 partitions, as
# t_hash's.
$meta->table('app', 'rt', 't_key', id => $ID + 2, type => 'KEY',
	key => [ 'name', 22, 45 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);
# t_two: HASH(id) 2 partitions x HASH(k) 2 subpartitions, the leaves
# led by servers 1, 2, 3, 1.
for my $n (1 .. 3) {
	$t->_root_sql($n, 'CREATE TABLE rt.t_two (id BIGINT, k BIGINT,'
		. ' srv VARCHAR(8), PRIMARY KEY (id, k)); INSERT INTO rt.t_two'
		. " VALUES (0, 0, 's$n'), (0, 1, 's$n'), (1, 0, 's$n'),"
		. " (1, 1, 's$n')", 't_two');
}
$meta->table('app', 'rt', 't_two', id => $ID + 3, type => 'HASH',
	key => [ 'id', 5 ], sub => { type => 'HASH', key => [ 'k', 5 ],
	n => 2 }, replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ], [ 3, 1, 2 ],
	[ 1, 2, 3 ] ]);
# t_plain: not partitioned, led by server 2.
$meta->table('app', 'rt', 't_plain', id => $ID + 1,
	replicas => [ [ 2, 3, 1 ] ]);

my $ADMIN_PW = 'admin-pw';
my $ADMIN = 'obproxy_sys_password: ' . sha1_hex($ADMIN_PW) . "\n";

$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. $ADMIN . 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 1s\n"
	. "partition_location_expire_relative_time: 500ms\n"
	. "short_async_task_timeout: 1s\n")->run();
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the servers of DBA_OB_SERVERS are published')
	or diag($t->log());
like($t->log(), qr/oceanbase metadata: cluster \Q$Test::OBProxy::ObMeta::CLUSTER\E, version \Q$Test::OBProxy::ObMeta::OB_VERSION\E, role PRIMARY, 3 servers/,
	'the bootstrap read the version, the role and the cluster\'s name');

my $u = $t->user();
my $sql = join ' ', map { "SELECT srv FROM rt.t_hash WHERE id = $_;" } 1 .. 6;
my $want = join '', map { 's' . ($_ % 3 + 1) . "\n" } 1 .. 6;
my ($first, $rc) = $t->mariadb($sql, user => "$u\@app");
is($first, $want, 'the first statements of a table not yet read wait '
	. 'for it and land on their partitions\' leaders');
ok($t->waitfor(sub { $t->log() =~ /published \(3 servers, 1 tenants, 1 tables\)/ }, 10),
	'the table asked for is read and published')
	or diag($t->log());

# OceanBase logins: the servers see the user as user@tenant.
my %before = map { ($_, $t->user_selects($_, "$u\@app")) } 1 .. 3;
my ($out) = $t->mariadb($sql x 3, user => "$u\@app");
is($out, $want x 3, 'each keyed statement is answered by its partition\'s '
	. 'leader');
is(join(' ', map { $t->user_selects($_, "$u\@app") - $before{$_} } 1 .. 3),
	'6 6 6',
	'the servers counted the statements of their partitions');
my %tenant_port = map { ($t->server_port($_), 1) } 1 .. 3;
my @ports = map { scalar $t->mariadb('SELECT @@port', user => "$u\@app") }
	1 .. 4;
chomp @ports;
is(scalar(grep { $tenant_port{$_} } @ports), 4, 'logins of the tenant open '
	. 'on its servers (its __all_dummy entry)') or diag("@ports");
is($meta->route_row('t_hash', $ADMIN_PW), "AVAIL 3 $ID",
	'SHOW PROXYROUTE lists the table read from the metadata, with its id '
	. 'and partitions');

# Partition 1 (ids 1 and 4) moves from server 2 to server 3.
my ($followed, @failed) = $meta->move_and_follow($ID, 1, 3,
	'SELECT srv FROM rt.t_hash WHERE id = 1', "$u\@app", "s3\n");
ok(defined $followed && $followed < 2.5,
	'the moved leader is followed within one refresh (1s)')
	or diag('followed after ' . ($followed // 'never'));
diag(sprintf('moved leader followed after %.2fs', $followed // -1));
is(scalar @failed, 0, 'no statement failed meanwhile') or diag("@failed");
($out) = $t->mariadb($sql, user => "$u\@app");
is($out, "s3\ns3\ns1\ns3\ns3\ns1\n",
	'partition 1 on its new leader, the others where they were');
# KEY: the names spread over the leaders, case and trailing spaces
# ignored as the collation says.
my %key_of;
for my $name (@Test::OBProxy::ROUTING_NAMES, 'ALICE ') {
	($key_of{$name}) = $t->mariadb("SELECT srv FROM rt.t_key WHERE name ="
		. " '$name'", user => "$u\@app");
}
my %used = map { $_ => 1 } values %key_of;
ok(keys(%used) >= 2 && !grep({ !/^s[123]\n$/ } values %key_of)
	&& $key_of{'ALICE '} eq $key_of{alice},
	'KEY: the names spread over the leaders, by the collation')
	or diag(explain \%key_of);

my @two = map { my ($i, $k) = @$_; scalar $t->mariadb('SELECT srv FROM'
	. " rt.t_two WHERE id = $i AND k = $k", user => "$u\@app") }
	[ 0, 0 ], [ 0, 1 ], [ 1, 0 ], [ 1, 1 ];
is(join('', @two), "s1\ns2\ns3\ns1\n", 'two levels: each (id, k) on its '
	. 'subpartition\'s leader');

# Server 3 INACTIVE in DBA_OB_SERVERS: after a refresh no login opens
# there.
$meta->server_status(3, 'INACTIVE');
sleep 2.2;
@ports = map { scalar $t->mariadb('SELECT @@port', user => "$u\@app") }
	1 .. 12;
chomp @ports;
is(scalar(grep { $_ == $t->server_port(3) } @ports), 0,
	'an INACTIVE server takes no login of its tenant') or diag("@ports");
$meta->server_status(3, 'ACTIVE');

# 20 sessions touch t_plain at once: one lookup (and the refreshes
# of the seconds it took), every statement on its leader.
$t->root_query(4, "SET GLOBAL log_output = 'TABLE', general_log = 1");
my $start = time();
my @bg = map { $t->mariadb_bg('SELECT srv FROM rt.t_plain WHERE id = 1',
	user => "$u\@app") } 1 .. 20;
my @got = map { scalar $t->mariadb_wait($_) } @bg;
my $took = time() - $start;
is(join('', @got), "s2\n" x 20, '20 sessions on a new table all land on '
	. 'its leader');
my $lookups = $t->root_query(4, 'SELECT COUNT(*) FROM mysql.general_log'
	. " WHERE argument LIKE '%A.table_name = ''t_plain'' AND"
	. " A.tablet_id = 0%'");
ok($lookups >= 1 && $lookups <= 1 + int($took + 1), sprintf('one lookup '
	. 'for them (%d in %.2fs, refreshes at 1s)', $lookups, $took));

# A table the metadata does not know (information_schema's) is looked
# up once: its statements are not held again for a refresh interval.
$start = time();
($out, $rc) = $t->mariadb('SELECT COUNT(*) > 0 FROM information_schema.ENGINES;'
	x 500, user => "$u\@app");
$took = time() - $start;
ok(!$rc && $out eq "1\n" x 500 && $took < 1.2, sprintf('500 statements on '
	. 'a table the metadata lacks, not held each (%.2fs)', $took));

# The metadata server hangs: a statement on a table not read yet waits
# short_async_task_timeout (1s), then goes to the tenant's servers.
kill 'STOP', $t->mariadb_pid(4);
$start = time();
my ($r) = $t->mariadb('SELECT COUNT(*) FROM rt.t_range',
	user => "$u\@app");
$took = time() - $start;
kill 'CONT', $t->mariadb_pid(4);
is($r, "3\n", 'with the metadata server hung, a new table is served');
ok($took > 0.9 && $took < 3, sprintf('after short_async_task_timeout '
	. '(%.2fs)', $took));

# A hot upgrade under keyed statements: the new generation's monitor
# reads the cluster again, the two never publish at once, and every
# statement still lands on its leader.
my $bgsql = "SELECT srv FROM rt.t_hash WHERE id = 3; DO SLEEP(0.01); " x 300;
my $bg = $t->mariadb_bg($bgsql, user => "$u\@app");
sleep 0.5;
my $old = $t->pid();
my ($urc) = $t->ctl('upgrade');
my ($crc) = $t->ctl('commit');
my $new = $t->follow_upgrade(20);
ok($urc == 0 && $crc == 0 && $new && $new != $old, 'a hot upgrade');
my ($bgout, $bgrc) = $t->mariadb_wait($bg, 60);
is($bgout, "s1\n" x 300, 'the statements across it all on their leader')
	or diag("exit $bgrc: " . substr($bgout =~ s/(s1\n)+/[s1...]/gr, 0, 2000));
($out) = $t->mariadb($sql, user => "$u\@app");
is($out, "s3\ns3\ns1\ns3\ns3\ns1\n", '  and so do new sessions');

unlike($t->error_log() =~ s/^.*detect_server_timeout.*$//mr,
	qr/oceanbase metadata/, 'the source logged no other error');

# OB_NOT_MASTER: with refreshes a minute apart, a leader moved in the
# metadata is read again delay_update_entry_interval (1s) after the old
# leader answered 4038 (a function of rt that signals it there).
$t->stop();
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. $ADMIN . 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 60s\n"
	. "delay_update_entry_interval: 1s\n")->run();
for my $n (1 .. 3) {
	$t->_root_sql($n, "DELIMITER //\nCREATE FUNCTION rt.chk() RETURNS INT"
		. ' NO SQL ' . ($n == 3 ? "BEGIN SIGNAL SQLSTATE 'HY000' SET"
		. " MYSQL_ERRNO = 4038, MESSAGE_TEXT = 'Not master'; RETURN 1;"
		. ' END' : 'RETURN 0') . "//\nDELIMITER ;\n", 'function rt.chk');
}
my $q = 'SELECT srv FROM rt.t_hash WHERE id = 2 AND rt.chk() = 0';
($out) = $t->mariadb($q, user => "$u\@app");
like($out, qr/ERROR 4038/, 'the leader of partition 2 says not master');
is($meta->route_row('t_hash', $ADMIN_PW), "DIRTY 3 $ID", '  the entry is '
	. 'DIRTY in SHOW PROXYROUTE until it is read again');
($followed) = $meta->move_and_follow($ID, 2, 1, $q, "$u\@app", "s1\n");
ok(defined $followed && $followed < 5, 'after OB_NOT_MASTER the entry is '
	. 'read again within delay_update_entry_interval, not the refresh')
	or diag('followed after ' . ($followed // 'never'));
diag(sprintf('not-master entry refreshed after %.2fs', $followed // -1));

# A dead leader: server 1 (leading partition 0, ids 3 and 6) stops and
# the metadata moves the partition to server 2; the writes the blocklist
# refuses mark the entry dirty, and it is read again after
# delay_update_entry_interval, not at the next refresh a minute later.
$t->stop_mariadb(1);
$meta->move_leader($ID, 0, 2);
my $moved = time();
undef $followed;
my $w = 'UPDATE rt.t_hash SET srv = srv WHERE id = 3';
for (1 .. 200) {
	my ($o, $r) = $t->mariadb($w, user => "$u\@app");
	if (!$r) {
		$followed = time() - $moved;
		last;
	}
	last if time() - $moved > 10;
	sleep 0.05;
}
ok(defined $followed && $followed < 5, 'a dead leader makes the entry '
	. 'dirty: the writes go to the new leader within '
	. 'delay_update_entry_interval') or diag('after ' . ($followed // 'never'));
diag(sprintf('dead leader replaced after %.2fs', $followed // -1));

# A cluster that names itself otherwise (1.6's check) is not published.
$t->stop();
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 1\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: other\n")->run();
ok($t->waitfor(sub { $t->error_log() =~ /the servers are cluster "\Q$Test::OBProxy::ObMeta::CLUSTER\E", not rootservice_cluster_name "other": nothing published/ }, 10),
	'a cluster of another name is refused, with a WARN naming both')
	or diag($t->error_log());
