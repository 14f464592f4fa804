#!/usr/bin/perl

# Tests for OceanBase 2.0 toward servers (enable_ob_protocol_v2, on by
# default as in ODP), through an OceanBase 2.0 server played by a relay
# in the harness in front of a real MariaDB (Test::OBProxy::OB20Relay,
# written from the specification, checking every frame it receives):
# the proxy asks in its login's __proxy_capability_flag, the relay grants
# it in ob_capability_flag, and text statements, prepared statements with
# a large value, a result over many frames, LOAD DATA LOCAL and a
# transaction pass with no frame refused; with OceanBase's own C connector
# (where it is found) OB 2.0 runs on both legs at once.  With the
# parameter off the proxy does not ask, and MySQL framing stays.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::OB20Relay;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(11)->run_mariadb(1);
my $dir = $t->testdir();
my $log = "$dir/relay.log";
my $relay = Test::OBProxy::OB20Relay->start(port => $t->port('relay'),
	server => $t->server_port(1), log => $log);
END { kill 'TERM', $relay if $relay }

sub conf {
	my ($on) = @_;
	$t->write_file('obproxy.yaml', <<"EOF");
listen_port: @{[ $t->port(2883) ]}
local_bound_ip: 127.0.0.1
rootservice_list: "127.0.0.1:@{[ $t->port('relay') ]}"
automatic_match_work_thread: false
work_thread_num: 1
enable_ob_protocol_v2: $on
enable_ob_protocol_v2_with_client: true
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

conf('true');
$t->run();
is($t->mariadb('SELECT 1 + 1'), "2\n", 'a text statement');
my $dbh = $t->dbh();
my $big = join '', map { chr(32 + $_ % 90) } 1 .. 100000;
ok($dbh && $dbh->do('CREATE TABLE ob20s (id INT PRIMARY KEY, b LONGTEXT)')
	&& $dbh->do('INSERT INTO ob20s VALUES (?, ?)', undef, 1, $big),
	'a prepared insert of 100 KB') or diag($dbh ? $dbh->errstr
	: $t->dbi_error());
my ($back) = $dbh ? $dbh->selectrow_array('SELECT b FROM ob20s WHERE id = ?',
	undef, 1) : ();
ok(defined $back && $back eq $big, 'read back whole');
my $rows = $dbh && $dbh->selectall_arrayref('SELECT seq, REPEAT("r", 200) '
	. 'FROM seq_1_to_5000');
is(scalar @{$rows // []}, 5000, '5000 rows over many frames');
$t->write_file('load.txt', join '', map { "$_\n" } 101 .. 600);
my $out = $t->mariadb("LOAD DATA LOCAL INFILE '$dir/load.txt' INTO TABLE "
	. 'ob20s (id); SELECT COUNT(*) FROM ob20s', args => ['--local-infile=1']);
is($out, "501\n", 'LOAD DATA LOCAL') or diag($out);
ok($dbh && $dbh->begin_work() && $dbh->do('DELETE FROM ob20s WHERE id > 300')
	&& $dbh->rollback(), 'a transaction rolled back');

SKIP: {
	my $obc = $ENV{TEST_OBCONNECTOR_C}
		// "$FindBin::Bin/../../shared/obconnector-c";
	skip("no OceanBase connector in $obc", 1)
		unless -f "$obc/lib/libobclnt.a";
	my ($rc, $cc) = $t->run_cmd([ 'cc', '-o', "$dir/ob20_client",
		"$FindBin::Bin/ob20_client.c", "-I$obc/include",
		"$obc/lib/libobclnt.a", qw/-lssl -lcrypto -lz -lpthread -ldl -lm/ ],
		timeout => 60);
	$t->write_file('load3000.txt', join '', map { "$_\trow $_\n" }
		1 .. 3000);
	($rc, $out) = $rc ? ($rc, $cc) : $t->run_cmd([ "$dir/ob20_client",
		'127.0.0.1', $t->client_port(), $t->user(), $t->password(), 'test',
		0, "$dir/load3000.txt" ], timeout => 60);
	ok(!$rc && $out =~ /^# ob20=1/m && $out !~ /^not ok/m,
		'OceanBase\'s C connector: OB 2.0 on both legs') or diag($out);
}
$dbh && $dbh->disconnect();

my $lines = relay_lines();
my @ob20 = $lines =~ /^conn \d+ ob20 (\d+) (\d+) (\d+)$/mg;
ok(@ob20 && $ob20[0] > 0 && $ob20[1] > 0, 'the proxy\'s server sessions '
	. 'spoke OB 2.0 (frames in and out)') or diag($lines);
unlike($lines, qr/^BAD/m, 'the relay refused no frame') or diag($lines);

conf('false');
$t->run();
is($t->mariadb('SELECT 2 + 2'), "4\n", 'parameter off: a statement');
$lines = relay_lines();
unlike($lines, qr/ ob20 /, 'parameter off: MySQL framing') or diag($lines);
