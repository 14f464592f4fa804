#!/usr/bin/perl

# Tests for run/obproxy.pid and daemon mode: the pid file names the
# master; a second master on the same root is refused while the first
# serves; a stale pid file does not block a start; without -N the command
# returns once the daemon serves, and TERM stops it.

use warnings;
use strict;

use POSIX ();
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(13)->run_mariadb(1);
my $d = $t->testdir();
my $pidfile = "$d/run/obproxy.pid";

$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

is(pid_in_file(), $t->pid(), 'pid file names the master');

# A second master on the same root.

my ($rc, $out) = $t->obproxy('-N', '-f', "$d/obproxy.yaml");
like("$rc $out", qr/^1 .*already running/s, 'second start refused');
is($t->mariadb('SELECT 1'), "1\n", 'first master still serves');
is(pid_in_file(), $t->pid(), 'pid file unchanged');

$t->stop();
ok(!-e $pidfile, 'pid file removed at exit');

# A stale pid file: its process is gone.

my $dead = fork() // die "fork: $!\n";
POSIX::_exit(0) if $dead == 0;
waitpid($dead, 0);
$t->write_file('run/obproxy.pid', "$dead\n");
$t->run();
is(pid_in_file(), $t->pid(), 'stale pid file replaced');
is($t->mariadb('SELECT 1'), "1\n", 'started over a stale pid file');
$t->stop();

# Daemon mode: the command returns once the daemon is ready.

($rc, $out) = $t->obproxy('-f', "$d/obproxy.yaml");
is($rc, 0, 'daemon: command returned 0') or diag($out);
my $daemon = pid_in_file();
ok($daemon && Test::OBProxy::alive($daemon),
	'daemon: pid file names a live process');
is($t->mariadb('SELECT 1'), "1\n", 'daemon: serves clients');

($rc, $out) = $t->obproxy('-N', '-f', "$d/obproxy.yaml");
like("$rc $out", qr/^1 .*already running/s, 'daemon: second start refused');

kill 'TERM', $daemon if $daemon;
ok($t->waitfor(sub { !Test::OBProxy::alive($daemon) }, 10),
	'daemon: TERM stops it');
ok($t->waitfor(sub { !-e $pidfile }, 2), 'daemon: pid file removed');

###############################################################################

sub pid_in_file {
	my $text = $t->read_file('run/obproxy.pid') // return undef;
	return $text =~ /^(\d+)\n\z/ ? $1 : "bad: $text";
}
