#!/usr/bin/perl

# Tests for the monitor process: the master forks it beside the workers,
# obproxyctl status shows it, it is respawned after SIGKILL (the log names
# the signal, the workers are untouched), it stops with the master (fast
# and graceful, exiting by itself), takes the master's reloads and
# reopenings of the logs, and a hot upgrade brings the new generation's
# monitor while the old one exits with its generation.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->plan(23);

$t->write_file_expand('obproxy.yaml', <<'EOF2')->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 1
hot_upgrade_rollback_timeout: 30s
EOF2

my $mon;
ok($t->waitfor(sub { $mon = $t->monitor() }, 10), 'the master forked the '
	. 'monitor');
my @workers = $t->workers();
is(scalar @workers, 1, 'one worker beside it');
like($t->status()->{monitor} // '', qr/^pid $mon, state running, restarts 0/,
	'status: the monitor line');
like($t->log(), qr/\[M\] monitor started: pid $mon/, 'log: monitor started');

kill 'KILL', $mon;
my $next;
ok($t->waitfor(sub { ($next = $t->monitor() // $mon) != $mon }, 10),
	'killed monitor replaced by a new process');
like($t->log(), qr/monitor \(pid $mon\) was killed by signal 9/,
	'log names the signal');
like($t->status()->{monitor} // '', qr/^pid $next, state running, restarts 1/,
	'status: the new pid, restarts 1');
is(join(',', $t->workers()), join(',', @workers), 'the worker untouched');

# The master passes a reload and a reopening of the logs on.
my $said = qr/\[$next\]\[MON\] monitor/;
ok($t->reload() && $t->waitfor(sub {
	$t->log() =~ /$said applied a new configuration/ }, 10),
	'HUP: the monitor applies the new configuration');
kill 'USR1', $t->pid();
ok($t->waitfor(sub {
	$t->log() =~ /$said reopened its logs \(master sent REOPEN\)/ }, 10),
	'USR1: the monitor reopens its logs');

# Hot upgrade: the new master forks its own monitor; the old one lives
# until its generation exits.
my ($rc, $out) = $t->ctl('upgrade');
is($rc, 0, 'upgrade serves') or diag($out);
my $new_master = $t->pidfile_pid();
my $new_mon;
ok($t->waitfor(sub { $new_mon = $t->monitor($new_master) }, 10),
	'the new master has its monitor');
ok(Test::OBProxy::alive($next), 'the old monitor still runs before the '
	. 'commit');
($rc, $out) = $t->ctl('commit');
is($rc, 0, 'commit') or diag($out);
ok($t->follow_upgrade(20), 'the old master exited');
ok($t->waitfor(sub { !Test::OBProxy::alive($next) }, 10),
	'the old monitor exited with its generation');
like($t->status()->{monitor} // '', qr/^pid $new_mon, state running/,
	'status: the new generation\'s monitor');

# A monitor dying young is respawned after a back-off.
kill 'KILL', $new_mon;
my $young;
ok($t->waitfor(sub { ($young = $t->monitor() // $new_mon) != $new_mon }, 10),
	'respawned again');
kill 'KILL', $young;
ok($t->waitfor(sub { $t->log() =~ /respawning the monitor in 100 ms/ }, 10),
	'dying young: respawned after 100 ms');
ok($t->waitfor(sub { ($new_mon = $t->monitor() // $young) != $young }, 10),
	'and respawned');

# Graceful stop: the monitor exits by itself, status 0.
$t->stop('QUIT');
ok(!Test::OBProxy::alive($new_mon), 'graceful stop: the monitor is gone');
like($t->log(), qr/monitor \(pid $new_mon\) exited with status 0/,
	'graceful stop: it exited by itself');

# Fast stop: gone too.
$t->run();
my $fast;
$t->waitfor(sub { $fast = $t->monitor() }, 10);
$t->stop('TERM');
ok($fast && !Test::OBProxy::alive($fast), 'fast stop: the monitor is gone');
