#!/usr/bin/perl

# Tests for the master's signals: QUIT stops gracefully (a running
# statement finishes, new clients are turned away, the wait is bounded by
# hot_upgrade_exit_timeout), TERM stops everything at once, USR1 reopens
# the log files.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(15)->run_mariadb(1);

my $conf = <<'EOF';
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 2
EOF
$t->write_file_expand('obproxy.yaml', $conf
	. "hot_upgrade_exit_timeout: 30s\n")->run();

# QUIT: the statement in flight finishes.

my $bg = $t->mariadb_bg("SELECT SLEEP(2), 'done'");
$t->waitfor(sub { $t->mariadb("SELECT COUNT(*) FROM information_schema"
	. ".processlist WHERE info LIKE 'SELECT SLEEP%'",
	port => $t->server_port(1)) =~ /^[1-9]/ }, 10)
	or diag('the statement did not reach the server');

my @workers = $t->workers();
kill 'QUIT', $t->pid();
$t->waitfor(sub { $t->log() =~ /SIGQUIT/ }, 5);

my ($out, $rc) = $t->mariadb('SELECT 1', timeout => 10);
isnt($rc, 0, 'quit: new client turned away');
($out, $rc) = $t->mariadb_wait($bg);
is("$rc $out", "0 0\tdone\n", 'quit: statement in flight finished');
ok($t->waitfor(sub { !$t->running() }, 10),
	'quit: master exits once the client left');
is($t->exit_status(), 0, 'quit: exit status 0');
ok(!grep({ Test::OBProxy::alive($_) } @workers), 'quit: workers gone');

# QUIT with an idle client that never leaves: bounded by
# hot_upgrade_exit_timeout.

$t->write_file_expand('obproxy.yaml', $conf
	. "hot_upgrade_exit_timeout: 1s\n")->run();
my $idle = $t->dbh();
ok($idle && $idle->selectrow_array('SELECT 1'), 'idle client connected');
my $sent = time();
kill 'QUIT', $t->pid();
ok($t->waitfor(sub { !$t->running() }, 10),
	'quit: idle client does not hold the master past the timeout');
cmp_ok(time() - $sent, '<=', 5, 'quit: stopped within the timeout');
undef $idle;

# TERM: master and workers gone at once, pid file removed.

$t->run();
$t->waitfor(sub { (@workers = $t->workers()) == 2 }, 10);
ok(-e $t->testdir() . '/run/obproxy.pid', 'term: pid file present');
$bg = $t->mariadb_bg('SELECT SLEEP(10)');
$t->waitfor(sub { $t->mariadb("SELECT COUNT(*) FROM information_schema"
	. ".processlist WHERE info LIKE 'SELECT SLEEP%'",
	port => $t->server_port(1)) =~ /^[1-9]/ }, 10);
kill 'TERM', $t->pid();
ok($t->waitfor(sub { !$t->running() }, 5),
	'term: master exits without waiting for sessions');
ok(!grep({ Test::OBProxy::alive($_) } @workers), 'term: workers gone');
ok(!-e $t->testdir() . '/run/obproxy.pid', 'term: pid file removed');
($out, $rc) = $t->mariadb_wait($bg);
isnt($rc, 0, 'term: client of the stopped proxy gets an error');

# USR1: logs reopened after they were moved away.

$t->run();
my $log = $t->testdir() . '/log/obproxy.log';
rename $log, "$log.moved" or die "rename: $!\n";
kill 'USR1', $t->pid();
ok($t->waitfor(sub { -e $log }, 5), 'usr1: new obproxy.log created');

# A worker writes to the new file too: error 1429 for a client once the
# only server is down logs a WARN from the worker.
$t->stop_mariadb(1);
$t->mariadb('SELECT 1');
ok($t->waitfor(sub { $t->log() =~ /\]\[W\d+\]/ }, 5),
	'usr1: workers write to the new file');
