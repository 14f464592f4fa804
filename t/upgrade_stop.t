#!/usr/bin/perl

# Tests for a stop inside the rollback window of a hot upgrade: it stops
# every generation.  obproxyctl stop once the new master serves (the old
# one would otherwise roll back and serve on), obproxyctl stop --fast
# while the new master has not served yet (it would otherwise take over),
# and the init script's restart inside the window: one master after it.

use warnings;
use strict;

use IO::Socket::INET;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->plan(12);
my $d = $t->testdir();
my @seen;      # every master of the test, stopped at the end if alive

$t->write_file_expand('obproxy.yaml', <<'EOF')->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 2
hot_upgrade_exit_timeout: 5s
hot_upgrade_rollback_timeout: 60s
EOF

# The new master serves, the old one waits out its window: stop.

my $old = $t->pid();
my ($rc, $out) = $t->ctl('upgrade');
my $new = pidfile();
push @seen, $old, $new;
ok($rc == 0 && $new && $new != $old, 'upgrade: the new master serves')
	or diag($out);
($rc, $out) = $t->ctl('stop');
is($rc, 0, 'stop in the window: exit 0') or diag($out);
ok(!Test::OBProxy::alive($new) && !Test::OBProxy::alive($old),
	'stop in the window: both masters gone once it returns');
ok(!listening(), 'stop in the window: nothing listens');
ok(!-e "$d/run/obproxy.pid" && !-e "$d/run/obproxy.pid.oldbin",
	'stop in the window: no pid file left');
$t->stop();

# The new master has not served yet (it sleeps before its exec): stop.

$t->run();
$old = $t->pid();
$t->write_file('slow.sh', "#!/bin/sh\nsleep 2\nexec '" . $t->binary()
	. "' \"\$\@\"\n");
chmod 0755, "$d/slow.sh";
my $up = $t->_spawn([ $t->ctl_binary(), '-d', $d, 'upgrade', "$d/slow.sh" ],
	out => 'upgrade.out', env => $t->_obproxy_env());
my $starting;
$t->waitfor(sub { ($t->status()->{text} // '')
	=~ /^generation new: pid (\d+), .*starting$/m and $starting = $1 }, 10);
push @seen, $old, $starting // ();
ok($starting, 'slow upgrade: the new master is starting');
($rc, $out) = $t->ctl('stop', '--fast');
is($rc, 0, 'stop before it serves: exit 0') or diag($out);
ok($t->waitfor(sub { !Test::OBProxy::alive($starting // 0)
	&& !Test::OBProxy::alive($old) }, 1),
	'stop before it serves: both masters gone');
ok(!listening() && !-e "$d/run/obproxy.pid",
	'stop before it serves: nothing listens, no pid file');
$t->_reap($up, 10);
$t->stop();

# The init script's restart inside the window: one master after it.

$t->run();
$old = $t->pid();
$t->ctl('upgrade');
$new = pidfile();
push @seen, $old, $new;
my %env = (%{$t->_obproxy_env()}, OBPROXY_DEFAULTS => "$d/no-defaults",
	OBPROXYCTL => $t->ctl_binary(), OBPROXY_BINARY => $t->binary(),
	OBPROXY_OPTS => "-f $d/obproxy.yaml", STOP_TIMEOUT => 20);
($rc, $out) = $t->run_cmd([ '/bin/sh', "$FindBin::Bin/../contrib/obproxy.init",
	'restart' ], timeout => 40, env => \%env);
my $third = pidfile();
push @seen, $third;
is($rc, 0, 'init restart in the window: 0') or diag($out);
ok($third && $third != $new && Test::OBProxy::alive($third)
	&& !Test::OBProxy::alive($old) && !Test::OBProxy::alive($new),
	'init restart in the window: one master, a new one');
is($t->status()->{generations}, 1, 'init restart: one generation');
$t->stop();

# Whatever a failure left behind.
for my $pid (grep { $_ && Test::OBProxy::alive($_) } @seen) {
	kill 'TERM', $pid;
	$t->waitfor(sub { !Test::OBProxy::alive($pid) }, 10);
}

###############################################################################

sub pidfile {
	return ($t->read_file('run/obproxy.pid') // '') =~ /^(\d+)$/ ? $1 : 0;
}

sub listening {
	return defined IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $t->port(2883), Proto => 'tcp', Timeout => 2);
}
