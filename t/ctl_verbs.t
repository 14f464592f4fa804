#!/usr/bin/perl

# Tests for obproxyctl's verbs and exit statuses: status of a stopped
# proxy (3, or 1 over a stale pid file), start and a second start (5),
# workers, stats, reload (accepted and refused), reopen-logs, config get
# and set (valid, invalid, given on the command line, restart-only, kept
# across a restart), the source of each value (default, file, runtime,
# command line) in config get, set and reload, config unset, --json
# parsed, VERB --help, usage errors (2), unknown verbs forwarded to the
# master, and the fallback to the pid file and signals when the control
# socket cannot answer (4 for status).

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/JSON::PP/)->plan(53);
my $d = $t->testdir();

$t->write_file_expand('obproxy.yaml', <<'EOF');
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 2
EOF

sub json {
	my (@args) = @_;
	my ($rc, $out) = $t->ctl('--json', @args);
	my $j = eval { JSON::PP->new->decode($out) };
	diag("not one JSON object: $out") unless $j;
	return ($rc, $j // {});
}

# Stopped: status 3; a stale pid file: 1.

my ($rc, $out) = $t->ctl('status');
is($rc, 3, 'status, stopped: exit 3') or diag($out);
like($out, qr/not running/, 'status, stopped: says so');
my $j;
($rc, $j) = json('status');
is("$rc $j->{exit} " . ($j->{running} ? 1 : 0), '3 3 0',
	'status --json, stopped: running false, exit 3');

$t->write_file('run/obproxy.pid', Test::OBProxy::dead_pid() . "\n");
($rc, $out) = $t->ctl('status');
is($rc, 1, 'status, stale pid file: exit 1') or diag($out);
unlink "$d/run/obproxy.pid";

# start, as a daemon, and a second start.

my @start = ('start', '--binary', $t->binary(), '-f', "$d/obproxy.yaml",
	'-o', 'syslog_level=INFO');
($rc, $out) = $t->ctl(@start);
is($rc, 0, 'start: exit 0') or diag($out);
my $daemon = $t->pidfile_pid();
ok($daemon && Test::OBProxy::alive($daemon), 'start: the daemon runs');
like($out, qr/started \(pid $daemon\)/, 'start: names its pid');
($rc, $out) = $t->ctl(@start);
is($rc, 5, 'second start: exit 5') or diag($out);
like($out, qr/already running \(pid $daemon/, 'second start: says so');

# status, workers, stats, --json.

# a worker may still be starting right after start returns
$t->waitfor(sub {
	($rc, $j) = json('status');
	join(',', map { $_->{state} } @{$j->{worker} // []})
		eq 'running,running';
}, 5);
is($rc, 0, 'status --json: exit 0');
is($j->{pid}, $daemon, 'status --json: pid');
ok($j->{running} && $j->{ok} && $j->{exit} == 0,
	'status --json: running, ok, exit 0');
is(join(',', map { "$_->{index}:$_->{state}" } @{$j->{worker} // []}),
	'0:running,1:running', 'status --json: the workers');
ok(defined $j->{generation} && defined $j->{connections}
	&& ($j->{version} // '') =~ /^\d+\.\d+/
	&& ($j->{uptime} // '') =~ /^\d+s$/,
	'status --json: generation, connections, version, uptime');

($rc, $out) = $t->ctl('workers');
like("$rc\n$out", qr/^0\nworkers: 2\nworker 0: pid \d+, state running/,
	'workers: exit 0, each worker');
($rc, $j) = json('stats');
ok($rc == 0 && defined $j->{client_accepted} && !defined $j->{worker},
	'stats --json: the counters only');

# reload: accepted, then refused with the reason.

($rc, $out) = $t->ctl('reload');
like("$rc $out", qr/^0 ok: configuration reloaded$/m, 'reload: exit 0');
my $good = $t->read_file('obproxy.yaml');
$t->write_file('obproxy.yaml', $good . "client_max_connections: lots\n");
($rc, $out) = $t->ctl('reload');
is($rc, 1, 'reload, bad file: exit 1');
like($out, qr/^error: .*obproxy\.yaml:\d+: client_max_connections/m,
	'reload, bad file: the reason, with FILE:LINE');
$t->write_file('obproxy.yaml', $good);

# reopen-logs.

rename "$d/log/obproxy.log", "$d/log/obproxy.log.1" or die "rename: $!\n";
($rc, $out) = $t->ctl('reopen-logs');
is($rc, 0, 'reopen-logs: exit 0') or diag($out);
ok(-e "$d/log/obproxy.log", 'reopen-logs: new log file');

# config get / set.

($rc, $j) = json('config', 'get', 'client_max_connections');
is("$rc $j->{value} $j->{mode}", '0 8192 reload', 'config get: value, mode');
($rc, $out) = $t->ctl('config', 'set', 'client_max_connections', '100');
is($rc, 0, 'config set: exit 0') or diag($out);
($rc, $j) = json('config', 'get', 'client_max_connections');
is($j->{value}, 100, 'config set: running value changed');
like($t->read_file('obproxy.yaml.runtime') // '',
	qr/^client_max_connections=100$/m, 'config set: saved beside the file');
($rc, $out) = $t->ctl('config', 'set', 'client_max_connections', 'many');
like("$rc $out", qr/^1 failed: client_max_connections: "many" is not an /,
	'config set, invalid: exit 1, the reason');
($rc, $out) = $t->ctl('config', 'set', 'no_such_param', '1');
like("$rc $out", qr/^1 failed: unknown parameter/, 'config set, unknown');
($rc, $out) = $t->ctl('config', 'set', 'syslog_level', 'DEBUG');
like("$rc $out", qr/^1 failed: syslog_level is set on obproxy's command/,
	'config set, given on the command line: refused');
($rc, $out) = $t->ctl('config', 'set', 'proxy_id', '7');
is($rc, 0, 'config set, restart-only: exit 0') or diag($out);
like($out, qr/needs a restart/, 'config set, restart-only: says so');
($rc, $j) = json('config', 'get', 'proxy_id');
is(($j->{value} // '') . ' ' . ($j->{saved} // ''), '0 7',
	'config get: running 0, saved 7');

# stop, then start again: the saved values hold.

($rc, $out) = $t->ctl('stop');
is($rc, 0, 'stop: exit 0') or diag($out);
ok(!Test::OBProxy::alive($daemon), 'stop: the daemon is gone');
($rc, $out) = $t->ctl(@start);
is($rc, 0, 'start again: exit 0') or diag($out);
($rc, $j) = json('config', 'get', 'proxy_id');
is($j->{value}, 7, 'restart: the restart-only value runs');
($rc, $j) = json('config', 'get', 'client_max_connections');
is($j->{value}, 100, 'restart: the reloadable value kept');

# Where each value comes from; a runtime value over the file's says so.

$t->write_file('obproxy.yaml', $good . "client_max_connections: 50\n");
($rc, $out) = $t->ctl('reload');
like($out, qr/^runtime:\ client_max_connections\ =\ 100,\ over\ the\ file's
	\ 50\ \(config\ unset\ client_max_connections\ drops\ it\)$/mx,
	'reload: names the runtime value that shadows the file');
($rc, $j) = json('config', 'get', 'client_max_connections');
is(($j->{source} // '') . ' ' . ($j->{file} // ''), 'runtime 50',
	'config get: source runtime, and the file\'s value');
is(join(',', map { (json('config', 'get', $_))[1]{source} // '' }
	qw/work_thread_num delay_exit_time syslog_level/),
	'file,default,command line', 'config get: file, default, command line');
($rc, $out) = $t->ctl('config', 'set', 'client_max_connections', '120');
like("$rc $out", qr/^0 .*^source: runtime\nfile: 50\nok: /ms,
	'config set over the file: says so');
($rc, $out) = $t->ctl('config', 'unset', 'client_max_connections');
like("$rc $out", qr/^0 .*^value: 50\nsource: file\nok: client_max_conn/ms,
	'config unset: the file\'s value runs');
unlike($t->read_file('obproxy.yaml.runtime') // '', qr/client_max/,
	'config unset: gone from the runtime file');
($rc, $out) = $t->ctl('config', 'unset', 'client_max_connections');
like("$rc $out", qr/^1 failed: client_max_connections has no value set by/,
	'config unset again: refused');
$t->write_file('obproxy.yaml', $good . "client_max_connections: 60\n");
($rc, $j) = json('reload');
is(join('|', @{$j->{changed} // []}),
	'client_max_connections: 50 -> 60 (file)',
	'reload: each changed value with its source');
$t->write_file('obproxy.yaml', $good);

# --help, usage errors, a verb obproxyctl does not know.

my @help = map { ($t->ctl($_, '--help'))[0] } qw/status start stop reload
	reopen-logs workers stats config upgrade rollback commit help/;
is(join('', @help), '0' x 12, 'VERB --help: exit 0 for each verb');
($rc, $out) = $t->ctl('config', 'get');
is($rc, 2, 'config get without KEY: exit 2');
($rc, $out) = $t->ctl('frobnicate', 'now');
like("$rc $out", qr/^1 failed: unknown command 'frobnicate'/,
	'an unknown verb goes to the master');

# The control socket cannot answer: a hung master, then no socket.

my $pid = $t->pidfile_pid();
kill 'STOP', $pid;
($rc, $out) = $t->ctl('-t', '1', 'status');
is($rc, 4, 'hung master: status exit 4') or diag($out);
($rc, $out) = $t->ctl('-t', '1', 'reload');
like("$rc $out", qr/^0 .*sent SIGHUP to pid $pid/s,
	'hung master: reload sends HUP and says so');
kill 'CONT', $pid;
ok($t->waitfor(sub { $t->log() =~ /received SIGHUP/ }, 5),
	'hung master: HUP taken once it runs again');

rename "$d/run/obproxy.sock", "$d/run/moved.sock" or die "rename: $!\n";
($rc, $out) = $t->ctl('stop');
like("$rc $out", qr/^0 .*sent SIGQUIT to pid $pid.*obproxy stopped/s,
	'no socket: stop sends QUIT and waits');
ok(!Test::OBProxy::alive($pid), 'no socket: the master is gone');
($rc, $out) = $t->ctl('stop');
is($rc, 3, 'stop, not running: exit 3') or diag($out);
