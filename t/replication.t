#!/usr/bin/perl

# A MariaDB primary with two replicas (real replication, GTIDs) behind
# the proxy, configured by etc/primary-replicas.yaml as shipped (only the
# addresses and the port substituted): logins work without
# rootservice_list; writes, locking reads, DDL and transactions run on
# the primary, for tables the topology does not declare; reads are
# spread over the replicas by their weights (2:1, within 20%); statements
# that depend on the session's server stay on it; read_after_write_window
# keeps a session's reads on the primary after its write.  Every claim is
# counted on the servers' own counters (Com_*, their binary logs).

use warnings;
use strict;

use List::Util qw/sum/;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(26)->run_replication(2);

# Each server's own counters: Com_insert ... (a replica's count what it
# applies too), the test account's SELECTs and writes (userstat: the
# monitor's probes run SELECTs on every server as another account) and
# the server's own binary log position (where a client's write on a
# replica would land).
my @COUNTERS = qw/Com_insert Com_update Com_delete Com_create_table/;

sub counters {
	return { map { ($_, { %{$t->server_status($_, @COUNTERS)},
		Com_select => $t->user_selects($_),
		user_writes => $t->user_writes($_),
		binlog => $t->root_query($_, 'SELECT @@gtid_binlog_pos') }) }
		1 .. 3 };
}

# What each server counted between two counters() calls.
sub delta {
	my ($a, $b, $name) = @_;
	return [ map { $b->{$_}{$name} - $a->{$_}{$name} } 1 .. 3 ];
}

# The replicas' own binary logs did not move.
sub replicas_unwritten {
	my ($a, $b) = @_;
	return $a->{2}{binlog} eq $b->{2}{binlog}
		&& $a->{3}{binlog} eq $b->{3}{binlog};
}

# The shipped example, addresses and port substituted.
sub example {
	my ($file) = @_;
	my $text = $t->read_file("$FindBin::Bin/../etc/$file")
		// die "no etc/$file";
	my %addr = map { ("10.0.0.$_:3306", $t->server($_)) } 1 .. 3;
	$text =~ s/(10\.0\.0\.\d:3306)/$addr{$1}/g;
	$text =~ s/^(listen_port\s*[:=]\s*)2883/$1%%PORT_2883%%/m;
	return $text;
}

$t->write_file_expand('obproxy.yaml', example('primary-replicas.yaml'))
	->run();

# Logins, and the session's first server session on the primary.

my $dbh = $t->dbh();
ok($dbh, 'login without rootservice_list') or diag($t->dbi_error());
is($t->root_query(1, 'SELECT COUNT(*) FROM information_schema.PROCESSLIST'
	. " WHERE USER = 'obtest'"), 1, "the login's server session: on the primary");

# Writes on a table the topology does not declare.

my $c0 = counters();
$dbh->do('CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, v INT)');
$dbh->do('INSERT INTO w (v) VALUES (?)', undef, $_) for 1 .. 20;
$dbh->do('UPDATE w SET v = v + 1 WHERE id <= 5');
$dbh->do('DELETE FROM w WHERE id = 20');
my $locked = $dbh->selectall_arrayref('SELECT id FROM w WHERE id = 1 '
	. 'FOR UPDATE');
my ($lock) = $dbh->selectrow_array("SELECT GET_LOCK('obp', 1)");
my ($free) = $dbh->selectrow_array("SELECT RELEASE_LOCK('obp')");
my $c1 = counters();
is_deeply([ map { delta($c0, $c1, $_)->[0] } qw/Com_insert Com_update
	Com_delete Com_create_table Com_select/ ], [ 20, 1, 1, 1, 3 ],
	'the primary ran the CREATE, 20 INSERTs, the UPDATE, the DELETE,'
	. ' FOR UPDATE, GET_LOCK and RELEASE_LOCK');
is_deeply([ map { delta($c0, $c1, 'Com_select')->[$_] } 1, 2 ], [ 0, 0 ],
	'the replicas ran none of the locking reads');
is_deeply([ map { $c1->{$_}{user_writes} - $c0->{$_}{user_writes} } 2, 3 ],
	[ 0, 0 ], "the replicas' userstat: no write of the test account");
