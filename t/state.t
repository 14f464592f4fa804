#!/usr/bin/perl

# Tests for the session state kept across a lost server session: a client
# sets session variables, a character set, user variables of each type,
# a database and server-side prepared statements; the server holding its
# session is killed while it is idle; on the other server every value is
# exactly the same, the statements run by their old handles and new ones
# do not collide.  COM_RESET_CONNECTION and change user clear the state;
# a client inside a transaction, or whose state the proxy could not
# follow, is still closed.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(21)->run_mariadb(2);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
EOF
for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n) or BAIL_OUT($t->dbi_error());
	$d->do('CREATE DATABASE statedb');
}

# 'héllo wörld 😀' in utf8mb4, and a cp1251 'Привет'
my $UTF8 = '68C3A96C6C6F2077C3B6726C6420F09F9880';
my $CP1251 = 'CFF0E8E2E5F2';
my @VARS = qw/i u m d s w n t sel into/;

my $dbh = $t->dbh(dsn => 'mariadb_server_prepare=1')
	or BAIL_OUT('no connection: ' . $t->dbi_error());
for my $sql ("SET SESSION sql_mode = 'ANSI_QUOTES,NO_ENGINE_SUBSTITUTION'",
	"SET time_zone = '+05:30', \@\@session.group_concat_max_len = 123456",
	'SET NAMES cp1251 COLLATE cp1251_bin',
	'SET @i = -42, @u = CAST(5 AS UNSIGNED), @m := 3.14150',
	'SET @d = RAND() * 1e-7, @n = NULL, @t = NOW(6)',
	"SET \@s = _utf8mb4 X'$UTF8' COLLATE utf8mb4_bin, "
		. "\@w = _cp1251 X'$CP1251'",
	'SELECT @sel := 7 * 6', "SELECT 'kept' INTO \@into", 'USE statedb') {
	$dbh->do($sql) or diag("$sql: " . $dbh->errstr);
}
my $ps1 = $dbh->prepare("SELECT ? + 1, CONCAT(?, '-'), ? * 2");
my $ps2 = $dbh->prepare('SELECT CAST(? AS DECIMAL(10,3)), DATABASE(), @i');
my @run1 = run_ps($ps1, 41, 'abc', 1.5);
my @run2 = run_ps($ps2, '2.5');
my $before = snapshot($dbh);
my $port = $before->{port};
my ($n) = grep { $t->server_port($_) == $port } 1, 2;
like($before->{vars}, qr/\bd=[0-9A-F]+,binary,binary,double\b/,
	'a double from RAND() before the kill')
	or diag($before->{vars});

# The server holding the idle session dies.

