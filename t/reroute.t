#!/usr/bin/perl

# Reroute (ODP-REFERENCE 7.6) and the partition-hit feedback (5.9): the
# cluster of the emulated "oceanbase" schema (Test::OBProxy::ObMeta on
# server 4) reaches servers 1 to 3 through OceanBase 2.0 relays
# (Test::OBProxy::OB20Relay).  Server 1's relay answers a statement
# marked 'reroute' with OB_ERR_REROUTE naming server 2: the client
# sees its rows, the statement (a read or a write) ran once, on server 2
# (the servers' own counters), and the table entry turns dirty.  Server
# 2's relay would send it on to server 3, but the resend does not ask:
# one reroute per statement.  An OK carrying
# ob_proxy_partition_hit "0" makes its entry dirty too, when the
# statement went to its partition's leader.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;
use Test::OBProxy::OB20Relay;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(15);
$t->mariadbd_options('--userstat=1');
$t->run_routing_cluster();
$t->start_mariadb(4);
my $log = $t->testdir() . '/relay.log';
my @relay;
END { kill 'TERM', $_ for grep { $_ } @relay }
for my $n (1 .. 3) {
	push @relay, Test::OBProxy::OB20Relay->start(port => $t->port("r$n"),
		server => $t->server_port($n), log => $log,
		$n < 3 ? (reroute_to => $t->port('r' . ($n + 1))) : ());
}

# t_hash: HASH(id) over 3 partitions, partition i led by server i + 1;
# t_plain led by server 2.
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->via($_, $t->port("r$_")) for 1 .. 3;
$meta->zone("z$_", region => 'r1', idc => "idc$_") for 1 .. 3;
$meta->server($_, zone => "z$_") for 1 .. 3;
$meta->tenant('app', id => 1002, servers => [ 1, 2, 3 ]);
$meta->table('app', 'rt', 't_hash', id => $ID, type => 'HASH',
	key => [ 'id', 5 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);
$meta->table('app', 'rt', 't_plain', id => $ID + 1,
	replicas => [ [ 2, 3, 1 ] ]);
$meta->table('app', 'rt', 't_key', id => $ID + 2, type => 'KEY',
	key => [ 'name', 22, 45 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);

my $ADMIN_PW = 'admin-pw';
sub route_state {
	my ($table) = @_;
	my $out = $t->mariadb_proxysys("SHOW PROXYROUTE LIKE '$table'",
		password => $ADMIN_PW);
	my @l = split /\n/, $out;
	return (split /\t/, $l[1] // '')[4] // '-';
}

# the dirty entries stay so while the test looks at them
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 1\n"
	. 'obproxy_sys_password: ' . sha1_hex($ADMIN_PW) . "\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 1s\nshort_async_task_timeout: 1s\n"
	. "delay_update_entry_interval: 60s\nenable_reroute: true\n")->run();
my $u = $t->user();
my ($out) = $t->mariadb('SELECT srv FROM rt.t_hash WHERE id = 1;'
	. ' SELECT srv FROM rt.t_plain WHERE id = 1', user => "$u\@app");
is($out, "s2\ns2\n", 'the tables are read and routed through the relays');
is(route_state('t_hash'), 'AVAIL', 'the table entry is available');

# id 3 is in partition 0, led by server 1 in the metadata
my %before = map { ($_, $t->user_selects($_, "$u\@app")) } 1 .. 3;
my ($r, $rc, $err) = $t->mariadb('SELECT srv FROM rt.t_hash WHERE id = 3'
	. " AND 'reroute' = 'reroute'", user => "$u\@app");
is($r, "s2\n", 'a statement answered with OB_ERR_REROUTE is answered by '
	. 'the server the reroute names, no error seen') or diag($err);
is(join(' ', map { $t->user_selects($_, "$u\@app") - $before{$_} } 1 .. 3),
	'0 1 0',
	'it ran once, on the named server only');
my @lines = ($t->read_file($log) // '') =~ /^reroute \d+$/mg;
is(scalar @lines, 1, 'server 1 answered reroute (the frame asked for it),'
	. ' server 2 was not asked');
is(route_state('t_hash'), 'DIRTY', 'the reroute made the entry dirty');
my $r2 = $t->port('r2');
like($t->log(), qr/answered reroute: the statement goes to 127\.0\.0\.1:$r2\b/,
	'the log names the server the statement went to');

%before = map { ($_, $t->user_writes($_, "$u\@app")) } 1 .. 3;
($r, $rc, $err) = $t->mariadb('UPDATE rt.t_hash SET srv = srv WHERE id = 6'
	. " AND 'reroute' = 'reroute'", user => "$u\@app");
is($rc, 0, 'a write answered with OB_ERR_REROUTE succeeds') or diag($err);
is(join(' ', map { $t->user_writes($_, "$u\@app") - $before{$_} } 1 .. 3),
	'0 1 0',
	'it ran once, on the named server only');
@lines = ($t->read_file($log) // '') =~ /^reroute \d+$/mg;
is(scalar @lines, 2, 'server 1 answered the write with reroute');

is(route_state('t_plain'), 'AVAIL', 't_plain is available');
($r, $rc, $err) = $t->mariadb('UPDATE rt.t_plain SET srv = srv WHERE id = 1'
	. " AND 'miss' = 'miss'", user => "$u\@app");
$t->waitfor(sub { route_state('t_plain') eq 'DIRTY' }, 5);
is(route_state('t_plain'), 'DIRTY', 'an OK with ob_proxy_partition_hit 0 '
	. 'made its entry dirty') or diag("rc $rc $err");
$t->mariadb("SELECT srv FROM rt.t_key WHERE name = 'a'", user => "$u\@app");
is(route_state('t_key'), 'AVAIL', 't_key is read');
($r, $rc, $err) = $t->mariadb("UPDATE rt.t_key SET srv = srv WHERE 'miss'"
	. " = 'miss'", user => "$u\@app");
is($rc, 0, 'a statement without its partition\'s key runs') or diag($err);
is(route_state('t_key'), 'AVAIL', 'sent to no leader, its OK with '
	. 'ob_proxy_partition_hit 0 leaves the entry as it is');
