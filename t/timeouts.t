#!/usr/bin/perl

# Tests for the client's time limits besides wait_timeout (t/idle.t): a
# client that sends part of a packet, then nothing, gets the server's ERR
# 1159 after client_net_read_timeout and is disconnected, with a log line
# naming the session and the client; the limit counts silence, as
# MariaDB's net_read_timeout does, so a packet sent slowly in pieces and
# an idle client between packets are left alone;
# default_inactivity_timeout bounds an idle client whose wait_timeout is
# longer.  The login keeps its own bound, client_login_timeout.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(16)->run_mariadb(1);
$t->write_conf(<<'EOF2')->run();
automatic_match_work_thread: false
work_thread_num: 1
client_net_read_timeout: 1s
default_inactivity_timeout: 3s
client_login_timeout: 2s
EOF2

# The ERR a raw client reads within <timeout>: "code message", and the
# seconds it took.
sub err_of {
	my ($r, $timeout) = @_;
	my $t0 = time();
	my $p = $r ? $r->read_packet(timeout => $timeout) : undef;
	my $err = defined $p && ord($p) == 0xff
		? unpack('v', substr($p, 1, 2)) . ' ' . substr($p, 9) : 'none';
	return ($err, time() - $t0);
}

my $query = "\x03SELECT 1";
my $head = pack('V', length $query) =~ s/.$//sr . "\x00";

# Two bytes of a header, then nothing.
my $r = $t->raw_login() or diag($@);
$r && $r->send_raw(substr($head, 0, 2));
my ($err, $took) = err_of($r, 5);
is($err, '1159 Got timeout reading communication packets',
	'half a header, then silence: ERR 1159');
ok($took > 0.8 && $took < 2.5, '  after client_net_read_timeout (1 s)')
	or diag("$took s");
ok($r && $r->closed(3), '  then the connection closes');
my $port = $r ? $r->local_port() : 0;
my $line = qr/\[S\d+\] client \S+:$port sent part of a packet, then nothing/;
like($t->log(), qr/$line for client_net_read_timeout \(1 s\): disconnected/,
	'  a log line names the session and the client');

# During the login client_login_timeout bounds it all: half a header of
# the handshake response, then nothing.
my $l = $t->raw() or diag($@);
$l && $l->handshake();
$l && $l->send_raw("\x40\x00");
my $t0 = time();
ok($l && $l->closed(5), 'half a handshake response: closed');
ok(time() - $t0 > 1.5 && time() - $t0 < 3.5, '  after client_login_timeout')
	or diag(time() - $t0 . ' s');

# A header and half the payload.
$r = $t->raw_login() or diag($@);
$r && $r->send_raw($head . substr($query, 0, 4));
($err, $took) = err_of($r, 5);
is($err, '1159 Got timeout reading communication packets',
	'a header and half its payload: ERR 1159');
ok($took > 0.8 && $took < 2.5, '  after about 1 s') or diag("$took s");
is($t->status()->{client_read_timeout}, 2, '  client_read_timeout counts '
	. 'both');

# Slowly, each piece within the limit: served.
$r = $t->raw_login() or diag($@);
for my $piece ($head, substr($query, 0, 3), substr($query, 3)) {
	$r && $r->send_raw($piece);
	sleep 0.6;
}
my $res = $r ? $r->read_packet(timeout => 3) : undef;
ok(defined $res && ord($res) == 1,
	'a packet in pieces 0.6 s apart (1.8 s in all): its result set')
	or diag($r ? $r->{error} : 'no client');

# Between packets the read limit does not apply.
my $dbh = $t->dbh();
sleep 1.5;
is($dbh && $dbh->selectrow_array('SELECT 2'), 2,
	'idle 1.5 s between statements: still served');
$dbh && $dbh->disconnect();

# default_inactivity_timeout (3 s) under the servers' wait_timeout.
$r = $t->raw_login() or diag($@);
($err, $took) = err_of($r, 6);
like($err, qr/^4031 The client was disconnected by the server because of/,
	'idle past default_inactivity_timeout: ERR 4031');
ok($took > 2.5 && $took < 4.5, '  after about 3 s') or diag("$took s");
like($t->log(), qr/idle for default_inactivity_timeout \(3 s\)/,
	'  the log names the limit');

# A smaller wait_timeout still wins.
$r = $t->raw_login() or diag($@);
$r && $r->query('SET SESSION wait_timeout = 1');
($err, $took) = err_of($r, 6);
ok($err =~ /^4031 / && $took < 2, '  a smaller wait_timeout wins')
	or diag("$err after $took s");
is($t->status()->{client_idle_timeout}, 2, 'client_idle_timeout counts '
	. 'both');

$t->stop();