ok(replicas_unwritten($c0, $c1), "the replicas' own binary logs: still");
is_deeply([ scalar @$locked, $lock, $free ], [ 1, 1, 1 ],
	'locking reads answered, the lock released where it was taken');
$t->sync_replicas();
is($t->root_query(3, 'SELECT COUNT(*) FROM test.w'), 19,
	'the replicas have the rows');

# Reads outside a transaction: over the replicas by weight, 2:1.

my $n = 600;
$c1 = counters();
$dbh->selectrow_array('SELECT v FROM w WHERE id = ?', undef, $_ % 19 + 1)
	for 1 .. $n;
my $c2 = counters();
my $sel = delta($c1, $c2, 'Com_select');
is($sel->[0], 0, "$n reads: none on the primary");
is($sel->[1] + $sel->[2], $n, "$n reads: all on the replicas");
my @want = ($n * 2 / 3, $n / 3);
ok(abs($sel->[1] - $want[0]) <= 0.2 * $want[0]
	&& abs($sel->[2] - $want[1]) <= 0.2 * $want[1],
	"reads by weight 2:1 within 20%: $sel->[1], $sel->[2]");

# A transaction: every statement on the primary (DBI's SET autocommit
# stays where the session is, with the proxy's read of its value).

$dbh->begin_work();
$dbh->selectrow_array('SELECT v FROM w WHERE id = 1') for 1 .. 3;
$dbh->do('UPDATE w SET v = 0 WHERE id = 2');
$dbh->commit();
my $c3 = counters();
is_deeply([ delta($c2, $c3, 'Com_update')->[0],
	$c3->{2}{user_writes} + $c3->{3}{user_writes},
	delta($c2, $c3, 'Com_select')->[0] >= 3,
	sum(@{delta($c2, $c3, 'Com_select')}[1, 2]) ], [ 1, 0, 1, 1 ],
	'a transaction runs on the primary');

# Statements that depend on the session's server.

$dbh->do('INSERT INTO w (v) VALUES (100)');
$dbh->selectrow_array('SELECT v FROM w WHERE id = 1') for 1 .. 3;
my ($id) = $dbh->selectrow_array('SELECT LAST_INSERT_ID()');
my ($ident) = $dbh->selectrow_array('SELECT @@identity');
ok($id > 19 && $ident == $id, "LAST_INSERT_ID() and \@\@identity after"
	. " reads on the replicas: the primary's, $id");
$c3 = counters();
$dbh->do('CREATE TEMPORARY TABLE tmp (a INT)');
$dbh->do('INSERT INTO tmp VALUES (1), (2)');
my ($tmp) = $dbh->selectrow_array('SELECT COUNT(*) FROM tmp');
is($tmp, 2, 'a temporary table is read where it was made');
my ($rows) = $dbh->selectrow_array('SELECT COUNT(*) FROM w');
my $c4 = counters();
is_deeply(delta($c3, $c4, 'Com_select'), [ 2, 0, 0 ],
	'with a temporary table, the session reads on the primary');
$dbh->disconnect();

# Read-your-writes: the replicas stop applying; without a window a read
# after a write misses it, with one it sees it, and after the window
# reads go back to the replicas.

$t->root_query($_, 'STOP SLAVE SQL_THREAD') for 2, 3;
$dbh = $t->dbh();
$dbh->do('INSERT INTO w (v) VALUES (201)');
my ($seen) = $dbh->selectrow_array('SELECT COUNT(*) FROM w WHERE v = 201');
is($seen, 0, 'window 0: a lagging replica answers the read after a write');

$t->write_file_expand('obproxy.yaml', example('primary-replicas.yaml')
	=~ s/read_after_write_window: 0/read_after_write_window: 1500ms/r);
