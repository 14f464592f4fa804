#!/usr/bin/perl

# Tests for OceanBase 2.0 toward clients with a peer written from the
# specification (Test::OBProxy::OB20, no code shared with the proxy):
# the grant in the login OK, answers framed with both checksums right,
# the request id echoed and sequences in turn, a result over several
# frames, extra info in both formats, the proxy's own answers to
# root@proxysys; then the frames a real client never sends (wrong header
# checksum, wrong payload checksum, wrong magic, wrong version, a payload
# length beyond the limit, lengths that disagree, a sequence or
# connection id out of turn) each close the connection with a log line,
# forward nothing and crash nothing.

use warnings;
use strict;

use Test::More;
use Digest::SHA qw/sha1_hex/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;
use Test::OBProxy::OB20 qw/frame/;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(30)->run_mariadb(1);
my $admin_pw = 'adm1n pw';
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 1
enable_ob_protocol_v2_with_client: true
obproxy_sys_password: @{[ sha1_hex($admin_pw) ]}
EOF
$t->mariadb('CREATE TABLE ob20_sink (id INT)');
my @workers = $t->workers();

sub peer {
	my $raw = Test::OBProxy::Raw->new(port => $t->client_port());
	my $p = $raw && Test::OBProxy::OB20->login($raw, user => $t->user(),
		password => $t->password());
	diag('login: ' . ($raw ? $raw->{error} // '?' : $@)) unless $p;
	return $p;
}

# A query's rows as "a,b;c,d" (text protocol), from a response's bytes.
sub rows {
	my ($bytes) = @_;
	my @p = Test::OBProxy::OB20::packets($bytes // '');
	return "error: @{[ substr($p[0] // '', 9) ]}" if ($p[0] // '') =~ /^\xff/;
	my $n = ord($p[0] // "\0");
	my @rows;
	for my $row (@p[$n + 2 .. $#p - 1]) {
		my @v;
		while (length $row) {
			my $len = ord substr($row, 0, 1, '');
			($len) = unpack('v', substr($row, 0, 2, '')) if $len == 0xfc;
			($len) = unpack('V', substr($row, 0, 3, '') . "\0")
				if $len == 0xfd;
			push @v, substr($row, 0, $len, '');
		}
		push @rows, join ',', @v;
	}
	return join ';', @rows;
}

my $p = peer();
is($p && $p->granted(), 1 << 8 | 1 << 15, 'the login OK grants OB 2.0 '
	. 'and new extra info in ob_capability_flag');
ok($p && $p->request("\x03SELECT 1 + 1"), 'a query framed');
my $bytes = $p && $p->read_response();
is(rows($bytes), '2', 'its answer framed, both checksums, request id '
	. 'and sequence right') or diag($p && $p->{error});
ok($p && $p->{last}, 'its last frame says OB_IS_LAST_PACKET');
$p && $p->request("\x03SELECT seq, REPEAT('z', 1000) FROM seq_1_to_100");
$bytes = $p && $p->read_response();
my $r = rows($bytes);
is(scalar(() = $r =~ /z{1000}/g), 100, '100 rows of 1000 bytes')
	or diag($p && $p->{error});
cmp_ok($p ? $p->{frames} : 0, '>', 5, 'over several frames, each '
	. 'checked') or diag($p && $p->{frames});
ok($p && $p->{last} && $p->{lasts} == 1, 'only the last frame says '
	. 'OB_IS_LAST_PACKET') or diag($p && $p->{lasts});
$p && $p->request("\x03SELECT 'new'", extra => Test::OBProxy::OB20::extra_new(
	2001, 'trace-id'));
is(rows($p && $p->read_response()), 'new', 'new-format extra info');
$p && $p->request("\x03SELECT 'old'", extra => Test::OBProxy::OB20::extra_old(
	'ob_trace_info', 'x'), old => 1);
is(rows($p && $p->read_response()), 'old', 'old-format extra info');
my $long = 'w' x 30000;
$p && $p->request("\x03SELECT LENGTH('$long')");
is(rows($p && $p->read_response()), '30000', 'a request frame longer '
	. 'than a buffer');

# The proxy's own account is answered by the proxy, framed the same.
my $raw = Test::OBProxy::Raw->new(port => $t->client_port());
my $adm = $raw && Test::OBProxy::OB20->login($raw, user => 'root@proxysys',
	password => $admin_pw, db => undef);
$adm && $adm->request("\x03SHOW PROXYCONFIG LIKE "
	. "'enable_ob_protocol_v2_with_client'");
like(rows($adm && $adm->read_response()),
	qr/^enable_ob_protocol_v2_with_client,/,
	"root\@proxysys: granted, and the proxy's own answer framed")
	or diag($adm ? $adm->{error} : $raw && $raw->{error});

# Bad frames: each on its own connection, an INSERT that must not land.
my $id = 0;
sub refused {
	my ($name, $log, %bad) = @_;
	my $q = peer() or return fail("$name: login");
	$id++;
	my $mysql = pack("V", 0) . "\x03INSERT INTO ob20_sink VALUES ($id)";
	substr($mysql, 0, 3) = substr(pack('V', length($mysql) - 4), 0, 3);
	$q->send_raw(frame(conn => $q->{conn}, req => 99, seq => 0,
		payload => $mysql, %bad));
	ok($q->{raw}->closed(5), "$name: the connection is closed");
	ok($t->waitfor(sub { $t->log() =~ /frame refused: $log/ }, 5),
		"$name: logged") or diag(join "\n", grep { /refused/ }
		split /\n/, $t->log());
}
refused('wrong CRC16', 'header checksum mismatch', hdr_crc => 0x1234);
refused('wrong CRC-32C', 'payload checksum mismatch', tail_crc => 0xdeadbeef);
refused('wrong magic', 'wrong magic number', magic => 0x20AC);
refused('wrong version', 'wrong version', version => 21);
refused('oversized length', 'payload length beyond the limit',
	payload_len => 0x1000000);
refused('lengths disagree', 'lengths disagree', comp_len => 100);
refused('sequence out of turn', 'packet sequence out of turn', seq => 3);
refused('another connection id', "another connection's id", conn => 1);

is($t->mariadb('SELECT COUNT(*) FROM ob20_sink'), "0\n",
	'nothing of a bad frame was forwarded');
is(join(',', $t->workers()), join(',', @workers), 'no worker restarted');
$p = peer();
$p && $p->request("\x03SELECT 'still'");
is(rows($p && $p->read_response()), 'still', 'the proxy still serves');
