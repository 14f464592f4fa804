#!/usr/bin/perl

# Tests for the MySQL compressed protocol, each leg on its own: a client
# that asks for it (mariadb --compress, DBD::MariaDB mariadb_compression,
# MySQLdb compress) gets it whatever the server leg does, and
# enable_compression_protocol makes the server leg compressed (the
# server's own Compression status says so).  Large packets, many rows,
# LOAD DATA and prepared statements go through; with TLS on too.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	openssl DBD::MariaDB/)->plan(30);
my ($cert, $key) = $t->tls_files();
$t->mariadbd_options("--ssl-cert=$cert", "--ssl-key=$key")->run_mariadb(1);

my $base = <<"EOF";
automatic_match_work_thread: false
work_thread_num: 2
ssl_public_key: $cert
ssl_private_key: $key
EOF
$t->write_conf($base . "enable_compression_protocol: true\n")->run();

# What the mariadb client says of its own connection, and the server leg.
sub protocol {
	my (@args) = @_;
	my ($out, $rc) = $t->mariadb('\s', args => \@args);
	return $rc ? "failed: $out" : $out =~ /^Protocol:\s*(.*)$/m ? $1 : $out;
}

sub server_leg {
	my (@args) = @_;
	my $out = $t->mariadb("SHOW SESSION STATUS LIKE 'Compression'",
		args => \@args);
	return $out =~ /^Compression\s+(\S+)$/m ? $1 : $out;
}

is(protocol('--compress'), 'Compressed', 'mariadb --compress: the client '
	. 'leg is compressed');
unlike(protocol(), qr/Compressed/, 'without --compress: not compressed');
is(server_leg('--compress'), 'ON', 'enable_compression_protocol: the '
	. 'server leg is compressed');
is(server_leg(), 'ON', 'whatever the client does');

my $dbh = $t->dbh(dsn => 'mariadb_compression=1');
ok($dbh, 'DBD::MariaDB with mariadb_compression logs in')
	or diag($t->dbi_error());

# Payloads that compress well and payloads that do not, beyond 16 MiB.
$dbh && $dbh->do('CREATE TABLE blobs (id INT PRIMARY KEY, b LONGBLOB)');
my $random = join '', map { chr(int(rand(256))) } 1 .. 65536;
my %blobs = (1 => 'a' x (20 << 20), 2 => $random x 320);
for my $id (sort keys %blobs) {
	my $ins = $dbh && $dbh->prepare('INSERT INTO blobs VALUES (?, ?)');
	$ins && $ins->bind_param(1, $id);
	$ins && $ins->bind_param(2, $blobs{$id}, DBI::SQL_BLOB());
	ok($ins && $ins->execute(), "blob $id sent compressed")
		or diag($dbh && $dbh->errstr);
	my ($back) = $dbh ? $dbh->selectrow_array('SELECT b FROM blobs '
		. "WHERE id = $id") : ();
	ok(defined $back && $back eq $blobs{$id}, "blob $id read back whole")
		or diag('read back ' . (defined $back ? length($back) : 'undef'));
}
my ($n, $sum) = $dbh ? $dbh->selectrow_array('SELECT COUNT(*), SUM(seq) '
	. 'FROM seq_1_to_300000') : ();
is("@{[ $n // '' ]} @{[ $sum // '' ]}", '300000 45000150000',
	'300,000 rows compressed');
my $rows = $dbh && $dbh->selectall_arrayref('SELECT seq, REPEAT("x", seq '
	. 'MOD 300) FROM seq_1_to_20000');
