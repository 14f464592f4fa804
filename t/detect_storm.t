#!/usr/bin/perl

# Tests for the default server_detect_mode 1 and the shared back-off: a
# hung server (SIGSTOP) costs the first session that meets it one
# connect_server_timeout (the monitor reads every server's state, but
# before that failure its unanswered probes do not count); from then on it is backed off for every worker
# and retried with min_congested_connect_timeout, so later sessions do not
# wait on it; the monitor, which now probes it (it failed), makes it
# detect-dead, and once it answers again (SIGCONT) sessions use it again.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(9)->run_mariadb(2);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
server_session_pool_size: 0
connect_server_timeout: 4s
EOF
my ($p1, $p2) = ($t->server_port(1), $t->server_port(2));
my $s1 = $t->server(1);
my $pid1 = $t->{_mariadb}{1}{pid};

sub line {
	my ($l) = $t->status()->{text} =~ /^server 0: (.*)$/m;
	return $l // '';
}

sub session {
	my $start = time();
	my ($out, $rc) = $t->mariadb('SELECT @@port', timeout => 20);
	return (!$rc && $out =~ /(\d+)/ ? $1 : 'error', time() - $start);
}

sub failures {
	return scalar(() = $t->log() =~ /connect to server \Q$s1\E failed/g);
}

is((session())[0], $p1, 'sessions go to server 1');

kill 'STOP', $pid1;
sleep 3.5;
unlike(line(), qr/detect dead/, 'server_detect_mode 1: a hang no session '
	. 'met does not count');
my ($port, $first) = session();
ok($port eq $p2 && $first >= 3.5, sprintf('the first session after the '
	. 'hang waits connect_server_timeout, then server 2 (%.2f s)', $first));

my (@ports, @times);
my $end = time() + 6;
while (time() < $end && @times < 200) {
	my ($p, $secs) = session();
	push @ports, $p;
	push @times, $secs;
}
my ($max) = sort { $b <=> $a } @times;
is(scalar(grep { $_ ne $p2 } @ports), 0,
	scalar(@ports) . ' sessions in 6 s, all on server 2');
# Under 0.2 s on an idle machine; a wait on the hung server takes 4 s.
ok($max < 2, sprintf('none waits connect_server_timeout: slowest %.2f s',
	$max));
diag(sprintf('%d logins during the hang: slowest %.2f s, connect failures '
	. 'on the hung server: %d', scalar(@times), $max, failures()));
ok(failures() <= 10, 'the hung server was not stormed (' . failures()
	. ' failed attempts)');
like(line(), qr/detect dead/, 'the monitor probes it (it failed): dead');

kill 'CONT', $pid1;
ok($t->waitfor(sub { line() =~ /^\S+ alive; detect alive/ }, 10),
	'SIGCONT: detect alive, its back-off over') or diag(line());
is((session())[0], $p1, 'sessions go to server 1 again');
