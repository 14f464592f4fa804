#!/usr/bin/perl

# Tests for OceanBase 2.0 toward clients with OceanBase's own C connector
# (../shared/obconnector-c, built statically here from t/ob20_client.c):
# with enable_ob_protocol_v2_with_client the login OK grants OB 2.0 in
# ob_capability_flag and the connector switches to OB 2.0 frames; text
# and prepared statements, a result over many frames, a row and a
# statement larger than one buffer, LOAD DATA LOCAL, a change of user,
# against MariaDB, whether the connector asked to compress or not, over
# TLS too; without the parameter, or with the connector's OB 2.0 turned
# off, MySQL framing.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $obc = $ENV{TEST_OBCONNECTOR_C}
	// "$FindBin::Bin/../../shared/obconnector-c";
plan(skip_all => "no OceanBase connector in $obc (a prebuilt one for "
	. 'tests, see README "OceanBase 2.0 protocol")')
	unless -f "$obc/lib/libobclnt.a" && -f "$obc/include/mysql.h";
my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db cc openssl/)
	->plan(7)->run_mariadb(1);
my $dir = $t->testdir();

my ($rc, $out) = $t->run_cmd([ 'cc', '-o', "$dir/ob20_client",
	"$FindBin::Bin/ob20_client.c", "-I$obc/include", "$obc/lib/libobclnt.a",
	qw/-lssl -lcrypto -lz -lpthread -ldl -lm/ ], timeout => 60);
BAIL_OUT("ob20_client does not build: $out") if $rc;
$t->write_file('load.txt', join '', map { "$_\trow $_\n" } 1 .. 3000);

my ($cert, $key) = $t->tls_files();
my $conf = <<"EOF";
automatic_match_work_thread: false
work_thread_num: 1
enable_client_ssl: true
ssl_public_key: $cert
ssl_private_key: $key
EOF
$t->write_conf($conf . "enable_ob_protocol_v2_with_client: true\n")->run();

# The connector's run: its TAP lines and the framing it ended up with.
sub client {
	my (%o) = @_;
	my ($rc, $out) = $t->run_cmd([ "$dir/ob20_client", '127.0.0.1',
		$t->client_port(), $t->user(), $t->password(), 'test',
		$o{compress} ? 1 : 0, "$dir/load.txt", $o{tls} ? ('tls') : () ],
		env => $o{env}, timeout => 60);
	my ($ob20, $tls) = $out =~ /^# ob20=(\d).* tls=(\w+)/m;
	my @bad = $out =~ /^(not ok .*)$/mg;
	my ($plan) = $out =~ /^1\.\.(\d+)$/m;
	return { ok => !$rc && !@bad && ($plan // 0) == 7,
		ob20 => $ob20 // '?', tls => $tls // '?', out => $out };
}

for my $compress (0, 1) {
	my $r = client(compress => $compress);
	ok($r->{ok} && $r->{ob20} eq '1', 'OceanBase 2.0 framing'
		. ($compress ? ', the connector asking to compress' : '')
		. ": every statement") or diag($r->{out});
}
my $r = client(tls => 1);
ok($r->{ok} && $r->{ob20} eq '1' && $r->{tls} eq 'on', 'OceanBase 2.0 '
	. 'framing over TLS: every statement') or diag($r->{out});
$r = client(compress => 1, env => { ENABLE_PROTOCOL_OB20 => 0 });
ok($r->{ok} && $r->{ob20} eq '0', 'the connector\'s OB 2.0 off: '
	. 'the compressed protocol') or diag($r->{out});
unlike($t->error_log(), qr/frame refused/, 'no frame refused');

$t->write_conf($conf . "enable_ob_protocol_v2_with_client: false\n")
	->reload(undef, 1);
$r = client();
ok($r->{ok} && $r->{ob20} eq '0', 'parameter off: MySQL framing, '
	. 'every statement') or diag($r->{out});
$r = client(compress => 1);
ok($r->{ok} && $r->{ob20} eq '0', 'parameter off, asking to compress: '
	. 'the compressed protocol') or diag($r->{out});
