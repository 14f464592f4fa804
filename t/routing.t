#!/usr/bin/perl

# Tests for cluster routing on the harness's routing cluster: three
# servers with the same schema, each row marked with its server's name
# ("srv"), so every result says which server answered.  Partition p0 of
# each table is led by s1, p1 by s2, p2 by s3; t_hash is HASH(id) over
# three partitions (id 1 -> p1 -> s2, 2 -> s3, 3 -> s1), t_range splits
# at 100 and 200.  Checked through real clients: leaders for reads and
# writes, literals and placeholders, statements without a key, forced
# targets, transactions held until their first statement and kept on
# their server, weak reads by LDC and route policy, a dead leader, a
# reload moving a leader under connected clients, the session's state on
# every server it uses, and one route cache shared by every worker.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(50);
my $topology = $t->run_routing_cluster();
my @s = map { $t->server($_) } 1 .. 3;
my $base = "automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. "congestion_retry_interval: 60s\n";
$t->write_conf($base . $topology)->run();
my $u = $t->user() . '@app';

# What one statement answers through the proxy, on a connection of its own.
sub ask {
	my ($sql, %o) = @_;
	my ($out, $rc) = $t->mariadb($sql, user => $u, args => ['--comments'],
		%o);
	chomp $out;
	return $rc ? "error: $out" : $out;
}

# The same on a server directly.
sub direct {
	my ($n, $sql) = @_;
	my ($out, $rc) = $t->mariadb($sql, port => $t->server_port($n));
	chomp $out;
	return $rc ? "error: $out" : $out;
}

