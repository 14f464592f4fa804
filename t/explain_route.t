#!/usr/bin/perl

# EXPLAIN ROUTE (README, Admin SQL): the route diagnosis of a statement,
# as the session would route it, without running it; on the harness's
# routing cluster (t_hash: HASH by id over three partitions, partition
# p<id % 3> led by server id % 3 + 1), then on a primary and replicas;
# the [ROUTE] line of obproxy_diagnosis.log, and SHOW PROXYTRACE's
# attempts of a retried read.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Digest::SHA qw/sha1_hex/;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(27);
my $topology = $t->run_routing_cluster();
my $u = $t->user();
my @addr = map { $t->server($_) } 1 .. 3;

$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 1\n"
	. "congestion_retry_interval: 60s\n"
	. "obproxy_sys_password: @{[ sha1_hex('admin-pw') ]}\n"
	. $topology)->run();
ok($t->waitfor(sub { $t->log() =~ /route cache: generation \d+ published/ },
	10), 'the route cache is published') or diag($t->log());

# The plan of <sql> (more statements may come before it in the session).
sub plan_of {
	my ($sql, %o) = @_;
	my ($out, $rc) = $t->mariadb(($o{before} // '') . "EXPLAIN ROUTE $sql",
		user => $o{user} // "$u\@app", database => 'rt',
		args => [ '--raw', '--comments' ]);
	return $rc ? "error: $out" : $out;
}

# <plan> holds each of <pieces> (literal texts), in this order.
sub holds {
	my ($plan, @pieces) = @_;
	my $at = 0;
	for my $p (@pieces) {
		my $i = index($plan, $p, $at);
		return 0 if $i < 0;
		$at = $i + length $p;
	}
	return 1;
}

sub admin {
	return scalar $t->mariadb_proxysys($_[0], password => 'admin-pw');
}

sub real {
	my ($sql) = @_;
	return scalar $t->mariadb($sql, user => "$u\@app", database => 'rt');
}

my ($s1, $s2, $s3) = @addr;
my $plan = plan_of('SELECT srv FROM t_hash WHERE id = 4');
ok(holds($plan, qq|\nTrans Current Query:"SELECT srv FROM t_hash WHERE id = 4"|
	. "\n\nRoute Prompts\n-----------------\n> ROUTE_INFO\n"
	. "  [INFO] Will do table partition location lookup",
	"\n\nRoute Plan\n-----------------\n"),
	"ODP's layout: the statement, the prompts, the plan") or diag($plan);
ok(holds($plan,
	qq|> SQL_PARSE:{cmd:"COM_QUERY", sql_cmd:"SELECT", table:"t_hash"}\n|
	. qq|> ROUTE_INFO:{route_info_type:"USE_PARTITION_LOCATION_LOOKUP"}\n|
	. qq|> LOCATION_CACHE_LOOKUP:{mode:"route_cache"}\n|
	. qq|  > TABLE_ENTRY_LOOKUP_DONE:{table:"t_hash", table_id:"|,
	qq|", table_type:"USER TABLE", partition_num:3}\n|
	. qq|  > PARTITION_ID_CALC_START:{partition_num:3}\n|
	. qq|  > PARTITION_ID_CALC_DONE:{partition_id:1, partitions:"(p1)"}\n|
	. qq|  > PARTITION_ENTRY_LOOKUP_DONE:{leader:"$s2"}\n|
	. qq|> ROUTE_POLICY:{route_policy:"NONE", chosen_route_type:|
	. qq|"ROUTE_TYPE_LEADER", replica:"$s2", role:"LEADER", type:"FULL", |
	. qq|trans_consistency:"STRONG"}\n|
	. qq|> CONGESTION_CONTROL:{svr_addr:"$s2"}\n|),
	'a keyed SELECT: partition p1, its leader server 2') or diag($plan);
is(real('SELECT srv FROM t_hash WHERE id = 4'), "s2\n",
	'and the statement itself runs on server 2');

$plan = plan_of('SELECT srv FROM t_hash');
ok(holds($plan, "> PARTITION_ID_CALC_DONE\n  [WARN] Fail to use partition key",
	'ROUTE_TYPE_TENANT'), 'a SELECT without the key: no partition, the '
	. "tenant's servers") or diag($plan);

# A statement that misses its partition: its plan in obproxy_diagnosis.log.
real('SELECT COUNT(*) FROM t_hash');
ok($t->waitfor(sub { holds($t->odp_log('diagnosis'),
	'[ROUTE](trace_type="ROUTE_TRACE", route_diagnosis="',
	'SELECT COUNT(*) FROM t_hash', '[WARN] Fail to use partition key') },
	10) && $t->odp_log('diagnosis') !~ /WHERE id = 4/,
	'a statement without the key (only) gets a [ROUTE] line in '
	. 'obproxy_diagnosis.log') or diag($t->odp_log('diagnosis'));

$plan = plan_of('SELECT srv FROM t_plain WHERE id = 1');
ok(holds($plan, '[INFO] Non-partition table will be routed by ROUTE_POLICY'),
	'a table without partitions') or diag($plan);

$plan = plan_of('SELECT * FROM nope WHERE id = 1');
ok(holds($plan, 'Table nope is not in the route cache',
	qq|TABLE_ENTRY_LOOKUP_DONE:{table:"nope", is_lookup_succ:false}|),
	'a table the cache does not know') or diag($plan);

$plan = plan_of('SELECT /*+ READ_CONSISTENCY(WEAK) */ srv FROM t_hash '
	. 'WHERE id = 4');
ok(holds($plan, 'using route policy MERGE_IDC_ORDER because query for WEAK '
	. 'read', qq|> ROUTE_POLICY:{route_policy:"MERGE_IDC_ORDER"|,
	qq|trans_consistency:"WEAK"}|), 'a weak read') or diag($plan);

$plan = plan_of('SELECT srv FROM t_hash WHERE id = 5',
	before => 'BEGIN; SELECT srv FROM t_hash WHERE id = 4; ');
ok(holds($plan, "Will route to last connected server($s2) because current "
	. 'query in transaction', qq|> ROUTE_INFO:{route_info_type:|
	. qq|"USE_LAST_SESSION", svr_addr:"$s2", in_transaction:true}|),
	'in a transaction: the last server') or diag($plan);

$plan = plan_of("/* target_db_server=$s3 */ SELECT srv FROM t_hash "
	. 'WHERE id = 4');
ok(holds($plan, qq|route_info_type:"USE_COMMENT_TARGET_DB", |
	. qq|svr_addr:"$s3"|), 'target_db_server in a comment') or diag($plan);

# EXPLAIN does not run the statement.
$plan = plan_of("INSERT INTO t_hash (id, srv) VALUES (7, 'x')");
ok(holds($plan, "leader replica($s2) because the statement writes",
	'sql_cmd:"INSERT"'), 'an INSERT explained: the leader of p1')
	or diag($plan);
is($t->root_query(2, 'SELECT COUNT(*) FROM rt.t_hash WHERE id = 7'), 0,
	'and not run');

# A blocked server: server 2 stopped, a statement fails to reach it.
$t->stop_mariadb(2);
real('SELECT srv FROM t_hash WHERE id = 4');
ok($t->waitfor(sub { admin('SHOW PROXYCONGESTION')
	=~ /\Q$s2\E/ }, 10), 'server 2 is blocked');
$plan = plan_of('SELECT srv FROM t_hash WHERE id = 4');
ok(holds($plan, "> CONGESTION_CONTROL\n  [WARN] Will not route to this "
	. "replica($s2): it is in black list", '> CONGESTION_CONTROL:{svr_addr:"')
	&& $plan !~ /svr_addr:"\Q$s2\E"/,
	'a blocked leader: the plan says so and goes elsewhere') or diag($plan);
$plan = plan_of('UPDATE t_hash SET srv = srv WHERE id = 4');
ok(holds($plan, "> ROUTE_POLICY\n  [WARN] the leader of rt.t_hash, server "
	. "$s2, is unreachable"), 'a write to it: the error') or diag($plan);

# Levels 3 and 4 add the key as the router resolved it: the column, the
# literal, its value and the partition it gives; level 2 shows none.
my $keyed = 'SELECT srv FROM t_hash WHERE id = 4';
$plan = plan_of($keyed);
ok(holds($plan, 'PARTITION_ID_CALC_DONE:{partition_id:1')
	&& !holds($plan, 'EXPR_PARSE') && !holds($plan, 'RESOLVE_TOKEN')
	&& !holds($plan, 'part_expr'), 'level 2: no key column nor value')
	or diag($plan);
admin('ALTER PROXYCONFIG SET route_diagnosis_level = 3');
$plan = plan_of($keyed);
ok(holds($plan, qq|    > FETCH_TABLE_RELATED_DATA:{part_level:1, |
	. qq|part_expr:"id"}\n|, qq|    > EXPR_PARSE:{col_val:"id=4"}\n|
	. qq|    > RESOLVE_EXPR:{part_range:"[4 ; 4]"}\n|
	. qq|    > CALC_PARTITION_ID:{part_description:"partition by HASH(id) |
	. qq|partitions 3", part_idx:1}\n|
	. qq|  > PARTITION_ID_CALC_DONE:{partition_id:1, partitions:"(p1)"}|)
	&& !holds($plan, 'RESOLVE_TOKEN'),
	'level 3: the key column, its value, the partition computed')
	or diag($plan);
admin('ALTER PROXYCONFIG SET route_diagnosis_level = 4');
$plan = plan_of("SELECT srv FROM t_hash WHERE id = '4'");
ok(holds($plan, qq|    > EXPR_PARSE:{col_val:"id=4"}\n|,
	qq|      > RESOLVE_TOKEN:{token_type:"TOKEN_STR_VAL", |
	. qq|resolve:"VARCHAR:4", token:"4", column:"id"}\n|,
	qq|part_idx:1}\n|, qq|partition_id:1, partitions:"(p1)"}|),
	'level 4: the token as written and its value') or diag($plan);

# Level 1 keeps the main points; 0 turns the diagnosis off.
admin('ALTER PROXYCONFIG SET route_diagnosis_level = 1');
$plan = plan_of('SELECT srv FROM t_hash WHERE id = 3');
ok(holds($plan, '> ROUTE_POLICY:') && !holds($plan, 'TABLE_ENTRY_LOOKUP_DONE:'),
	'route_diagnosis_level 1: level-1 points only') or diag($plan);
admin('ALTER PROXYCONFIG SET route_diagnosis_level = 0');
is(plan_of('SELECT srv FROM t_hash WHERE id = 3'),
	"Route diagnosis disabled\n", 'route_diagnosis_level 0');
admin('ALTER PROXYCONFIG SET route_diagnosis_level = 2');
$t->stop();
$t->start_mariadb(2);

# A primary and replicas (roles; no replication is needed to explain).
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 1\n"
	. "enable_read_write_split: true\nread_after_write_window: 10s\n"
	. "servers:\n"
	. "  p: {address: $s1, role: primary}\n"
	. "  r: {address: $s3, role: replica}\n")->run();
