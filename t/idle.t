#!/usr/bin/perl

# Tests for the client's idle limit, its contract with the server: a
# client idle for its wait_timeout gets the server's ERR 4031 and is
# disconnected, as a current server does; a client that keeps working,
# or waits for a long statement, is not; without a SET the servers'
# global wait_timeout applies (interactive_timeout for an interactive
# client).

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(8)->run_mariadb(1);
# The servers' global limits: 3 s for other clients, 2 s for interactive
# ones; read by the proxy with its account lookups.
$t->mariadb('SET GLOBAL wait_timeout = 3, GLOBAL interactive_timeout = 2',
	port => $t->server_port(1));
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
EOF

# SET wait_timeout = 1, then nothing: ERR 4031 and the end.
my $r = $t->raw_login() or diag($@);
my $ok = $r && $r->query('SET SESSION wait_timeout = 1');
my $t0 = time();
my ($p) = $r ? $r->read_packet(timeout => 5) : ();
my $took = time() - $t0;
my $err = defined $p && ord($p) == 0xff
	? unpack('v', substr($p, 1, 2)) . ' ' . substr($p, 9) : 'none';
my $want = '4031 The client was disconnected by the server because of'
	. ' inactivity';
like($err, qr/^\Q$want\E/, 'idle past wait_timeout: ERR 4031');
ok($took > 0.8 && $took < 2.5, '  after about 1 s') or diag("$took s");
ok($r && $r->closed(3), '  then the connection closes');

# Working clients are not cut: statements every 0.4 s, and one that
# runs longer than the limit.
my $dbh = $t->dbh();
$dbh->do('SET wait_timeout = 1');
my $n = 0;
for (1 .. 6) {
	sleep 0.4;
	$n++ if ($dbh->selectrow_array('SELECT 1') // 0) == 1;
}
is($n, 6, 'a client that keeps working stays');
is($dbh->selectrow_array('SELECT SLEEP(1.5), 2'), 0,
	'  a statement longer than wait_timeout runs to its end');
sleep 2.5;     # the limit is 1 s: room for a busy machine
ok(!$dbh->ping(), '  then idle for the limit: gone');

# Without a SET: the servers' global limits.
my $plain = $t->dbh();
my $ia = $t->raw_login(caps => Test::OBProxy::Raw::DEFAULT_CAPS() | 0x400)
	or diag($@);
sleep 2.6;
ok($ia && $ia->closed(0.5) && ($ia->{rest} // '') =~ /\xff\xbf\x0f/,
	'an interactive client: the global interactive_timeout (2 s)');
sleep 1.0;
ok(!$plain->ping(), 'no SET: the global wait_timeout (3 s) applies');
