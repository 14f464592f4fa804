#!/usr/bin/perl

# Tests for contrib/: the LSB init script run against the test directory
# (start, a second start, status 0 and 3 and 1, reload, reopen-logs,
# restart, stop twice, reload while stopped, force-stop of a hung master,
# usage), the systemd unit through systemd-analyze verify and the
# logrotate snippet through logrotate, each when the tool is installed.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->plan(26);
my $d = $t->testdir();
my $contrib = "$FindBin::Bin/../contrib";

$t->write_file_expand('obproxy.yaml', <<'EOF');
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 2
EOF

my %env = (%{$t->_obproxy_env()},
	OBPROXY_DEFAULTS => "$d/no-defaults",
	OBPROXYCTL => $t->ctl_binary(),
	OBPROXY_BINARY => $t->binary(),
	OBPROXY_OPTS => "-f $d/obproxy.yaml",
	STOP_TIMEOUT => 20,
	KILL_TIMEOUT => 2,
	REPLY_TIMEOUT => 1);

sub init {
	my ($verb) = @_;
	return $t->run_cmd([ '/bin/sh', "$contrib/obproxy.init", $verb ],
		timeout => 40, env => \%env);
}

my ($rc, $out) = init('status');
is($rc, 3, 'status, stopped: 3') or diag($out);

($rc, $out) = init('start');
is($rc, 0, 'start: 0') or diag($out);
my $pid = $t->pidfile_pid();
ok($pid && Test::OBProxy::alive($pid), 'start: obproxy runs');
($rc, $out) = init('start');
like("$rc $out", qr/^0 .*already running/s, 'second start: 0, says so');

($rc, $out) = init('status');
like("$rc $out", qr/^0 obproxy is running \(pid $pid\)/, 'status: 0');

($rc, $out) = init('reload');
is($rc, 0, 'reload: 0') or diag($out);
like($t->log(), qr/configuration reloaded/, 'reload: the master reloaded');

rename "$d/log/obproxy.log", "$d/log/obproxy.log.1" or die "rename: $!\n";
($rc, $out) = init('reopen-logs');
ok($rc == 0 && -e "$d/log/obproxy.log", 'reopen-logs: 0, new log file');

($rc, $out) = init('restart');
is($rc, 0, 'restart: 0') or diag($out);
my $new = $t->pidfile_pid();
ok($new && $new != $pid && !Test::OBProxy::alive($pid)
	&& Test::OBProxy::alive($new), 'restart: a new master');

($rc, $out) = init('stop');
is($rc, 0, 'stop: 0') or diag($out);
# gone; its parent (init) may take a moment to reap it
ok($t->waitfor(sub { !Test::OBProxy::alive($new) }, 5), 'stop: obproxy gone');
($rc, $out) = init('stop');
is($rc, 0, 'stop, stopped: 0') or diag($out);
($rc, $out) = init('reload');
is($rc, 7, 'reload, stopped: 7') or diag($out);
($rc, $out) = init('status');
is($rc, 3, 'status after stop: 3') or diag($out);

# force-stop of a master that neither answers nor exits.

($rc, $out) = init('start');
$pid = $t->pidfile_pid();
my @workers = Test::OBProxy::_children($pid);
kill 'STOP', $pid;
($rc, $out) = init('force-stop');
is($rc, 0, 'force-stop, hung master: 0') or diag($out);
ok($t->waitfor(sub { !Test::OBProxy::alive($pid) }, 5),
	'force-stop: the master is gone');
ok($t->waitfor(sub { !grep { Test::OBProxy::alive($_) } @workers }, 5),
	'force-stop: its workers are gone');

$t->write_file('run/obproxy.pid', Test::OBProxy::dead_pid() . "\n");
($rc, $out) = init('status');
is($rc, 1, 'status, stale pid file: 1') or diag($out);
unlink "$d/run/obproxy.pid";

($rc, $out) = init('frobnicate');
is($rc, 2, 'unknown action: 2') or diag($out);

# The systemd unit and the logrotate snippet, with this test's paths.

my %paths = ('/usr/local/sbin/obproxy' => $t->binary(),
	'/usr/local/bin/obproxyctl' => $t->ctl_binary(),
	'/etc/obproxy/obproxy.yaml' => "$d/obproxy.yaml",
	'/var/lib/obproxy' => $d);
sub localize {
	my ($name) = @_;
	my $text = $t->read_file("$contrib/$name") // die "no $name\n";
	$text =~ s/\Q$_\E/$paths{$_}/g for keys %paths;
	$t->write_file($name, $text);
	return "$d/$name";
}

SKIP: {
	skip 'no systemd-analyze', 2 unless Test::OBProxy::_find_program(
		'systemd-analyze');
	my $unit = localize('obproxy.service');
	($rc, $out) = $t->run_cmd([ 'systemd-analyze', 'verify', $unit ],
		timeout => 30);
	is($rc, 0, 'systemd unit: verify passes');
	is($out, '', 'systemd unit: no warnings');
}

SKIP: {
	skip 'no logrotate', 4 unless Test::OBProxy::_find_program(
		'logrotate');
	init('start');
	my $conf = localize('obproxy.logrotate');
	chmod 0644, $conf;
	($rc, $out) = $t->run_cmd([ 'logrotate', '-f', '-s', "$d/lr.state",
		$conf ], timeout => 30);
	is($rc, 0, 'logrotate: exit 0') or diag($out);
	ok(-e "$d/log/obproxy.log.1", 'logrotate: log moved');
	ok($t->waitfor(sub { -e "$d/log/obproxy.log" }, 5),
		'logrotate: obproxy opened a new log');
	($rc, $out) = init('stop');
	is($rc, 0, 'logrotate: stopped after');
}
