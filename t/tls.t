#!/usr/bin/perl

# Tests for TLS on both legs: a client that asks for TLS gets it
# (mariadb --ssl, DBD::MariaDB with mariadb_ssl, which refuses a clear
# connection), one that does not is served in clear unless ssl_attributes
# says ENABLE_FORCE, and enable_server_ssl makes the server leg TLS (the
# server's own Ssl_version says so).  Large results, LOAD DATA and
# prepared statements go through both legs encrypted.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	openssl DBD::MariaDB/)->plan(32);
my ($cert, $key) = $t->tls_files();
$t->mariadbd_options("--ssl-cert=$cert", "--ssl-key=$key")->run_mariadb(1);

my $conf = <<"EOF";
automatic_match_work_thread: false
work_thread_num: 2
enable_client_ssl: true
enable_server_ssl: true
ssl_public_key: $cert
ssl_private_key: $key
EOF
$t->write_conf($conf)->run();
my $ssl_dsn = "mariadb_ssl=1;mariadb_ssl_ca_file=$cert";

# The client's side: what the mariadb client says of its connection.
sub client_ssl {
	my (@args) = @_;
	my ($out, $rc) = $t->mariadb('\s', args => \@args);
	return $rc ? "failed: $out" : $out =~ /^SSL:\s*(.*)$/m ? $1 : $out;
}

like(client_ssl('--ssl'), qr/^Cipher in use is \S+/,
	'mariadb --ssl: the client leg is TLS');
like(client_ssl('--skip-ssl'), qr/^Not in use/,
	'mariadb --skip-ssl: served in clear');
like(scalar $t->mariadb("SHOW SESSION STATUS LIKE 'Ssl_version'",
	args => ['--ssl']), qr/^Ssl_version\s+TLSv1\.[23]$/m,
	'enable_server_ssl: the server leg is TLS');

my $dbh = $t->dbh(dsn => $ssl_dsn);
ok($dbh, 'DBD::MariaDB with mariadb_ssl (TLS required) logs in')
	or diag($t->dbi_error());
is($dbh && $dbh->selectrow_array('SELECT 1 + 1'), 2, 'a query over TLS');

# Sizes that need many TLS records and partial writes both ways.
$dbh && $dbh->do('CREATE TABLE blobs (id INT PRIMARY KEY, b LONGBLOB)');
my $blob = join '', map { chr(($_ * 7) % 256) } 0 .. 65535;
$blob x= 128;    # 8 MiB
my $ins = $dbh && $dbh->prepare('INSERT INTO blobs VALUES (?, ?)');
$ins && $ins->bind_param(1, 1);
$ins && $ins->bind_param(2, $blob, DBI::SQL_BLOB());
ok($ins && $ins->execute(), 'an 8 MiB blob sent over TLS')
	or diag($dbh && $dbh->errstr);
my ($back) = $dbh ? $dbh->selectrow_array('SELECT b FROM blobs WHERE id = 1')
	: ();
ok(defined $back && $back eq $blob, 'the same 8 MiB blob read back')
	or diag('read back ' . (defined $back ? length($back) : 'undef')
	. ' bytes');
my ($n, $sum) = $dbh ? $dbh->selectrow_array('SELECT COUNT(*), SUM(seq) '
	. 'FROM seq_1_to_200000') : ();
is("@{[ $n // '' ]} @{[ $sum // '' ]}", '200000 20000100000',
	'200,000 rows over TLS');
my $sth = $dbh && $dbh->prepare('SELECT ? * 2, CONCAT(?, "!")',
	{ mariadb_server_prepare => 1 });
ok($sth && $sth->execute(21, 'tls'), 'a prepared statement over TLS');
is(join(',', $sth ? $sth->fetchrow_array() : ()), '42,tls!',
	'its row');

# Garbage where the TLS handshake should be: closed and logged with the
# session id; the other sessions go on.
my $r = $t->raw();
my $hs = $r && $r->handshake();
ok($hs && ($hs->{caps} & 0x800), 'the handshake offers CLIENT_SSL');
$r && $r->send_packet(pack('V V C x23',
	Test::OBProxy::Raw::DEFAULT_CAPS | 0x800, 1 << 24, 45), 1);
$r && $r->send_raw("\x16\x03\x01\x00\x20" . 'garbage!' x 40);
ok($r && $r->closed(5), 'garbage instead of a TLS handshake: closed');
like($t->log(), qr/\[S\d+\] TLS read: /, 'and logged with the session id');
is($dbh && $dbh->selectrow_array('SELECT 7'), 7, 'other sessions go on');

# Thirty queries pipelined, each in a TLS record of its own and sent at
# once: the proxy decrypts a few records a read, and must come back for
# the rest itself, as no more bytes reach the socket.
my ($prc, $pout) = $t->python(<<'EOF', timeout => 60);
import hashlib, os, socket, ssl, struct
e = os.environ
raw = socket.create_connection((e['OBP_HOST'], int(e['OBP_PORT'])),
                               timeout=5)
def read_pkt(sock):
    def take(n):
        b = b''
        while len(b) < n:
            c = sock.recv(n - len(b))
            if not c:
                raise EOFError('closed')
            b += c
        return b
    h = take(4)
    return take(h[0] | h[1] << 8 | h[2] << 16)