$plan = plan_of('SELECT srv FROM t_plain WHERE id = 1', user => $u);
ok(holds($plan, "Will route to replica($s3)", 'USE_SERVER_ROLES',
	'role:"REPLICA"', 'trans_consistency:"WEAK"'),
	'roles: a read on the replica') or diag($plan);
$plan = plan_of('DELETE FROM t_plain WHERE id = 1', user => $u);
ok(holds($plan, "Will route to the primary($s1) because the statement "
	. 'writes', 'role:"PRIMARY"'), 'roles: a write on the primary')
	or diag($plan);
is($t->root_query(1, 'SELECT COUNT(*) FROM rt.t_plain'), 3,
	'the DELETE explained did not run');
$plan = plan_of('SELECT srv FROM t_plain', user => $u,
	before => 'DELETE FROM t_plain WHERE id = 99; ');
ok(holds($plan, "Will route to the primary($s1) because the session's reads "
	. 'stay on the primary', 'role:"PRIMARY"'),
	'roles: a read after a write (read_after_write_window), on the primary')
	or diag($plan);
$plan = plan_of('SELECT srv FROM t_plain', user => $u,
	before => 'CREATE TEMPORARY TABLE tt (a INT); ');
ok(holds($plan, "Will route to last connected server($s1) because the "
	. "session's state lives there", 'USE_LAST_SESSION'),
	'roles: after a temporary table, the server that holds it')
	or diag($plan);
