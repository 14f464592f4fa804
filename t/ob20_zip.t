#!/usr/bin/perl

# The zlib variant of OceanBase 2.0 toward servers (ODP-REFERENCE 9.3,
# 10.1: OB_CAP_OB_PROTOCOL_V2_COMPRESS, bit 22), through an OceanBase 2.0
# server played by a relay in front of a real MariaDB
# (Test::OBProxy::OB20Relay, written from the specification: it inflates
# every frame it receives and checks its size and checksums).  With
# compression_algorithm zlib:6 the proxy asks for bit 22, the relay
# grants it, and text and prepared statements, a 100 KB value, 5000 rows
# and LOAD DATA LOCAL pass in compressed frames both ways, the proxy's
# deflated to fewer bytes than they inflate to.  A corrupt deflate
# stream or a wrong inflated length from the server closes that server
# session with a WARN line saying so, the client gets an error, and the
# proxy keeps serving.  With compression_algorithm "" (the default) the
# proxy does not ask, as ODP.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::OB20Relay;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(16)->run_mariadb(1);
my $dir = $t->testdir();
my $log = "$dir/relay.log";
my $relay = Test::OBProxy::OB20Relay->start(port => $t->port('relay'),
	server => $t->server_port(1), log => $log);
END { kill 'TERM', $relay if $relay }

sub conf {
	my ($algo) = @_;
	$t->write_file('obproxy.yaml', <<"EOF");
listen_port: @{[ $t->port(2883) ]}
local_bound_ip: 127.0.0.1
rootservice_list: "127.0.0.1:@{[ $t->port('relay') ]}"
automatic_match_work_thread: false
work_thread_num: 1
enable_ob_protocol_v2: true
compression_algorithm: "$algo"
EOF
}

# The relay's lines once the proxy's server sessions have ended.
sub relay_lines {
	$t->stop();
	$t->waitfor(sub { ($t->read_file($log) // '') =~ /^conn \d+ ob20/m }, 10);
	sleep 1;    # the monitor's probes end too
	my $text = $t->read_file($log) // '';
	unlink $log;
	return $text;
}

conf('zlib:6');
$t->run();
my $long = 'x' x 3000;
is($t->mariadb("SELECT LENGTH('$long')"), "3000\n",
	'a compressible 3 KB statement');
my $dbh = $t->dbh();
my $big = join '', map { chr(32 + $_ % 90) } 1 .. 100000;
ok($dbh && $dbh->do('CREATE TABLE obz (id INT PRIMARY KEY, b LONGTEXT)')
	&& $dbh->do('INSERT INTO obz VALUES (?, ?)', undef, 1, $big),
	'a prepared insert of 100 KB') or diag($dbh ? $dbh->errstr
	: $t->dbi_error());
my ($back) = $dbh ? $dbh->selectrow_array('SELECT b FROM obz WHERE id = ?',
	undef, 1) : ();
ok(defined $back && $back eq $big, 'read back whole');
my $rows = $dbh && $dbh->selectall_arrayref('SELECT seq, REPEAT("r", 200) '
	. 'FROM seq_1_to_5000');
is(scalar @{$rows // []}, 5000, '5000 rows');
$t->write_file('load.txt', join '', map { "$_\n" } 101 .. 600);
my $out = $t->mariadb("LOAD DATA LOCAL INFILE '$dir/load.txt' INTO TABLE "
	. 'obz (id); SELECT COUNT(*) FROM obz', args => ['--local-infile=1']);
is($out, "501\n", 'LOAD DATA LOCAL') or diag($out);
is($t->mariadb("SELECT 'sess:4=v1'"), "sess:4=v1\n",
	'an answer with extra info (session info) in a compressed frame');
$dbh && $dbh->disconnect();

my $rc;
($out, $rc) = $t->mariadb("SELECT 'zbad'");
ok($rc && $out =~ /server 127\.0\.0\.1:\d+/,
	'a corrupt deflate stream: the client gets an error') or diag($out);
like($t->log(), qr/WARN.*frame refused: compressed frame does not inflate/,
	'a WARN line says so');
($out, $rc) = $t->mariadb("SELECT 'zlen'");
ok($rc && $out =~ /Lost connection/,
	'a wrong inflated length: the client gets an error') or diag($out);
like($t->log(), qr/WARN.*frame refused: compressed frame inflates to another/,
	'a WARN line says so');
like($t->log(), qr/WARN.*Lost connection.*server 127\.0\.0\.1:\d+/,
	'and one names the server');
is($t->mariadb('SELECT 3 + 3'), "6\n", 'the proxy keeps serving');

my $lines = relay_lines();
my @zip = $lines =~ /^conn \d+ ob20 \d+ \d+ \d+ zip (\d+) (\d+) (\d+) (\d+)$/mg;
my ($most, $zb, $ub) = (0, 0, 0);
for (my $i = 0; $i < @zip; $i += 4) {
	($most, $zb, $ub) = @zip[$i, $i + 2, $i + 3] if $zip[$i] > $most;
}
ok($most > 0 && $zb < $ub, "the proxy's frames came deflated ($most "
	. "frames: $zb bytes inflating to $ub)") or diag($lines);
unlike($lines, qr/^BAD/m, 'the relay refused no frame of the proxy\'s')
	or diag($lines);

conf('');
$t->run();
is($t->mariadb('SELECT 2 + 2'), "4\n", 'compression_algorithm "": a statement');
$lines = relay_lines();
ok($lines =~ /^conn \d+ ob20 /m && $lines !~ / zip /,
	'compression_algorithm "": OB 2.0 not compressed') or diag($lines);
