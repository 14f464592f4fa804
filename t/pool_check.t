#!/usr/bin/perl

# Tests for pool hygiene (server_check_delay, 1 s here): a server session
# quiet longer than that is pinged (COM_PING) before a command goes on
# it.  A server that closes a session says so and the proxy drops it;
# these are sessions whose connection died without a word, made so by
# nft dropping every packet of that one connection either way (the test
# runs in a network namespace it makes).  A parked session of the pool
# that died: the next client's INSERT goes on a new server session, once,
# without an error.  A live parked session passes the ping and is
# reused.  The session a client holds, quiet past the delay, died: its
# next statement runs on a new one with the client's state (a user
# variable) restored.  The pool_checked and pool_check_failed counters
# say how many sessions were pinged and how many failed.  Without the
# check the INSERT goes into the dead connection and fails with 4012
# once server_query_timeout and observer_query_timeout_delta (1 s each)
# have passed.  Skipped when namespaces or nft cannot be used here.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Faults;

{
	my ($rc, $why) = Test::OBProxy::Faults->in_namespace(
		"$FindBin::Bin/$FindBin::Script");
	plan(skip_all => "no fault injection here: $why") if $why;
	exit($rc) if defined $rc;
}

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(15)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
server_check_delay: 1s
connect_server_timeout: 1s
server_query_timeout: 1s
observer_query_timeout_delta: 1s
EOF
my $f = Test::OBProxy::Faults->new($t);
my $direct = $t->direct_dbh() or BAIL_OUT('no direct connection: '
	. $t->dbi_error());
$direct->do('CREATE TABLE test.w (id INT PRIMARY KEY)');

sub counter { $t->status()->{$_[0]} // -1 }

# Every packet of server thread <tid>'s connection dropped, either way.
sub cut {
	my ($tid) = @_;
	my ($host) = $direct->selectrow_array('SELECT HOST FROM '
		. "information_schema.PROCESSLIST WHERE ID = $tid");
	my ($port) = ($host // '') =~ /:(\d+)\z/ or return 0;
	return $f->sh("nft add rule inet obpf out tcp sport $port drop")
		&& $f->sh("nft add rule inet obpf out tcp dport $port drop");
}

# A client that runs one statement and leaves: its server session parks.
sub park_one {
	my $dbh = $t->dbh() or return 0;
	my $tid = $dbh->selectrow_array('SELECT @@pseudo_thread_id');
	$dbh->disconnect();
	sleep 0.3;              # the reset's round trip
	return $tid;
}

# A live parked session, quiet past the delay: pinged and reused.
my $tid = park_one();
sleep 1.3;
my $dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT @@pseudo_thread_id'), $tid,
	'a live parked session quiet past server_check_delay is reused');
is(counter('pool_checked'), 1, '  it was pinged first');
is(counter('pool_check_failed'), 0, '  and passed');
$dbh && $dbh->disconnect();
sleep 0.3;

# The same session, now cut off without a word.
ok(cut($tid), 'the parked session\'s connection cut (nft drop)');
sleep 1.3;
$dbh = $t->dbh();
my $t0 = time();
ok($dbh && $dbh->do('INSERT INTO w VALUES (1)'), '  the next client\'s '
	. 'INSERT succeeds') or diag($dbh ? $dbh->errstr : $t->dbi_error());
my $took = time() - $t0;
ok($took < 2.5, '  within the ping\'s bound (connect_server_timeout)')
	or diag("took $took s");
isnt($dbh && $dbh->selectrow_array('SELECT @@pseudo_thread_id'), $tid,
	'  on a new server session');
is($direct->selectrow_array('SELECT COUNT(*) FROM w'), 1,
	'  the row was written once');
is(counter('pool_check_failed'), 1, '  pool_check_failed counts it');
like($t->log(), qr/failed its check/, '  and the log says so');

# The session the client holds, quiet past the delay, cut off.
$dbh && $dbh->do('SET @kept = 42');
my $held = $dbh && $dbh->selectrow_array('SELECT @@pseudo_thread_id');
ok(cut($held), 'a held session\'s connection cut');
sleep 1.3;
is($dbh && $dbh->selectrow_array('SELECT @kept'), 42, '  its next '
	. 'statement is served with the session\'s state')
	or diag($dbh ? $dbh->errstr : 'no handle');
ok($dbh && $dbh->do('INSERT INTO w VALUES (2)'), '  and so is a write')
	or diag($dbh ? $dbh->errstr : 'no handle');
is_deeply($direct->selectcol_arrayref('SELECT id FROM w ORDER BY id'),
	[ 1, 2 ], '  every row once');
is(counter('pool_checked') . ' ' . counter('pool_check_failed'), '3 2',
	'three sessions pinged, two failed');
$dbh && $dbh->disconnect();

$f->clear();
$t->stop();