$t->stop();

# SHOW PROXYTRACE: a read whose server stops answering goes again on
# another server (retry.h); the trace shows both attempts.
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 1\n"
	. "server_query_timeout: 1s\nobserver_query_timeout_delta: 1s\n"
	. "obproxy_sys_password: @{[ sha1_hex('admin-pw') ]}\n"
	. $topology)->run();
my $dbh = $t->dbh(user => "$u\@app", database => 'rt');
my $srv = $dbh ? $dbh->selectrow_array('SELECT srv FROM t_plain WHERE id = 1')
	// '' : '';
my ($n) = $srv =~ /^s(\d)$/;
my $pid = $n ? $t->mariadb_pid($n) : 0;
kill 'STOP', $pid if $pid;
my $again = $dbh ? $dbh->selectrow_array('SELECT srv FROM t_plain WHERE id = 1')
	// '' : '';
kill 'CONT', $pid if $pid;
my $adbh = $t->dbh(user => 'root@proxysys', password => 'admin-pw',
	database => undef);
my $rows = $adbh && $dbh ? $adbh->selectall_arrayref('SHOW PROXYTRACE '
	. $dbh->{mariadb_thread_id}) // [] : [];
my $was = $n ? $addr[$n - 1] : '';
is_deeply([ map { "$_->[0] $_->[2]:$_->[3] $_->[4]" } @$rows ],
	[ "1 $was CONNECTION_CLOSED", "2 " . ($again =~ /^s(\d)$/
		? $addr[$1 - 1] : '?') . ' CMD_COMPLETE' ],
	"SHOW PROXYTRACE: the retried read's two attempts ($srv, then $again)")
	or diag(explain($rows), $t->log());
