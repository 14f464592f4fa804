#!/usr/bin/perl

# Tests for a statement's own time limit in the bound on a server's
# answer: MariaDB's SET STATEMENT max_statement_time=N FOR <statement>
# and MySQL's MAX_EXECUTION_TIME(ms) hint of a SELECT (which MariaDB
# takes for a comment, the proxy does not) replace the session's query
# timeout for that statement, plus observer_query_timeout_delta (1 s).
# A statement whose own limit is long runs past the session's short one
# (server_query_timeout 1 s here); one whose own limit is short fails
# with 4012 on a stopped server (SIGSTOP) long before the session's
# limit of 10 s; a limit of 0 is none.  A prepared statement's text sets
# the limit of each execute.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(11)->run_mariadb(2);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
connect_server_timeout: 1s
observer_query_timeout_delta: 1s
server_query_timeout: 1s
EOF
for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n);
	$d && $d->do('CREATE TABLE t (id INT PRIMARY KEY)');
}

# A long limit of the statement's own: the session's 2 s bound is not it.
my $dbh = $t->dbh();
my ($err, $took) = $t->timed_query($dbh, 'SET STATEMENT max_statement_time'
	. ' = 10 FOR SELECT SLEEP(2.5)', 8);
is($err, 'ok', 'SET STATEMENT max_statement_time = 10 FOR a 2.5 s '
	. 'statement: served past server_query_timeout');
($err, $took) = $t->timed_query($dbh, 'SELECT /*+ MAX_EXECUTION_TIME(10000)'
	. ' */ SLEEP(2.5)', 8);
is($err, 'ok', 'MAX_EXECUTION_TIME(10000): served too');
($err, $took) = $t->timed_query($dbh, 'SET STATEMENT max_statement_time'
	. ' = 0 FOR SELECT SLEEP(2.5)', 8);
is($err, 'ok', 'max_statement_time = 0 for the statement: no bound');
($err, $took) = $t->timed_query($dbh, 'SELECT SLEEP(2.5)', 8);
like($err, qr/^4012 Timeout: .* within 2 s/, '  the next statement has '
	. 'the session\'s bound again') or diag($err);

# A prepared statement's text says it as well.
my $sth = $dbh && $dbh->prepare('SELECT /*+ MAX_EXECUTION_TIME(10000) */ '
	. 'SLEEP(?)', { mariadb_server_prepare => 1 });
ok($sth && $sth->execute(2.5), 'a prepared SELECT with '
	. 'MAX_EXECUTION_TIME(10000): a 2.5 s execute is served')
	or diag($dbh ? $dbh->errstr : 'no handle');

# A short limit of the statement's own, the session's long.
$dbh = $t->dbh();
$dbh && $dbh->do('SET SESSION max_statement_time = 10');
my $n = $t->server_of($dbh) // 1;
$t->pause_mariadb($n) or diag("server $n not stopped");
($err, $took) = $t->timed_query($dbh, 'SET STATEMENT max_statement_time'
	. ' = 0.5 FOR INSERT INTO t VALUES (1)', 6);
like($err, qr/^4012 Timeout: .* within 1\.5 s/, 'SET STATEMENT '
	. 'max_statement_time = 0.5 on a stopped server: ERR 4012')
	or diag($err);
ok($took > 1.2 && $took < 3, '  after 1.5 s, not the session\'s 11 s')
	or diag("$took s");
$t->cont_mariadb($n);

$dbh = $t->dbh();
$dbh && $dbh->do('SET SESSION max_statement_time = 10');
$n = $t->server_of($dbh) // 1;
$t->pause_mariadb($n) or diag("server $n not stopped");
($err, $took) = $t->timed_query($dbh, 'SELECT /*+ MAX_EXECUTION_TIME(500)'
	. ' */ @@port', 6);
is($err, 'ok', 'MAX_EXECUTION_TIME(500) on a stopped server: the read '
	. 'goes again') or diag($err);
ok($took > 1.2 && $took < 4, '  after 1.5 s and a new server session')
	or diag("$took s");
is($t->server_of($dbh), 3 - $n, '  on the other server');
$t->cont_mariadb($n);

my $rows = 0;
$rows += $t->direct_dbh(server => $_)->selectrow_array('SELECT COUNT(*) '
	. 'FROM t') // 0 for 1, 2;
ok($rows <= 1, "the timed out write went once at most (rows: $rows)");

$t->stop();
