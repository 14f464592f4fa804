#!/usr/bin/perl

# Tests for the counters of timeouts and retries, exact, in obproxyctl
# status, SHOW PROXYSTAT and /metrics (obproxy_ prefix): every server
# connection first tries an address where nothing listens (the first of
# rootservice_list, refused; enable_congestion off, so it is tried each
# time), which is a connect retry; a read whose server stays silent past
# its bound (server_query_timeout 1 s + observer_query_timeout_delta
# 1 s: SELECT SLEEP(3)) times out three times and goes again twice
# (connect_observer_max_retries 3), each time on a new server session; a
# write that times out (DO SLEEP(3)) goes once.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use HTTP::Tiny;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(11)->run_mariadb(1);
$t->write_file_expand('obproxy.yaml', <<'EOF' =~ s/ADMIN_SHA1/sha1_hex('admin-pw')/er)->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "127.0.0.1:%%PORT_9%%;%%SERVERS%%"
obproxy_sys_password: ADMIN_SHA1
automatic_match_work_thread: false
work_thread_num: 1
enable_congestion: false
server_session_pool_size: 0
connect_server_timeout: 1s
server_query_timeout: 1s
observer_query_timeout_delta: 1s
EOF

my @names = qw/connect_retry query_timeout read_retry server_connect_ok/;

# The counters of <names> from obproxyctl status.
sub counters {
	my $s = $t->status();
	return { map { $_ => $s->{$_} // -1 } @names };
}

my $before = counters();
my $dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT 1'), 1, 'a client is served '
	. 'past the address where nothing listens');
my $now = counters();
my $opened = $now->{server_connect_ok} - $before->{server_connect_ok};
ok($opened >= 1, "  $opened server connections opened (the account "
	. 'lookup\'s, the session\'s)');
is($now->{connect_retry} - $before->{connect_retry}, $opened,
	'  connect_retry: one for each');

$before = $now;
my ($err) = $t->timed_query($dbh, 'SELECT SLEEP(3)', 12);
like($err, qr/^4012 /, 'a read silent past its bound three times: 4012')
	or diag($err);
($err) = $t->timed_query($dbh, 'DO SLEEP(3)', 6);
like($err, qr/^4012 /, 'a write silent past its bound: 4012')
	or diag($err);
is($dbh && $dbh->selectrow_array('SELECT 2'), 2, '  the session goes on');
$now = counters();
is($now->{query_timeout} - $before->{query_timeout}, 4,
	'query_timeout: 3 + 1');
is($now->{read_retry} - $before->{read_retry}, 2, 'read_retry: 2');
is($now->{connect_retry} - $before->{connect_retry}, 4, 'connect_retry: '
	. 'one for each new server session (the 2 retries, one standing in '
	. 'after each 4012)');

# The same numbers in SHOW PROXYSTAT and /metrics.
my $stat = $t->mariadb_proxysys("SHOW PROXYSTAT LIKE 'query_timeout'",
	password => 'admin-pw');
like($stat, qr/^query_timeout\t$now->{query_timeout}\tCOUNTER$/m,
	'SHOW PROXYSTAT shows query_timeout') or diag($stat);
my $port = $t->port('prometheus');
my $res = HTTP::Tiny->new(timeout => 10)
	->get("http://127.0.0.1:$port/metrics");
like($res->{content} // '', qr/^obproxy_read_retry_total $now->{read_retry}$/m,
	'/metrics: obproxy_read_retry_total');

$t->stop();
