#!/usr/bin/perl

# Tests for log folding: with the server down, a client's 2000 failing
# statements, and 200 failing logins, each a connect attempt and two log
# lines, write a few lines, not thousands: a session's line that repeats
# within 10 s (its text after the session id) is written 10 times, then
# once more as "<text> (repeated N times in T s)" when its window
# closes, even in a worker that has gone quiet.

use warnings;
use strict;

use HTTP::Tiny;
use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(7)->run_mariadb(1);
$t->write_conf(<<'EOF2')->run();
automatic_match_work_thread: false
work_thread_num: 1
enable_congestion: false
EOF2

my $dbh = $t->dbh();
# the login's state read-back done first: a server stopped under it leaves
# a session whose state cannot move to another server, closed with it
$dbh->selectrow_array('SELECT 1');
$t->stop_mariadb(1);
# a statement racing the server's close gets 2013, on which a client
# library may give its connection up: let the proxy see the close first
ok($t->waitfor(sub { $t->log() =~ /Lost connection[^\n]*\(idle\)/ }, 10),
	'the proxy drops the idle server session of the stopped server');
my $before = () = $t->log() =~ /\n/g;
my $t0 = time();
my $failed = 0;
for (1 .. 2000) {
	$failed++ unless $dbh->do('SELECT 1');
}
for (1 .. 200) {
	$failed++ unless $t->dbh();
}
my $took = time() - $t0;
is($failed, 2200, '2000 statements and 200 logins fail, server down');
my $lines = (() = $t->log() =~ /\n/g) - $before;
ok($lines < 100, "  they wrote $lines log lines (< 100) in "
	. sprintf('%.1f s', $took));
my $fails = () = $t->log() =~ /cannot connect to any server/g;
ok($fails >= 1 && $fails <= 30, "  the failure is written $fails times");
my $summary = qr/cannot connect to any server: [^\n]* \(repeated \d+ times/;
ok($t->waitfor(sub { $t->log() =~ /$summary in \d+ s\)/ }, 15),
	'  then its summary, "(repeated N times in T s)"');
# one summary per 10 s window: a slow machine (sanitizers) may need
# several, the last written when its window closes
my $n = 0;
$t->waitfor(sub {
	$n = 0;
	$n += $_ for $t->log()
		=~ /cannot connect to any server: .*repeated (\d+) times/g;
	$n >= 1000;
}, 25);
ok($n >= 1000, "  counting the lines folded ($n)");

# /metrics counts the failed connects by server too
my $page = HTTP::Tiny->new(timeout => 5)->get('http://127.0.0.1:'
	. $t->port('prometheus') . '/metrics')->{content} // '';
my ($srv_fails) = $page =~ /^obproxy_server_connect_failures_total
	\{server="\Q@{[ $t->server(1) ]}\E"\}[ ](\d+)$/mx;
my ($all_fails) = $page =~ /^obproxy_server_connect_fail_total[ ](\d+)$/m;
ok(($srv_fails // 0) >= 2200 && $srv_fails == ($all_fails // -1),
	'/metrics: the server\'s failed connects, all of them ('
	. ($srv_fails // 'none') . ')');

$t->stop();