sub counter { $t->status()->{$_[0]} // 0 }

# --- reads and writes go to the partition's leader -------------------------
is(join(' ', map { ask("SELECT srv FROM rt.t_hash WHERE id = $_") } 1 .. 6),
	's2 s3 s1 s2 s3 s1', 'HASH: each id read on its partition\'s leader');
is(join(' ', map { ask("SELECT srv FROM rt.t_range WHERE id = $_") }
	50, 150, 250), 's1 s2 s3',
	'RANGE COLUMNS: each value on its partition\'s leader, MAXVALUE last');
is(ask('SELECT h.srv FROM `rt`.`t_hash` AS h WHERE h.`ID` = 2'), 's3',
	'quoted names, an alias, a key column in another case');
is(ask("USE rt; SELECT srv FROM t_hash WHERE id = 3"), 's1',
	'the session\'s schema names the table');

my %key_of;
for my $name (@Test::OBProxy::ROUTING_NAMES) {
	$key_of{$name} = ask("SELECT srv FROM rt.t_key WHERE name = '$name'");
}
my %used = map { $_ => 1 } values %key_of;
ok(scalar(keys %used) >= 2 && !grep({ !/^s[123]$/ } values %key_of),
	'KEY: names spread over the leaders') or diag(explain \%key_of);
is(ask("SELECT srv FROM rt.t_key WHERE name = 'ALICE '"), $key_of{alice},
	'KEY on utf8mb4_general_ci: case and trailing spaces do not matter');

is(ask("INSERT INTO rt.t_hash (id, srv) VALUES (7, 'new')"), '',
	'an insert');
is(join(' ', map { direct($_, 'SELECT COUNT(*) FROM rt.t_hash WHERE id = 7') }
	1 .. 3), '0 1 0', 'the insert landed on its partition\'s leader only');
ask("UPDATE rt.t_hash SET srv = 'upd' WHERE id = 7");
is(direct(2, 'SELECT srv FROM rt.t_hash WHERE id = 7'), 'upd',
	'an update by key on the leader');
ask('DELETE FROM rt.t_hash WHERE id = 7');
is(direct(2, 'SELECT COUNT(*) FROM rt.t_hash WHERE id = 7'), '0',
	'a delete by key on the leader');

is(ask('SELECT srv FROM rt.t_hash WHERE id IN (1, 4)'), "s2\ns2",
	'an IN list within one partition: its leader');
is(ask('SELECT srv FROM rt.t_hash ORDER BY id LIMIT 1'), 's1',
	'no key: the tenant\'s primary zone');
is(ask('SELECT srv FROM rt.t_plain WHERE id = 1'), 's1',
	'a table without partitions: its leader');
is(ask("/* target_db_server=$s[2] */ SELECT srv FROM rt.t_plain LIMIT 1"),
	's3', 'a target_db_server comment wins');

# --- prepared statements route by their parameters -------------------------
my $dbh = $t->dbh(user => $u, database => 'rt') or die $t->dbi_error();
my $sth = $dbh->prepare('SELECT srv FROM t_hash WHERE id = ?',
	{ mariadb_server_prepare => 1 });
is(join(' ', map { $sth->execute($_); ($sth->fetchrow_array)[0] } 1 .. 6),
	's2 s3 s1 s2 s3 s1', 'DBD::MariaDB server-side prepared: each leader');
my $ins = $dbh->prepare('INSERT INTO t_hash (srv, id) VALUES (?, ?)',
	{ mariadb_server_prepare => 1 });
ok($ins->execute('ps', 8) && $ins->execute('ps', 9), 'prepared inserts');
is(join(' ', map { direct($_, 'SELECT GROUP_CONCAT(id) FROM rt.t_hash '
	. "WHERE srv = 'ps'") } 1 .. 3), '9 NULL 8',
	'each prepared insert on its leader');
$dbh->do("DELETE FROM t_hash WHERE id = $_") for 8, 9;

SKIP: {
	skip 'no PyMySQL', 1 unless $t->python_module('pymysql');
	my $py = $t->testdir() . '/route.py';
	$t->write_file('route.py', sprintf(<<'EOF',
import pymysql
c = pymysql.connect(host='127.0.0.1', port=%d, user='%s', password='%s',
                    database='rt', autocommit=True)
cur = c.cursor()
out = []
for i in range(1, 7):
    cur.execute('SELECT srv FROM t_hash WHERE id = %%s', (i,))
    out.append(cur.fetchone()[0])
print(' '.join(out))
EOF
		$t->client_port(), $u, $t->password()));
	my $out = `timeout 30 /usr/bin/python3 $py 2>&1`;
	chomp $out;
	is($out, 's2 s3 s1 s2 s3 s1', 'PyMySQL: each leader');
}

# --- transactions -------------------------------------------------------
is(ask('BEGIN; SELECT srv FROM rt.t_hash WHERE id = 2; '
	. "UPDATE rt.t_hash SET srv = 'tx' WHERE id = 3; "
	. 'SELECT srv FROM rt.t_hash WHERE id = 1; COMMIT'), "s3\ns3",
	'a transaction starts on its first statement\'s server and stays');
is(join(' ', map { direct($_, 'SELECT srv FROM rt.t_hash WHERE id = 3') }
	1 .. 3), 's1 s2 tx', 'its write committed there');
direct(3, "UPDATE rt.t_hash SET srv = 's3' WHERE id = 3");
$dbh->{AutoCommit} = 0;
my $one = $dbh->selectrow_array('SELECT srv FROM t_hash WHERE id = 1');
my $two = $dbh->selectrow_array('SELECT srv FROM t_hash WHERE id = 2');
$dbh->rollback();
$dbh->{AutoCommit} = 1;
is("$one $two", 's2 s2', 'autocommit off: the transaction stays on s2');
is(ask('BEGIN; ROLLBACK; SELECT srv FROM rt.t_hash WHERE id = 2'), 's3',
	'an empty transaction ends without a server');

# --- the session's state on every server it uses -----------------------
$dbh->do("SET \@tag = 'x\\'y', \@n = 12345678901234, "
	. "SESSION sql_mode = 'ANSI_QUOTES,NO_ZERO_DATE'");
my $state = $dbh->prepare('SELECT srv, @tag, @n, @@sql_mode, DATABASE() '
	. 'FROM t_hash WHERE id = ?', { mariadb_server_prepare => 1 });
my @seen;
for my $id (1, 2, 3, 1) {
	$state->execute($id);
	push @seen, join ',', $state->fetchrow_array();
}
is(join(' ', @seen), join(' ', map { "$_,x'y,12345678901234,"
	. 'ANSI_QUOTES,NO_ZERO_DATE,rt' } qw/s2 s3 s1 s2/),
	'variables, user variables and schema follow to every server');
my $old = $dbh->prepare('SELECT srv, ? FROM t_hash WHERE id = 2',
	{ mariadb_server_prepare => 1 });
$old->execute('a');
$dbh->do('USE mysql');
$sth->execute(3);
is(($sth->fetchrow_array)[0], 's1',
	'a statement prepared earlier runs on another server');
$old->execute('b');
is(join(',', $old->fetchrow_array), 's3,b', 'and back');
$dbh->do('SET SESSION sql_mode = DEFAULT');
my $global = direct(1, 'SELECT @@GLOBAL.sql_mode');
my @modes = map { $state->execute($_); ($state->fetchrow_array())[3] }
	1, 2, 3;
is(join('|', @modes), join('|', ($global) x 3),
	'SET ... = DEFAULT reaches every server the session used');
ok(counter('route_switch') > 0, 'switches are counted');
ok(counter('route_leader') >= 30, 'leader routes are counted');

# --- weak reads by LDC and route policy ----------------------------------
sub weak {
	my ($id) = @_;
	return ask('SELECT /*+ READ_CONSISTENCY(WEAK) */ srv FROM rt.t_hash '
		. "WHERE id = $id");
}

sub with_params {
	my ($extra) = @_;
	$t->write_conf($base . $extra . $topology);
	ok($t->reload(), "reload: " . ($extra =~ s/\n/, /gr));
}

with_params("proxy_idc_name: idc2\n");
is(join(' ', map { weak(3) } 1 .. 4), 's2 s2 s2 s2',
	'weak read of p0 (leader s1): the follower in the proxy\'s IDC');
is(join(' ', map { weak(1) } 1 .. 4), 's2 s2 s2 s2',
	'weak read of p1: the leader is in the proxy\'s IDC');
with_params("proxy_idc_name: idc3\nproxy_route_policy: FOLLOWER_ONLY\n");
is(join(' ', map { weak(2) } 1 .. 4) =~ /s3/ ? 'leader' : 'followers',
	'followers', 'FOLLOWER_ONLY: never the leader, even in the IDC');
is(join(' ', map { weak(3) } 1 .. 4), 's3 s3 s3 s3',
	'FOLLOWER_ONLY: a follower in the IDC');
with_params("proxy_idc_name: idc1\nproxy_route_policy: FOLLOWER_FIRST\n");
is(join(' ', map { weak(3) } 1 .. 4), 's2 s2 s2 s2',
	'FOLLOWER_FIRST, leader in the IDC: a follower of the same region');
is(ask("SET ob_read_consistency = 'weak'; SET proxy_session_ldc = 'idc3'; "
	. 'SELECT srv FROM rt.t_hash WHERE id = 3; '
	. 'SET ob_read_consistency = STRONG; '
	. 'SELECT srv FROM rt.t_hash WHERE id = 3'), "s3\ns1",
	'ob_read_consistency and proxy_session_ldc, kept by the proxy');
like(ask("SET ob_read_consistency = 'sometimes'"), qr/ERROR 1231/,
	'a value they cannot take: 1231');
with_params("enable_read_write_split: true\nproxy_idc_name: idc3\n");
is(ask('SELECT srv FROM rt.t_hash WHERE id = 3'), 's3',
	'read/write split: a read outside a transaction goes to a replica');
is(ask('BEGIN; SELECT srv FROM rt.t_hash WHERE id = 3; COMMIT'), 's1',
	'inside a transaction: the leader');

# --- a dead leader --------------------------------------------------------
with_params('');
$t->stop_mariadb(3);
like(ask("UPDATE rt.t_hash SET srv = 'x' WHERE id = 2"),
	qr/^error: .*ERROR 1429.*\Q$s[2]\E/s,
	'a write whose leader is down: a clear error naming it');
like(ask("UPDATE rt.t_hash SET srv = 'x' WHERE id = 2"),
	qr/^error: .*leader of rt\.t_hash, server \Q$s[2]\E, is unreachable/s,
	'again, with the leader blocked: refused at once');
like(weak(2), qr/^s[12]$/, 'a weak read of its partition: a live follower');
is(ask('SELECT srv FROM rt.t_hash WHERE id = 1'), 's2',
	'other partitions are served');
$t->start_mariadb(3);

# --- a reload moves a leader under connected clients ------------------------
my $dbh2 = $t->dbh(user => $u, database => 'rt') or die $t->dbi_error();
my $before = $dbh2->selectrow_array('SELECT srv FROM t_hash WHERE id = 3');
(my $moved = $topology) =~ s/p0: \[s1 leader, s2 follower/p0: [s2 leader, s1 follower/g;
$t->write_conf($base . $moved);
ok($t->reload(), 'reload with p0 led by s2');
my $after = $dbh2->selectrow_array('SELECT srv FROM t_hash WHERE id = 3');
is("$before $after", 's1 s2', 'the connected client follows the new leader');

# --- one route cache for every worker -----------------------------------
my @gens = $t->log() =~ /route cache: generation (\d+) published/g;
my %once;
$once{$_}++ for @gens;
ok(!grep({ $_ != 1 } values %once) && @gens == 7,
	'each generation published once, by the master, for both workers')
	or diag("@gens");
is($t->error_log() =~ s/.*(blocked|connect to any server).*\n//gr,
	'', 'no other errors');
