#!/usr/bin/perl

# Session-state synchronisation over OceanBase 2.0 (ODP-REFERENCE 9.4,
# 10.1): the cluster of the emulated "oceanbase" schema
# (Test::OBProxy::ObMeta on server 4) reaches servers 1 to 3 through
# OceanBase 2.0 relays (Test::OBProxy::OB20Relay) that grant
# OB_CAP_PROXY_SESSION_SYNC, relays 1 and 2 new-format extra info too,
# relay 3 only the old format.  A statement routed to one server gets
# SESS_INFO fields attached to its answer by that server's relay; the
# next statement on another server session of the client session
# carries exactly the fields that server has not seen, once, newest
# version first, in the format that server reads.  Reroute info comes
# with new-format extra info and is followed.  A malformed or oversized
# item closes the server session with an error to the client.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;
use Test::OBProxy::OB20Relay;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(15);
$t->run_routing_cluster();
$t->start_mariadb(4);
my @log = map { $t->testdir() . "/relay$_.log" } 0 .. 3;
my @relay;
END { kill 'TERM', $_ for grep { $_ } @relay }
for my $n (1 .. 3) {
	push @relay, Test::OBProxy::OB20Relay->start(port => $t->port("r$n"),
		server => $t->server_port($n), log => $log[$n],
		$n == 1 ? (reroute_to => $t->port('r2')) : (),
		$n == 3 ? (grant => 1 << 13) : ());
}

# t_hash: HASH(id) over 3 partitions, partition i led by server i + 1:
# id 3 goes to server 1, id 1 to server 2, id 2 to server 3.
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->via($_, $t->port("r$_")) for 1 .. 3;
$meta->zone("z$_", region => 'r1', idc => "idc$_") for 1 .. 3;
$meta->server($_, zone => "z$_") for 1 .. 3;
$meta->tenant('app', id => 1002, servers => [ 1, 2, 3 ]);
$meta->table('app', 'rt', 't_hash', id => 500001, type => 'HASH',
	key => [ 'id', 5 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);

$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 1\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 1s\nshort_async_task_timeout: 1s\n"
	. "enable_ob_protocol_v2: true\nenable_reroute: true\n")->run();
my $u = "${\ $t->user()}\@app";

# The SESS_INFO fields each relay's server received, one entry a request.
sub received {
	my ($n) = @_;
	return [ (($t->read_file($log[$n]) // '') =~ /^extra \d+ (\S+ \S+)$/mg) ];
}

sub q3 { "SELECT srv FROM rt.t_hash WHERE id = 3 AND '$_[0]' <> ''" }
my $on2 = 'SELECT srv FROM rt.t_hash WHERE id = 1';
my ($out, $rc) = $t->mariadb(join('; ', q3('sess:4=v1,5=t1'), $on2,
	$on2, q3('sess:4=v2'), $on2, $on2), user => $u);
is($out, "s1\ns2\ns2\ns1\ns2\ns2\n", 'the statements went to servers 1 and '
	. '2 by their partitions') or diag($out);
is_deeply(received(2), [ 'new 4=v1,5=t1', 'new 4=v2' ], 'server 2 received '
	. 'the fields server 1 sent, once, then only the newer version of the '
	. 'one that changed, in the new format');
is_deeply(received(1), [], 'server 1 was sent nothing: it holds what it '
	. 'sent');

($out, $rc) = $t->mariadb(join('; ', q3('sess:4=w1'),
	'SELECT srv FROM rt.t_hash WHERE id = 2',
	"SELECT srv FROM rt.t_hash WHERE id = 2 AND 'sess:6=o1' <> ''",
	$on2, 'SELECT srv FROM rt.t_hash WHERE id = 2'), user => $u);
is($out, "s1\ns3\ns3\ns2\ns3\n", 'a second client session, over servers 1, '
	. '2 and 3') or diag($out);
is_deeply(received(3), [ 'old 4=w1' ], 'server 3 reads the old format: it '
	. 'received the field of this client session (not the first one\'s), '
	. 'once') or diag(explain(received(3)));
is_deeply([ @{ received(2) }[2 .. $#{ received(2) }] ], [ 'new 4=w1,6=o1' ],
	'server 2 received the fields of both other servers, server 3\'s sent '
	. 'in the old format');

my $dbh = $t->dbh(user => $u);
$dbh->{PrintError} = $dbh->{RaiseError} = 0 if $dbh;
my @got = map { ($dbh && $dbh->selectrow_array($_)) // 'ERR' } q3('sess:7=e1'),
	'SELECT nosuch FROM rt.t_hash WHERE id = 1', $on2, $on2;
is("@got", 's1 ERR s2 s2', 'a third client session: a statement failing '
	. 'on server 2 between two') or diag($t->dbi_error());
$dbh && $dbh->disconnect();
is_deeply([ @{ received(2) }[3 .. $#{ received(2) }] ],
	[ 'new 7=e1', 'new 7=e1' ], 'the fields of a request answered with an '
	. 'ERR go again with the next one, then no more');

($out, $rc) = $t->mariadb(q3('reroute'), user => $u);
is($out, "s2\n", 'reroute with new-format extra info in the answer: '
	. 'followed') or diag($out);
like($t->read_file($log[1]) // '', qr/^reroute \d+$/m,
	'server 1 answered the statement with OB_ERR_REROUTE');

($out, $rc) = $t->mariadb(q3('badsess'), user => $u);
like($out, qr/ERROR 1158 .*Protocol error/, 'a SESS_INFO field that runs '
	. 'past its item: the client gets the proxy\'s error');
like($t->log(), qr/WARN.*frame refused: session info field runs past its item/,
	'a WARN line names it');
($out, $rc) = $t->mariadb(q3('bigsess'), user => $u);
like($out, qr/ERROR 1158 .*Protocol error/, 'an oversized field: the '
	. 'same');
like($t->log(), qr/WARN.*frame refused: session info field empty or beyond/,
	'a WARN line names it');
is(($t->mariadb(q3('x') . "; $on2", user => $u))[0], "s1\ns2\n",
	'the proxy serves on');
