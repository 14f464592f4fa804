#!/usr/bin/perl

# Tests for server sessions kept idle against the servers' wait_timeout
# (2 s here): the proxy closes them first, with COM_QUIT, so a server
# never drops one as an aborted client (Aborted_clients stays put) and
# no statement races the server's close.  A parked session of the pool
# goes after half the limit; an idle server session a client holds on
# another server (a statement routed by target_db_server) leaves for the
# pool after as long, while the client works on its other server; each
# time the next statement is served.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(6);
$t->mariadbd_options('--wait-timeout=2', '--interactive-timeout=2')
	->run_mariadb(2);
my ($s1, $s2) = ($t->server(1), $t->server(2));
$t->write_conf(<<"EOF2")->run();
automatic_match_work_thread: false
work_thread_num: 1
zones: {z1: ~, z2: ~}
servers:
  s1: {address: "$s1", zone: z1}
  s2: {address: "$s2", zone: z2}
EOF2

# Server <n>'s Aborted_clients, read on a connection of its own.
sub aborted {
	my ($n) = @_;
	my $d = $t->direct_dbh(server => $n) or return -1;
	my (undef, $v) = $d->selectrow_array(
		"SHOW GLOBAL STATUS LIKE 'Aborted_clients'");
	$d->disconnect();
	return $v;
}

sub on {
	my ($n, $sql) = @_;
	return "/* target_db_server=" . $t->server(1) . " */ $sql" if $n == 1;
	return "/* target_db_server=" . $t->server(2) . " */ $sql";
}

# A parked session of the pool.
my $dbh = $t->dbh();
$dbh && $dbh->do('SET SESSION wait_timeout = 100');
my ($p) = $dbh ? $dbh->selectrow_array('SELECT @@port') : (0);
my ($n) = grep { $t->server_port($_) == ($p // 0) } 1, 2;
$n //= 1;
my @before = (aborted(1), aborted(2));
$dbh && $dbh->disconnect();
sleep 3.5;
is(aborted($n), $before[$n - 1], 'a parked server session idle past the '
	. "server's wait_timeout: closed by the proxy, not aborted");
$dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT 1'), 1, '  the next client is '
	. 'served');
$dbh && $dbh->disconnect();

# A client busy on server 2 while its session on server 1 idles.
@before = (aborted(1), aborted(2));
$dbh = $t->dbh();
my $ok = $dbh && $dbh->selectrow_array(on(1, 'SELECT @@port'))
	== $t->server_port(1);
ok($ok, 'a statement routed to server 1');
my $t0 = time();
my $served = 0;
for (1 .. 20) {
	last if time() - $t0 > 3.5;
	my $got = $dbh && $dbh->selectrow_array(on(2, 'SELECT @@port'));
	$served++ if ($got // 0) == $t->server_port(2);
	sleep 0.4;
}
ok($served >= 7, '  then 3.5 s of statements on server 2')
	or diag("$served served");
is($dbh && $dbh->selectrow_array(on(1, 'SELECT @@port')),
	$t->server_port(1), '  the next one on server 1 is served')
	or diag($dbh ? $dbh->errstr : 'no handle');
is(aborted(1), $before[0], "  server 1 never aborted the idle one");
$dbh && $dbh->disconnect();

$t->stop();
