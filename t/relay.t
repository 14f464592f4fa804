#!/usr/bin/perl

# Tests for the relay: queries pass through the proxy to the first
# reachable server of rootservice_list, with the mariadb client and with
# DBI; large values and large results; a client gets error 1429 naming the
# servers when none can be reached, and error 1040 over
# client_max_connections.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(22)->run_mariadb(2);

$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

my ($p1, $p2) = ($t->server_port(1), $t->server_port(2));

# The mariadb client.

my ($out, $rc) = $t->mariadb('SELECT 1 + 1');
is("$rc $out", "0 2\n", 'cli: select');
is($t->mariadb('SELECT @@port'), "$p1\n", 'cli: served by the first server');

$t->mariadb('CREATE TABLE kv (k INT PRIMARY KEY, v VARCHAR(64))');
$t->mariadb("INSERT INTO kv VALUES (1, 'one'), (2, 'two')");
is($t->mariadb('SELECT k, v FROM kv ORDER BY k'), "1\tone\n2\ttwo\n",
	'cli: table created, filled and read back');

($out, $rc) = $t->mariadb('SELECT seq FROM seq_1_to_100000');
is($rc . ' ' . ($out =~ tr/\n//), '0 100000', 'cli: 100000 rows');

# DBI.

my $dbh = $t->dbh();
ok($dbh, 'dbi: connected') or diag($DBI::errstr);
is($dbh && $dbh->selectrow_array('SELECT v FROM kv WHERE k = 2'), 'two',
	'dbi: select');

my $value = join '', map { chr(int(rand(256))) } 1 .. 1024 * 1024;
SKIP: {
	skip 'no connection', 3 unless $dbh;

	$dbh->do('CREATE TABLE blobs (id INT PRIMARY KEY, v LONGBLOB)');
	my $sth = $dbh->prepare('INSERT INTO blobs VALUES (1, ?)');
	$sth->bind_param(1, $value, DBI::SQL_BLOB());
	ok($sth->execute(), 'dbi: 1 MB value inserted') or diag($dbh->errstr);
	my ($back) = $dbh->selectrow_array('SELECT v FROM blobs WHERE id = 1');
	ok(defined $back && $back eq $value, 'dbi: 1 MB value read back');

	my $rows = $dbh->selectall_arrayref('SELECT seq FROM seq_1_to_100000');
	is($rows && scalar @$rows, 100000, 'dbi: 100000 rows');
}

# A value larger than one MySQL packet (16 MB) both ways.
my $big = 'x' x (17 * 1024 * 1024);
is($dbh && $dbh->selectrow_array('SELECT LENGTH(?)', undef, $big),
	length $big, 'dbi: 17 MB statement');
is($dbh && length(($dbh->selectrow_array("SELECT REPEAT('y', 17825792)"))[0]
	// ''), 17825792, 'dbi: 17 MB result');
$dbh->disconnect() if $dbh;

# The first server down: the second serves.

$t->stop_mariadb(1);
($out, $rc) = $t->mariadb('SELECT @@port');
is("$rc $out", "0 $p2\n", 'first server down: the second serves');
$dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT COUNT(*) FROM seq_1_to_10'), 10,
	'first server down: dbi served');
undef $dbh;

# Every server down: the client gets an error naming each server tried,
# sent by the proxy as an ERR packet after its handshake (code 1429,
# HY000, sequence 2: right after the client's handshake response).

$t->stop_mariadb(2);
my $servers = qr/\Q127.0.0.1:$p1\E.*\Q127.0.0.1:$p2\E/;
like(err_packet(), qr/^2 1429 HY000 .*$servers/, 'no server: ERR packet 1429');
($out, $rc) = $t->mariadb('SELECT 1');
like($out, qr/^ERROR .*\b1429\b.*$servers/m, 'no server: cli shows 1429 and the servers');
isnt($rc, 0, 'no server: client fails');
$dbh = $t->dbh();
like(($DBI::err // 0) . " $DBI::errstr", qr/^1429 .*$servers/,
	'no server: dbi shows the servers');

# client_max_connections=1: the second client gets error 1040.

$t->start_mariadb(1);
$t->stop();
$t->run('-o', 'client_max_connections=1');

# The harness's start probe may still count for a moment.
my $first = $t->waitfor(sub { $t->dbh() }, 5);
ok($first, 'limit 1: first client served') or diag($DBI::errstr);

($out, $rc) = $t->mariadb('SELECT 1');
# The client may wrap it: "... cannot be verified: 1040 - Too many ...".
like($out, qr/^ERROR .*\b1040\b.*Too many connections/m,
	'limit 1: second client refused with 1040');
my $second = $t->dbh();
is(($second ? 0 : $DBI::err) . ' ' . ($DBI::errstr // ''),
	'1040 Too many connections', 'limit 1: dbi gets 1040');
is($first && $first->selectrow_array('SELECT 7'), 7,
	'limit 1: first client still served');

$first->disconnect() if $first;
ok($t->waitfor(sub { ($t->mariadb('SELECT 1'))[1] == 0 }, 5),
	'limit 1: a new client served once the first left');

###############################################################################

# The proxy's first packet when it has no server for the client:
# "sequence code sqlstate message".
sub err_packet {
	my $r = $t->raw() or return "connect: $@";
	my $res = $r->login(user => $t->user(), password => $t->password())
		or return "login: $r->{error}";
	return 'not an ERR packet' unless defined $res->{err};
	return (($r->{seq} - 1) & 0xff) . " $res->{err} $res->{state} $res->{message}";
}
