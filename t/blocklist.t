#!/usr/bin/perl

# Tests for the blocklist: a server that refuses a connection is skipped
# by every worker (one failed connect in all, not one per session), tried
# again by a single connection after congestion_retry_interval and used
# again once it answers; when every server is blocked the proxy still
# tries them all; with enable_congestion off a dead server is tried by
# every session.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(13)->run_mariadb(2);
my $conf = <<'EOF';
automatic_match_work_thread: false
work_thread_num: 2
server_session_pool_size: 0
congestion_retry_interval: 2s
EOF
$t->write_conf($conf)->run();
my ($p1, $p2) = ($t->server_port(1), $t->server_port(2));
my ($s1, $s2) = ($t->server(1), $t->server(2));

# The port of the server each of <n> new sessions lands on.
sub ports {
	my ($n) = @_;
	return join ' ', map {
		my ($out, $rc) = $t->mariadb('SELECT @@port');
		$rc ? 'error' : $out =~ /^(\d+)$/ ? $1 : 'error';
	} 1 .. $n;
}

sub failures {
	return scalar(() = $t->log() =~ /connect to server \Q$s1\E failed/g);
}

is(ports(3), join(' ', ($p1) x 3), 'sessions go to the first server');
$t->stop_mariadb(1);
is(ports(12), join(' ', ($p2) x 12), 'server 1 stopped: the second one');
is(failures(), 1, 'one refused connect for 12 sessions on 2 workers');
like($t->log(), qr/server \Q$s1\E blocked for every worker/,
	'the block is logged');
like($t->status()->{text}, qr/^server 0: \Q$s1\E blocked, retried in [12]s;/m,
	'obproxyctl status shows it blocked');

$t->start_mariadb(1);
sleep 2.5;
is(ports(4), join(' ', ($p1) x 4),
	'back after congestion_retry_interval: the first server again');
like($t->status()->{text}, qr/^server 0: \Q$s1\E alive;/m,
	'obproxyctl status shows it alive again');

# Every server blocked: they are tried all the same.
$t->stop_mariadb(1);
$t->stop_mariadb(2);
my ($out) = $t->mariadb('SELECT 1');
like($out, qr/ERROR 1429 .*cannot connect to any server/, 'both down: 1429');
($out) = $t->mariadb('SELECT 1');
like($out, qr/ERROR 1429 .*\Q$s1\E \(.*\Q$s2\E \(/,
	'both blocked: both tried again and named');
$t->start_mariadb(2);
is(ports(1), $p2, 'a blocked server that answers is used');

# enable_congestion off: the dead server is tried by every session.
$t->write_conf($conf . "enable_congestion: false\n");
ok($t->reload(undef, 2), 'reloaded with enable_congestion false');
my $before = failures();
is(ports(5), join(' ', ($p2) x 5), 'sessions still served');
is(failures() - $before, 5, 'each of them tried the dead server first');
