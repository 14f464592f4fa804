#!/usr/bin/perl

# Tests for server detection (server_detect_mode): the monitor probes the
# servers with select 'detect server' from dual as the service account; a
# server that hangs (SIGSTOP: it still accepts TCP connections, it never
# answers) is detect-dead within server_detect_fail_threshold rounds of
# server_detect_refresh_interval, new sessions go to the other server at
# once instead of waiting connect_server_timeout on it, obproxyctl status
# and SHOW PROXYCONGESTION show it; once it answers again (SIGCONT) it is
# alive and used again.  Then with only the hung server, sessions fail
# fast, and with server_detect_mode 0 the hung server is never marked.

use warnings;
use strict;

use HTTP::Tiny;
use Test::More;
use Time::HiRes qw/time sleep/;
use Digest::SHA qw/sha1_hex/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(20)->run_mariadb(2);
my $conf = <<"EOF";
automatic_match_work_thread: false
work_thread_num: 2
server_session_pool_size: 0
server_detect_mode: 2
server_detect_fail_threshold: 3
server_detect_refresh_interval: 1s
detect_server_timeout: 5s
min_keep_congestion_interval: 1s
obproxy_sys_password: @{[ sha1_hex('admin-pw') ]}
EOF
$t->write_conf($conf)->run();
my ($p1, $p2) = ($t->server_port(1), $t->server_port(2));
my ($s1, $s2) = ($t->server(1), $t->server(2));
my $pid1 = $t->{_mariadb}{1}{pid};

# obproxyctl status's line of server <n> (0-based).
sub line {
	my ($n) = @_;
	my ($l) = $t->status()->{text} =~ /^server $n: (.*)$/m;
	return $l // '';
}

# One new session: the port of its server (or the error) and its time.
sub session {
	my $start = time();
	my ($out, $rc) = $t->mariadb('SELECT @@port', timeout => 20);
	my $took = time() - $start;
	return ($rc ? ($out =~ /(ERROR \d+)/)[0] // 'error' : $out =~ /(\d+)/
		? $1 : 'error', $took);
}

ok($t->waitfor(sub { line(0) =~ /detect alive/ && line(1) =~ /detect alive/ },
	10), 'both servers answer their probes') or diag(line(0));
like(line(0), qr/^\Q$s1\E alive; detect alive, read_only 0$/,
	'status: alive, detect alive, read_only 0');

kill 'STOP', $pid1;
my $stopped = time();
ok($t->waitfor(sub { line(0) =~ /detect dead/ }, 10),
	'server 1 hung: detect-dead') or diag(line(0));
my $took = time() - $stopped;
ok($took < 3 * 1 + 3, sprintf('within threshold x interval (+3 s): '
	. 'marked after %.1f s', $took));
diag(sprintf('server 1 marked detect-dead %.2f s after SIGSTOP', $took));
like($t->log(), qr/server \Q$s1\E detect-dead: 3 probes failed in a row/,
	'the detection is logged');

sub failures {
	return scalar(() = $t->log() =~ /connect to server \Q$s1\E failed/g);
}

my $failed = failures();
my (@ports, @times);
for (1 .. 5) {
	my ($port, $secs) = session();
	push @ports, $port;
	push @times, $secs;
}
is("@ports", join(' ', ($p2) x 5), 'new sessions go to server 2');
my ($max) = sort { $b <=> $a } @times;
# Under 1 s on an idle machine; a login that waited on the hung server
# would take connect_server_timeout (5 s).
ok($max < 2.5, sprintf('none waits on the hung server: slowest login '
	. '%.2f s', $max));
is(failures() - $failed, 0, '  none even tried it');
diag(sprintf('login times while server 1 hangs: %s',
	join(' ', map { sprintf '%.2f', $_ } @times)));

my %cong = map { $_->[4] => $_ } map { [ split /\t/ ] } grep { /\t/ }
	split /\n/, $t->mariadb_proxysys('SHOW PROXYCONGESTION',
		password => 'admin-pw');
is(join(':', @{$cong{$s1} // []}[6, 18]), 'DETECT_DEAD:1',
	'SHOW PROXYCONGESTION: DETECT_DEAD, detect_congested 1');
like($cong{$s1} && $cong{$s1}[19], qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
	'  last_detect_congested: when');
my $page = HTTP::Tiny->new(timeout => 5)->get('http://127.0.0.1:'
	. $t->port('prometheus') . '/metrics')->{content} // '';
like($page, qr/^obproxy_server_detect_dead\{server="\Q$s1\E"\} 1$/m,
	'/metrics: obproxy_server_detect_dead 1 for it');
like($page, qr/^obproxy_server_blocked\{server="\Q$s1\E"\} 1$/m,
	'  and obproxy_server_blocked 1: workers skip it');

kill 'CONT', $pid1;
ok($t->waitfor(sub { line(0) =~ /detect alive/ }, 10),
	'server 1 answers again: detect alive') or diag(line(0));
like($t->log(), qr/server \Q$s1\E detected alive/, 'its revival is logged');
ok($t->waitfor(sub { (session())[0] eq $p1 }, 5),
	'sessions go to server 1 again');

# Only the hung server: a session fails at once, naming it.
$t->stop_mariadb(2);
kill 'STOP', $pid1;
ok($t->waitfor(sub { line(0) =~ /detect dead/ }, 10), 'hung again: dead');
my ($err, $secs) = session();
is($err, 'ERROR 1429', 'no server left: 1429');
ok($secs < 2.5, sprintf('  at once (%.2f s), not after '
	. 'connect_server_timeout', $secs));
kill 'CONT', $pid1;
ok($t->waitfor(sub { line(0) =~ /detect alive/ }, 10), 'alive again');

# server_detect_mode 0: a hang is never marked.
$t->write_conf($conf . "server_detect_mode: 0\n");
$t->reload(undef, 2);
kill 'STOP', $pid1;
sleep 4;
unlike(line(0), qr/detect dead/, 'server_detect_mode 0: not marked dead');
kill 'CONT', $pid1;