ok($t->reload(undef, 2), 'read_after_write_window set by a reload');
$dbh = $t->dbh();
$dbh->do('INSERT INTO w (v) VALUES (202)');
($seen) = $dbh->selectrow_array('SELECT COUNT(*) FROM w WHERE v = 202');
is($seen, 1, 'window 1.5 s: the read after the write sees it');
$dbh->begin_work();
$dbh->selectrow_array('SELECT COUNT(*) FROM w');
$dbh->do('INSERT INTO w (v) VALUES (203)');
$dbh->commit();
($seen) = $dbh->selectrow_array('SELECT COUNT(*) FROM w WHERE v = 203');
is($seen, 1, 'window 1.5 s: and after a transaction');
select(undef, undef, undef, 1.7);
($seen) = $dbh->selectrow_array('SELECT COUNT(*) FROM w WHERE v = 203');
is($seen, 0, 'past the window the replicas serve again');
$dbh->disconnect();
$t->root_query($_, 'START SLAVE SQL_THREAD') for 2, 3;
$t->sync_replicas();

# The INI example.

$t->stop();
$t->write_file_expand('obproxy.ini', example('primary-replicas.ini'));
unlink $t->testdir() . '/obproxy.yaml';
$t->run('-f', $t->testdir() . '/obproxy.ini');
my $c5 = counters();
my ($out, $rc) = $t->mariadb('INSERT INTO w (v) VALUES (300);'
	. ' SELECT @@port');
my $c6 = counters();
is_deeply([ $rc, delta($c5, $c6, 'Com_insert')->[0],
	replicas_unwritten($c5, $c6) ], [ 0, 1, 1 ],
	'etc/primary-replicas.ini: the write on the primary') or diag($out);

# README's two examples, addresses and port substituted: servers alone
# (reads on the primary), and the split with a read-after-write window.

$t->stop();
unlink $t->testdir() . '/obproxy.ini';
$t->write_file_expand('obproxy.yaml',
	"listen_port: %%PORT_2883%%\n" . $t->readme_example(
	'A plain MySQL/MariaDB deployment needs servers only'));
$t->run();
$dbh = $t->dbh();
$c5 = counters();
$dbh->do('INSERT INTO w (v) VALUES (400)');
$dbh->selectrow_array('SELECT COUNT(*) FROM w') for 1 .. 5;
$c6 = counters();
is_deeply([ delta($c5, $c6, 'Com_insert')->[0],
	delta($c5, $c6, 'Com_select'), replicas_unwritten($c5, $c6) ],
	[ 1, [ 5, 0, 0 ], 1 ],
	"README's servers-only example: the write and the reads on the primary");
$dbh->disconnect();
$t->stop();
$t->write_file_expand('obproxy.yaml',
	"listen_port: %%PORT_2883%%\n" . $t->readme_example(
	'is declared with servers only, each with its role'));
$t->run();
$dbh = $t->dbh();
$dbh->do('INSERT INTO w (v) VALUES (401)');
my ($after) = $dbh->selectrow_array('SELECT COUNT(*) FROM w WHERE v = 401');
select(undef, undef, undef, 1.2);
$c5 = counters();
$dbh->selectrow_array('SELECT COUNT(*) FROM w') for 1 .. 30;
$c6 = counters();
my $r = delta($c5, $c6, 'Com_select');
is_deeply([ $after, $r->[0], $r->[1] + $r->[2], $r->[1] > $r->[2] ],
	[ 1, 0, 30, 1 ], "README's split example: read-your-writes, then"
	. " the replicas ($r->[1], $r->[2])");
$dbh->disconnect();

# The primary down: logins land on a replica, reads go on there, and a
# write is refused with an error naming the primary.

$t->stop_mariadb(1);
$dbh = $t->dbh();
ok($dbh, 'the primary down: a login all the same') or diag($t->dbi_error());
my ($rows_left) = $dbh ? $dbh->selectrow_array('SELECT COUNT(*) FROM w') : 0;
ok($rows_left > 0, "the primary down: reads on the replicas ($rows_left)");
my $wrote = $dbh ? $dbh->do('INSERT INTO w (v) VALUES (500)') : 1;
my $primary = $t->server(1);
ok(!$wrote && ($dbh->errstr // '') =~ /\Q$primary\E/,
	'the primary down: a write refused, naming it') or diag($dbh->errstr);
