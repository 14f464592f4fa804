#!/usr/bin/perl

# Tests for the bound on a server's answer: a server that hangs (SIGSTOP,
# as a blackholed network or a stuck disk does) fails the statement in
# flight with ERR 4012 after the session's query timeout plus
# observer_query_timeout_delta (max_statement_time in seconds, a
# fraction too, else server_query_timeout), with a log line naming the
# server; the server session is closed, never reused, and the client's
# next statement is served (on the other server while the first is
# stopped).  Inside a transaction the ERR comes and then the connection
# closes.  A statement that runs longer than server_query_timeout is
# left alone when the session's own limit is longer.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(24)->run_mariadb(2);
$t->write_file_expand('obproxy.yaml', <<'EOF2')->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 1
connect_server_timeout: 1s
observer_query_timeout_delta: 1s
server_query_timeout: 1s
EOF2

sub stop_server { $t->pause_mariadb($_[0]) or diag("server $_[0] not stopped") }
sub cont_server { $t->cont_mariadb($_[0]) }
sub server_of { $t->server_of($_[0]) }
sub timed { $t->timed_query(@_) }

for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n);
	$d && $d->do('CREATE TABLE t (id INT PRIMARY KEY)');
}

# The session's own max_statement_time, a fraction: 0.5 + 1 s.  A write
# is never sent twice.
my $dbh = $t->dbh();
$dbh && $dbh->do('SET SESSION max_statement_time = 0.5');
my $n = server_of($dbh) // 1;
stop_server($n);
my ($err, $took) = timed($dbh, 'INSERT INTO t VALUES (10)', 8);
my $tmo = qr/4012 Timeout: server 127\.0\.0\.1:\d+ did not answer within/;
like($err, qr/^$tmo 1\.5 s/, 'a write on a stopped server: ERR 4012')
	or diag($err);
ok($took > 1.2 && $took < 3, '  after max_statement_time + '
	. 'observer_query_timeout_delta (1.5 s)') or diag("$took s");
my $port = $t->server_port($n);
my $line = qr/\[S\d+\] client \S+: Timeout: server 127\.0\.0\.1:$port did not/;
like($t->log(), qr/$line answer.*server session \(connection \d+\) closed/,
	'  a log line names the session, the server and its connection');
my ($thread) = $t->log() =~ /server session \(connection (\d+)\) closed/;
my ($p, $v) = $dbh ? $dbh->selectrow_array(
	'SELECT @@port, @@max_statement_time') : ();
is($p, $t->server_port(3 - $n), '  the next statement is served by the '
	. 'other server') or diag($dbh ? $dbh->errstr : 'no handle');
is($v + 0, 0.5, '  with the session state kept');
cont_server($n);

# The session's server connection is closed, never reused.
my $direct = $t->direct_dbh(server => $n);
ok($t->waitfor(sub { !$direct->selectrow_array('SELECT COUNT(*) FROM '
	. 'information_schema.PROCESSLIST WHERE ID = ?', undef,
	$thread // 0) }, 10), "  its server connection ($thread) is closed");
my $wrote = 0;
$wrote += $t->direct_dbh(server => $_)->selectrow_array('SELECT COUNT(*) '
	. 'FROM t WHERE id = 10') // 0 for 1, 2;
ok($wrote <= 1, "  the write went once at most (rows: $wrote)");

# A read outside a transaction goes again on a new server session.
$dbh = $t->dbh();
$n = server_of($dbh) // 1;
stop_server($n);
($err, $took) = timed($dbh, 'SELECT 7', 8);
is($err, 'ok', 'a read on a stopped server: served all the same');
ok($took > 1.7 && $took < 4.5, '  after the bound (2 s), on a new server '
	. 'session') or diag("$took s");
$port = $t->server_port($n);
my $again = qr/the read goes again on a new server session \(retry 1\)/;
like($t->log(), qr/Timeout: server 127\.0\.0\.1:$port did not answer.*: $again/,
	'  the log says so');
is($dbh && $dbh->selectrow_array('SELECT @@port'),
	$t->server_port(3 - $n), '  the session is on the other server');
cont_server($n);

# No limit of the session's own: server_query_timeout (1 s) + 1 s.
$dbh = $t->dbh();
$n = server_of($dbh) // 1;
stop_server($n);
($err, $took) = timed($dbh, 'DO 2', 8);
like($err, qr/^4012 Timeout: .* within 2 s/,
	'no limit set: server_query_timeout applies') or diag($err);
ok($took > 1.7 && $took < 3.5, '  after 2 s') or diag("$took s");
cont_server($n);
is($dbh && $dbh->selectrow_array('SELECT 3'), 3, '  the session goes on');

# A longer limit of the session's own wins over server_query_timeout.
$dbh && $dbh->do('SET SESSION max_statement_time = 10');
($err, $took) = timed($dbh, 'SELECT SLEEP(2.5)', 8);
is($err, 'ok', 'max_statement_time 10: a 2.5 s statement is served');

# Inside a transaction: the ERR, then the connection closes.
$dbh = $t->dbh();
$dbh && $dbh->do('CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY)');
$n = server_of($dbh) // 1;
$dbh && $dbh->do('BEGIN');
$dbh && $dbh->do('INSERT INTO t VALUES (1)');
stop_server($n);
($err, $took) = timed($dbh, 'SELECT 4', 8);
like($err, qr/^4012 Timeout/, 'inside a transaction: ERR 4012')
	or diag($err);
ok($took < 3.5, '  within the bound') or diag("$took s");
ok(!($dbh && $dbh->selectrow_array('SELECT 5')),
	'  then the connection is closed');
cont_server($n);
my $check = $t->direct_dbh(server => $n);
my $rows;
$t->waitfor(sub { $rows = $check && $check->selectrow_array(
	'SELECT COUNT(*) FROM t WHERE id = 1'); defined $rows }, 10);
is($rows, 0, '  the transaction did not commit');

# The first statement of a transaction (the proxy held the BEGIN): the
# same, the transaction's BEGIN is not lost under the client.
$dbh = $t->dbh();
$n = server_of($dbh) // 1;
$dbh && $dbh->do('BEGIN');
stop_server($n);
($err, $took) = timed($dbh, 'INSERT INTO t VALUES (2)', 8);
like($err, qr/^4012 Timeout/, 'the first statement after BEGIN: ERR 4012')
	or diag($err);
ok(!($dbh && $dbh->do('INSERT INTO t VALUES (3)')),
	'  then the connection is closed');
cont_server($n);

# A server that answers slowly but within the bound is not cut.
$dbh = $t->dbh();
($err, $took) = timed($dbh, 'SELECT SLEEP(1.2)', 8);
is($err, 'ok', 'server_query_timeout 1 s: a 1.2 s statement is within '
	. 'the 2 s bound');

# The client is served afterwards, and no worker died.
is($t->dbh() && $t->dbh()->selectrow_array('SELECT 6'), 6,
	'a new client is served');
unlike($t->log(), qr/worker \d+ .*(died|killed)/, 'no worker died');

$t->stop();
