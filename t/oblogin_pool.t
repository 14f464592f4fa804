#!/usr/bin/perl

# A server session logged in to an OceanBase cluster carries its
# client's address (__client_ip), which OBServer checks against the
# tenant's whitelist: parked in the pool, it is taken over only by a
# client of the same address.  A client from 127.0.0.2 gets a server
# session of its own; a later one from 127.0.0.1 takes the parked one.
# With enable_client_ip_checkout false no __client_ip is sent and any
# client of the account may take the parked session; with
# enable_cluster_checkout false no __cluster_name is sent.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(8);
$t->mariadbd_options('--performance-schema=ON',
	'--performance-schema-session-connect-attrs-size=4096');
$t->run_routing_cluster();
$t->start_mariadb(4);

my $CL = $Test::OBProxy::ObMeta::CLUSTER;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->zone('z1', region => 'r1', idc => 'idc1');
$meta->server(1, zone => 'z1');
$meta->tenant('app', id => 1002, servers => [ 1 ]);

my $u = $t->user();
sub run_proxy {
	my ($more) = @_;
	$t->write_conf("automatic_match_work_thread: false\n"
		. "work_thread_num: 1\n"
		. 'rootservice_list: "' . $t->server(4) . "\"\n"
		. "rootservice_cluster_name: $CL\n"
		. "server_state_refresh_interval: 1s\n"
		. "short_async_task_timeout: 5s\n" . $more)->run();
	return $t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published/ }, 10);
}

ok(run_proxy(''), 'the metadata is published') or diag($t->log());

# The server connection a client from <from> is served on, and the
# __client_ip and __cluster_name it logged in with: "ID IP CLUSTER"
# (none: not sent), or why not.
sub served {
	my ($from) = @_;
	my $r = Test::OBProxy::Raw->new(port => $t->port(2883), timeout => 20,
		local => $from) or return "connect: $@";
	my $ok = $r->login(user => "$u\@app", password => $t->password());
	return 'login: ' . ($ok ? "$ok->{err} $ok->{message}" : $r->{error})
		unless $ok && $ok->{ok};
	my $res = $r->query('SELECT CONNECTION_ID(), ' . join(', ', map {
		'(SELECT ATTR_VALUE FROM performance_schema.session_connect_attrs'
		. " WHERE PROCESSLIST_ID = CONNECTION_ID() AND ATTR_NAME = '$_')"
		} qw/__client_ip __cluster_name/));
	$r->close();
	my $row = $res && $res->{rows} ? $res->{rows}[0] : undef;
	return $row ? join(' ', map { $_ // 'none' } @$row)
		: 'query: ' . ($r->{error} // 'no rows');
}

# The proxy parks a server session when its client leaves: <n> parked.
sub parked {
	my ($n) = @_;
	return $t->waitfor(sub { ($t->status()->{pool_idle} // 0) >= $n }, 5);
}

my $a1 = served('127.0.0.1');
like($a1, qr/^\d+ 127\.0\.0\.1 \Q$CL\E$/, 'a client from 127.0.0.1: its address'
	. ' in the server login');
my ($conn) = $a1 =~ /^(\d+)/;
parked(1);
my $b = served('127.0.0.2');
like($b, qr/^\d+ 127\.0\.0\.2 \Q$CL\E$/, 'a client from 127.0.0.2: its own address'
	. ' in the server login');
isnt(($b =~ /^(\d+)/)[0] // 0, $conn, '  not the parked session of '
	. '127.0.0.1');
parked(2);
is(served('127.0.0.1'), "$conn 127.0.0.1 $CL", 'a later client from '
	. '127.0.0.1 takes the parked session');

$t->stop();
ok(run_proxy("enable_client_ip_checkout: false\n"
	. "enable_cluster_checkout: false\n"), 'enable_client_ip_checkout and '
	. 'enable_cluster_checkout false') or diag($t->log());
$a1 = served('127.0.0.1');
like($a1, qr/^\d+ none none$/, '  no __client_ip, no __cluster_name');
($conn) = $a1 =~ /^(\d+)/;
parked(1);
is(served('127.0.0.2'), "$conn none none", '  a client from 127.0.0.2 '
	. 'takes the parked session');
