#!/usr/bin/perl

# Tests for a second obproxy on an address a running one listens on.
# SO_REUSEPORT would let both bind and split the clients between them:
# the second, from another root directory (the same root is pidfile.t's),
# is refused with a clear error, for the same address and for
# overlapping ones (0.0.0.0 over 127.0.0.1, :: over ::1), and the first
# serves on alone; on a port of its own it starts.  The hot upgrade, which
# inherits the sockets, is t/upgrade.t's and t/handoff.t's.

use warnings;
use strict;

use IO::Socket::IP;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->plan(6);
my $d = $t->testdir();
my $v6 = IO::Socket::IP->new(LocalHost => '::1', Listen => 1) ? 1 : 0;

$t->write_file_expand('obproxy.yaml', <<"EOF")->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
local_bound_ipv6_ip: "::1"
ip_listen_mode: ${\ ($v6 ? 3 : 1)}
automatic_match_work_thread: false
work_thread_num: 2
EOF
my $first = $t->pid();

my ($rc, $out) = second('127.0.0.1', 1);
like("$rc $out", qr/^1\ .*cannot\ listen\ on\ 127\.0\.0\.1:\d+:\ Address
	\ already\ in\ use:\ another\ process\ listens\ there/sx,
	'same address, another root: refused, says why');
($rc, $out) = second('0.0.0.0', 1);
like("$rc $out", qr/^1 .*cannot listen on 0\.0\.0\.0:\d+: Address already/s,
	'0.0.0.0 over 127.0.0.1: refused');
SKIP: {
	skip 'no IPv6 loopback', 2 unless $v6;
	($rc, $out) = second('::', 2);
	like("$rc $out", qr/^1 .*cannot listen on \[::\]:\d+: Address already/s,
		':: over ::1: refused');
	($rc, $out) = second('::1', 2);
	like("$rc $out", qr/^1 .*cannot listen on \[::1\]:\d+: Address/s,
		'::1 over ::1: refused');
}
is($t->pid(), $first, 'the first master serves on');

($rc, $out) = second('127.0.0.1', 1, $t->port(2884));
is($rc, 0, 'a port of its own: starts') or diag($out);

###############################################################################

# Starts a daemon from root "second" on <ip> (ip_listen_mode <mode>) and
# the first's port, or <port>: (exit code, output).  A daemon that started
# is stopped again.
sub second {
	my ($ip, $mode, $port) = @_;
	my $key = $mode == 2 ? 'local_bound_ipv6_ip' : 'local_bound_ip';
	$port //= $t->port(2883);
	$t->write_file('second/obproxy.yaml', <<"EOF");
listen_port: $port
$key: "$ip"
ip_listen_mode: $mode
automatic_match_work_thread: false
work_thread_num: 2
EOF
	my @r = $t->run_cmd([ $t->binary(), '-f', "$d/second/obproxy.yaml" ],
		timeout => 20, env => { %{$t->_obproxy_env()},
		OBPROXY_ROOT => "$d/second" });
	my $pid = ($t->read_file("$d/second/run/obproxy.pid") // '') =~ /^(\d+)/
		? $1 : 0;
	if ($pid) {
		kill 'TERM', $pid;
		$t->waitfor(sub { !Test::OBProxy::alive($pid) }, 10);
	}
	return @r;
}