is(scalar @{$rows // []}, 20000, 'a 20,000-row result read row by row');
is(scalar(grep { length($_->[1]) != $_->[0] % 300 } @{$rows // []}), 0,
	'every row whole');
my $sth = $dbh && $dbh->prepare('SELECT ? * 2, REPEAT(?, 100)',
	{ mariadb_server_prepare => 1 });
ok($sth && $sth->execute(21, 'z'), 'a prepared statement compressed');
is(join(',', $sth ? $sth->fetchrow_array() : ()), '42,' . 'z' x 100,
	'its row');

# LOAD DATA LOCAL continues the compressed sequence both ways.
my $file = $t->testdir() . '/rows.txt';
open my $fh, '>', $file or die "$file: $!";
print $fh "$_\tname$_\n" for 1 .. 50000;
close $fh;
my ($out, $rc) = $t->mariadb('CREATE TABLE l (id INT, name TEXT); '
	. "LOAD DATA LOCAL INFILE '$file' INTO TABLE l; "
	. 'SELECT COUNT(*), SUM(id) FROM l',
	args => ['--compress', '--local-infile']);
is($out, "50000\t1250025000\n", 'LOAD DATA LOCAL compressed')
	or diag("rc $rc");

# A corrupt compressed packet: closed and logged with the session id.
my $r = $t->raw();
my $res = $r && $r->login(user => $t->user(), password => $t->password(),
	db => 'test', caps => Test::OBProxy::Raw::DEFAULT_CAPS | 0x20);
ok($res && $res->{ok}, 'a raw login with CLIENT_COMPRESS')
	or diag(explain($res));
my $u24 = sub { substr(pack('V', $_[0]), 0, 3) };
$r && $r->send_raw($u24->(10) . "\0" . $u24->(100) . 'x' x 10);
ok($r && $r->closed(5), 'a corrupt compressed packet: closed');
like($t->log(), qr/\[S\d+\] compressed protocol: corrupt zlib stream/,
	'and logged with the session id');
is($dbh && $dbh->selectrow_array('SELECT 7'), 7, 'other sessions go on');

# MySQLdb (mysqlclient) asks for compression too.
SKIP: {
	skip 'no python3-mysqldb', 1 unless $t->python_module('MySQLdb');
	my ($rc, $py) = $t->python(<<'EOF');
import os, MySQLdb
c = MySQLdb.connect(host=os.environ['OBP_HOST'],
                    port=int(os.environ['OBP_PORT']),
                    user=os.environ['OBP_USER'],
                    passwd=os.environ['OBP_PASSWORD'],
                    db=os.environ['OBP_DB'], compress=True)
cur = c.cursor()
cur.execute("SELECT COUNT(*), MAX(LENGTH(b)) FROM blobs")
print("rows %d %d" % cur.fetchone())
EOF
	is($py, "rows 2 20971520\n", 'MySQLdb with compress=True');
}

# TLS and compression together, client leg and server leg.
$t->write_conf($base . <<'EOF');
enable_compression_protocol: true
enable_client_ssl: true
enable_server_ssl: true
EOF
ok($t->reload(undef, 2), 'reloaded with TLS on both legs');
my ($s) = $t->mariadb('\s', args => ['--ssl', '--compress']);
like($s, qr/^SSL:\s*Cipher in use/m, 'TLS and compression: TLS');
like($s, qr/^Protocol:\s*Compressed/m, 'and compressed');
is($t->mariadb("SHOW SESSION STATUS WHERE Variable_name IN "
	. "('Compression', 'Ssl_version')", args => ['--ssl', '--compress']),
	"Compression\tON\nSsl_version\tTLSv1.3\n", 'the server leg is both');
($out) = $t->mariadb('SELECT COUNT(*), SUM(LENGTH(b)) FROM blobs; '
	. 'SELECT SUM(seq) FROM seq_1_to_100000', args => ['--ssl', '--compress']);
is($out, "2\t41943040\n5000050000\n", 'results through both layers');

# The client leg alone: not offered when enable_client_compression is off.
$t->write_conf($base . "enable_client_compression: false\n");
ok($t->reload(undef, 2), 'reloaded without enable_client_compression');
unlike(protocol('--compress'), qr/Compressed/,
	'then --compress is not granted');
is(server_leg('--compress'), 'OFF', 'nor is the server leg compressed');

# zlib:0 frames packets without packing them.
$t->write_conf($base . "enable_compression_protocol: true\n"
	. "compression_algorithm: zlib:0\n");
ok($t->reload(undef, 2), 'reloaded with compression_algorithm zlib:0');
($out) = $t->mariadb('SELECT SUM(LENGTH(b)) FROM blobs',
	args => ['--compress']);
is($out, "41943040\n", 'stored packets both ways');