$t->stop_mariadb($n, 'KILL');
my $after = snapshot($dbh);
isnt($after->{port} // 'none', $port, 'served by the other server');
is($after->{sys}, $before->{sys},
	'session variables, character set and database kept');
is($after->{vars}, $before->{vars}, 'user variables kept: value and type');
is($after->{unsigned}, 'unsigned', 'an unsigned integer stays unsigned');
is(join('|', run_ps($ps1, 41, 'abc', 1.5)), join('|', @run1),
	'prepared statement runs by its old handle');
is(join('|', run_ps($ps2, '2.5')), join('|', @run2),
	'second prepared statement runs by its old handle');
my $ps3 = $dbh->prepare('SELECT ? * 10, @sel');
is(join('|', run_ps($ps3, 4)), '40|42', 'a new prepared statement');
is(join('|', run_ps($ps1, 1, 'x', 2), run_ps($ps3, 5)), '2|x-|4|50|42',
	'old and new statements do not collide');
$ps1->finish();
undef $ps2;
is(join('|', run_ps($ps1, 2, 'y', 3)), '3|y-|6', 'closing one keeps others');
like($t->log(), qr/session state restored on 127\.0\.0\.1:\d+/,
	'restore logged');
$t->start_mariadb($n);
undef $dbh;

# COM_RESET_CONNECTION and change user clear the state.

my $r = $t->raw_login() or diag($@);
query($r, "SET \@r = 5, SESSION sql_mode = 'ANSI'");
my $res = $r && $r->command(0x1f);
ok($res && $res->{ok}, 'COM_RESET_CONNECTION: OK');
kill_server_of($r);
is(query($r, "SELECT CONCAT_WS(',', IFNULL(\@r, 'null'),"
	. " \@\@sql_mode = 'ANSI')"),
	'null,0', 'after a reset and a lost server: nothing set again');
$r = $t->raw_login() or diag($@);
query($r, "SET \@c = 5, SESSION time_zone = '+01:00'");
$res = $r && $r->change_user(user => $t->user(),
	password => $t->password(), db => 'test');
ok($res && $res->{ok}, 'change user: OK');
kill_server_of($r);
is(query($r, "SELECT CONCAT_WS(',', IFNULL(\@c, 'null'),"
	. ' @@time_zone)'),
	'null,SYSTEM', 'after change user and a lost server: nothing set again');

# A transaction, or state the proxy cannot follow: closed as before.

my $tx = $t->dbh();
my $sqlps = $t->dbh();
my $plain = $t->dbh();
$tx->do('SET @x = 1') if $tx;
$tx->begin_work() if $tx;
$tx->do('SELECT 1') if $tx;
$sqlps->do("PREPARE s FROM 'SELECT 1'") if $sqlps;
$plain->do('SET @y = 2') if $plain;
my $p = $tx && $tx->selectrow_array('SELECT @@port');
is($sqlps && $sqlps->selectrow_array('SELECT @@port'), $p,
	'three clients on one server');
($n) = grep { $t->server_port($_) == ($p // 0) } 1, 2;
$t->stop_mariadb($n // 1, 'KILL');
ok(!($tx && $tx->do('SELECT 1')), 'inside a transaction: closed');
{
	local $SIG{__WARN__} = sub {};     # its rollback has no connection
	undef $tx;
}
ok(!($sqlps && $sqlps->do('SELECT 1')),
	'after a PREPARE the proxy cannot follow: closed');
is($plain && $plain->selectrow_array('SELECT @y'), 2,
	'the other client restored');
like($t->log(), qr/state not kept any more \(a change the proxy cannot/,
	'giving up logged');
$t->start_mariadb($n // 1);

# Names holding backquotes are written back quoted, not cut.

for my $k (1, 2) {
	my $d = $t->direct_dbh(server => $k);
	$d->do('CREATE DATABASE `x``y`') if $d;
}
my $q = $t->dbh();
$q->do($_) for 'SET @`a``b` = 1, @`c``` = 2', 'USE `x``y`';
($n) = grep { $t->server_port($_) == $q->selectrow_array('SELECT @@port') }
	1, 2;
$t->stop_mariadb($n // 1, 'KILL');
is(join('|', $q->selectrow_array('SELECT @`a``b`, @`c```, DATABASE()')),
	'1|2|x`y', 'restored: @`a``b`, @`c``` and USE `x``y`');
$t->start_mariadb($n // 1);

###############################################################################

# Runs <sth> with <args>: its row.
sub run_ps {
	my ($sth, @args) = @_;
	$sth->execute(@args) or return ('error: ' . $sth->errstr);
	my @row = $sth->fetchrow_array();
	$sth->finish();
	return @row;
}

# Everything the session holds, as text.
sub snapshot {
	my ($h) = @_;
	my %s;
	($s{port}, $s{sys}) = $h->selectrow_array('SELECT @@port, CONCAT_WS('
		. "'|', \@\@session.sql_mode, \@\@session.time_zone,"
		. ' @@session.group_concat_max_len, @@character_set_client,'
		. ' @@character_set_connection, @@character_set_results,'
		. ' @@collation_connection, DATABASE(), @@autocommit)')
		or diag('snapshot: ' . $h->errstr);
	$s{vars} = join ' ', map { "$_=" . var($h, $_) } @VARS;
	my $e = $h->selectrow_array('SELECT @u - 6');
	$s{unsigned} = defined $e ? "signed: $e"
		: ($h->errstr // '') =~ /UNSIGNED/ ? 'unsigned' : $h->errstr;
	return \%s;
}

# A user variable's bytes, character set, collation and type.
sub var {
	my ($h, $name) = @_;
	my $sth = $h->prepare("SELECT \@$name, HEX(CAST(\@$name AS BINARY)),"
		. " CHARSET(\@$name), COLLATION(\@$name)") or return 'error';
	$sth->execute() or return 'error: ' . $sth->errstr;
	my $type = $sth->{mariadb_type_name}[0];
	my @row = $sth->fetchrow_array();
	$sth->finish();
	return join ',', map({ $_ // 'NULL' } @row[1 .. 3]), $type;
}

# The first value of <sql> through raw client <r>.
sub query {
	my ($c, $sql) = @_;
	my $res = $c && $c->query($sql) or return 'no answer';
	return $res->{err} ? "error $res->{err}" : $res->{rows}[0][0]
		// $res->{ok} // 'NULL';
}

# Kills the server of raw client <r>'s session and starts it again.
sub kill_server_of {
	my ($c) = @_;
	my $port = query($c, 'SELECT @@port');
	my ($k) = grep { $t->server_port($_) eq $port } 1, 2;
	$t->stop_mariadb($k // 1, 'KILL');
	$t->start_mariadb($k // 1);
}
