#!/usr/bin/perl

# Every server connection the proxy closes on purpose ends with COM_QUIT,
# so the server counts none of them in Aborted_clients (and logs no
# "Aborted connection"): clients that quit at once with a tiny pool (the
# pool-full path drops sessions whose COM_RESET_CONNECTION is still
# unanswered), clients that vanish without COM_QUIT, a client that goes
# away in the middle of a statement, KILL's short sessions, and the
# sessions still open or parked when obproxy is stopped.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(8)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
server_session_pool_size: 2
syslog_level: DEBUG
EOF
my $direct = $t->direct_dbh() or BAIL_OUT('no direct connection: '
	. $t->dbi_error());

sub aborted {
	my (undef, $n) = $direct->selectrow_array(
		"SHOW GLOBAL STATUS LIKE 'Aborted_clients'");
	return $n // -1000;
}

# Server threads of the test account, the direct connection aside.
sub threads {
	return $direct->selectrow_array('SELECT COUNT(*) FROM '
		. "information_schema.PROCESSLIST WHERE USER = '" . $t->user()
		. "' AND ID <> CONNECTION_ID()");
}

# Waits until the server has ended its threads of the test account but
# <keep>, so that every close has been counted.
sub settle {
	my ($keep) = @_;
	$t->waitfor(sub { threads() <= ($keep // 0) }, 10);
	select(undef, undef, undef, 0.3);
}

# 200 clients connect and query, then all quit at once.
my $a0 = aborted();
my @dbh = grep { defined } map { $t->dbh() } 1 .. 200;
is(scalar(grep { ($_->selectrow_array('SELECT 1'))[0] == 1 } @dbh), 200,
	'200 clients logged in and queried') or diag($t->dbi_error());
$_->disconnect() for @dbh;
@dbh = ();
settle(4);
is(aborted() - $a0, 0, '200 clients quit with a pool of 2: no aborted '
	. 'server connection');

# COM_STMT_CLOSE (no response) and COM_QUIT in one write, as sysbench
# ends: the relayed COM_STMT_CLOSE is still queued when COM_QUIT arrives.
sub pkt { return substr(pack('V', length $_[0]), 0, 3) . "\0" . $_[0] }
$a0 = aborted();
my @raw = grep { defined } map { $t->raw_login() } 1 .. 40;
$_->query('SELECT 1') for @raw;
$_->send_raw(pkt("\x19" . pack('V', 1)) . pkt("\x01")) for @raw;
$_->closed() for @raw;
@raw = ();
settle(4);
is(aborted() - $a0, 0, 'COM_STMT_CLOSE and COM_QUIT together: none aborted');

# Clients that close their socket without COM_QUIT.
$a0 = aborted();
@raw = grep { defined } map { $t->raw_login() } 1 .. 50;
$_->query('SELECT 1') for @raw;
$_->close() for @raw;
@raw = ();
settle(4);
is(aborted() - $a0, 0, '50 clients vanish without COM_QUIT: none aborted');

# Clients that go away while their statement runs.
$a0 = aborted();
@raw = grep { defined } map { $t->raw_login() } 1 .. 10;
$_->send_command(3, 'SELECT SLEEP(0.3)') for @raw;
select(undef, undef, undef, 0.1);
$_->close() for @raw;
@raw = ();
settle(4);
is(aborted() - $a0, 0, 'clients gone during a statement: none aborted');

# KILL QUERY through the killer's short server session.
$a0 = aborted();
my $victim = $t->dbh();
my $killer = $t->dbh();
my $vid = $victim && $victim->{mariadb_thread_id};
ok($killer && $killer->do("KILL QUERY $vid"), 'KILL QUERY answered')
	or diag($killer && $killer->errstr);
$victim->disconnect() if $victim;
$killer->disconnect() if $killer;
settle(4);
is(aborted() - $a0, 0, 'KILL QUERY: none aborted');

# Fast stop with clients logged in, idle or in a statement, and parked
# sessions (TERM named: the harness stops a sanitized build gracefully).
$a0 = aborted();
@dbh = grep { defined } map { $t->dbh() } 1 .. 20;
$_->selectrow_array('SELECT 1') for @dbh;
@raw = grep { defined } map { $t->raw_login() } 1 .. 4;
$_->send_command(3, 'SELECT SLEEP(0.2)') for @raw;
$t->stop('TERM');
@dbh = ();
@raw = ();
settle(0);
is(aborted() - $a0, 0, 'fast stop: none aborted');