def pkt(seq, payload):
    return struct.pack('<I', len(payload))[:3] + bytes([seq]) + payload
hs = read_pkt(raw)
v = hs.index(b'\0', 1)
scramble = hs[v + 5:v + 13] + hs[v + 32:v + 44]
caps = 0x1 | 0x200 | 0x800 | 0x2000 | 0x8000 | 0x20000 | 0x80000
raw.sendall(pkt(1, struct.pack('<IIB23x', caps, 1 << 24, 45)))
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(raw)
h1 = hashlib.sha1(e['OBP_PASSWORD'].encode()).digest()
h2 = hashlib.sha1(scramble + hashlib.sha1(h1).digest()).digest()
token = bytes(a ^ b for a, b in zip(h1, h2))
s.sendall(pkt(2, struct.pack('<IIB23x', caps, 1 << 24, 45)
          + e['OBP_USER'].encode() + b'\0' + bytes([20]) + token
          + b'mysql_native_password\0'))
assert read_pkt(s)[0] == 0, 'login'
for i in range(30):
    s.send(pkt(0, b'\x03SELECT %d' % i))     # a record each
rows = 0
try:
    while rows < 30:
        for _ in range(5):                  # count, column, EOF, row, EOF
            p = read_pkt(s)
            if _ == 3:
                rows += int(p[1:].decode()) == rows
    print('rows', rows)
except (socket.timeout, EOFError) as x:
    print('stalled after', rows, 'rows')
EOF
is("$prc $pout", "0 rows 30\n", 'thirty pipelined queries in TLS records of'
	. ' their own: thirty answers');

# LOAD DATA LOCAL: the file crosses both legs encrypted.
my $file = $t->testdir() . '/rows.txt';
open my $fh, '>', $file or die "$file: $!";
print $fh "$_\tname$_\n" for 1 .. 20000;
close $fh;
my ($out, $rc) = $t->mariadb('CREATE TABLE l (id INT, name TEXT); '
	. "LOAD DATA LOCAL INFILE '$file' INTO TABLE l; "
	. 'SELECT COUNT(*), SUM(id) FROM l', args => ['--ssl', '--local-infile']);
is($out, "20000\t200010000\n", 'LOAD DATA LOCAL over TLS') or diag("rc $rc");

# Without enable_client_ssl, a client that requires TLS is refused.
$t->write_conf($conf =~ s/enable_client_ssl: true/enable_client_ssl: false/r);
ok($t->reload(undef, 2), 'reloaded without enable_client_ssl');
ok(!$t->dbh(dsn => $ssl_dsn),
	'then mariadb_ssl cannot log in: TLS is not offered');
like(client_ssl('--skip-ssl'), qr/^Not in use/, 'clear logins still work');

# ENABLE_FORCE: clear logins fail with MySQL's error, TLS ones work.
$t->write_conf($conf . <<'EOF');
ssl_attributes: '{"using_ssl": "ENABLE_FORCE", "min_tls_version": "TLSV1.2"}'
EOF
ok($t->reload(undef, 2), 'reloaded with using_ssl ENABLE_FORCE');
like(client_ssl('--skip-ssl'), qr/ERROR 3159 .*insecure transport/,
	'a clear login gets 3159');
like(client_ssl('--ssl'), qr/^Cipher in use is/, 'a TLS login works');
like($t->log(), qr/without TLS refused/, 'the refusal is logged');

# DISABLE_FORCE: TLS is not offered at all.
$t->write_conf($conf . <<'EOF');
ssl_attributes: '{"using_ssl": "DISABLE_FORCE"}'
EOF
ok($t->reload(undef, 2), 'reloaded with using_ssl DISABLE_FORCE');
ok(!$t->dbh(dsn => $ssl_dsn), 'TLS is not offered');

# ssl_ca: the servers' certificate is verified against it.
$t->write_conf($conf . "ssl_ca: $cert\n");
ok($t->reload(undef, 2), 'reloaded with ssl_ca, the servers\' issuer');
like(scalar $t->mariadb("SHOW SESSION STATUS LIKE 'Ssl_version'"),
	qr/^Ssl_version\s+TLSv1\.[23]$/m, 'the server\'s certificate passes');
my $other = $t->testdir() . '/other.pem';
$t->run_cmd([ 'openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt',
	'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj',
	'/CN=someone else', '-keyout', $t->testdir() . '/other.key',
	'-out', $other ], timeout => 30);
$t->write_conf($conf . "ssl_ca: $other\n");
ok($t->reload(undef, 2), 'reloaded with ssl_ca of another issuer');
like(scalar $t->mariadb('SELECT 1'), qr/ERROR 1429 .*Protocol error/,
	'the server\'s certificate fails: no login');
like($t->log(), qr/TLS write: .*certificate verify failed/,
	'the reason is logged');

# A certificate the proxy cannot read refuses the configuration.
my ($trc, $terr) = $t->obproxy('-t', '-o', 'enable_client_ssl=true,'
	. 'ssl_public_key=/nonexistent/cert.pem,ssl_private_key=' . $key);
ok($trc != 0, '-t with a missing certificate fails');
like($terr, qr/enable_client_ssl: ssl_public_key \/nonexistent\/cert\.pem/,
	'and names the parameter and the file');
