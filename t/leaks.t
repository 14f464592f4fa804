#!/usr/bin/perl

# The sanitized run sees leaks.  The harness stops a sanitized obproxy so
# that the master, every worker and the monitor exit by themselves:
# LeakSanitizer checks each one at its exit (a report makes the exit
# status 1) and the closing check "no sanitizer errors" fails on the
# report.  The stop here finds the worker's memory in each state it frees
# its own way: parked server sessions, an idle client with a prepared
# statement, a transaction left open (cut when hot_upgrade_exit_timeout
# ends the drain), a statement in flight and a client that never logged
# in; the master has reloaded and answered obproxyctl; the monitor has
# answered /metrics.  Without AddressSanitizer nothing reports leaks: the
# test is skipped.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/);
plan(skip_all => 'obproxy is not built with sanitizers: nothing reports '
	. 'leaks') unless $t->sanitized();
$t->plan(8)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
hot_upgrade_exit_timeout: 1s
EOF
$t->mariadb('CREATE TABLE t (id INT)');

ok($t->reload(undef, 2), 'the master and both workers reloaded');
ok($t->status()->{ok}, 'obproxyctl status answered');

for (1 .. 4) {
	my $dbh = $t->dbh() or next;
	$dbh->selectrow_array('SELECT 1');
	$dbh->disconnect();
}

my $idle = $t->dbh(dsn => 'mariadb_server_prepare=1');
my $sth = $idle && $idle->prepare('SELECT ? + 1');
ok($sth && $sth->execute(1) && ($sth->fetchrow_array())[0] == 2,
	'an idle client keeps a prepared statement');

my $tx = $t->dbh();
ok($tx && $tx->begin_work() && $tx->do('INSERT INTO t VALUES (1)'),
	'a client keeps a transaction open');

my $busy = $t->raw_login();
ok($busy && $busy->send_command(3, 'SELECT SLEEP(0.5)'),
	'a statement is in flight') or diag($@);

my $anon = $t->raw();
ok($anon && $anon->handshake(), 'a client stops at the handshake');

require HTTP::Tiny;
HTTP::Tiny->new(timeout => 5)->get('http://127.0.0.1:'
	. $t->port('prometheus') . '/metrics');
my @workers = $t->workers();
my $monitor = $t->monitor() // 0;
my $status = $t->stop();
my $log = $t->log();
my @exited = grep { $log =~ /worker \d+ \(pid $_\) exited with status 0$/m }
	@workers;
ok(@workers == 2 && @exited == 2 && defined $status && $status == 0,
	'the master and both workers exited by themselves, status 0')
	or diag("workers @workers, of them exited with status 0: @exited; "
	. 'master: ' . ($status // 'unknown'));
ok($monitor && $log =~ /monitor \(pid $monitor\) exited with status 0$/m,
	'the monitor exited by itself, status 0, after serving /metrics');

# The proxy closed their sessions; this only spares DBI's warnings.
$_->disconnect() for grep { defined } $idle, $tx;
