#!/usr/bin/perl

# OceanBase logins: with the cluster known from the OceanBase metadata
# source (Test::OBProxy::ObMeta on server 4, servers 1 to 3 the
# tenant's), the servers see the tenant in the user name (MariaDB
# accounts literally named "user@tenant" and "user@tenant#cluster") and
# ODP's connect attributes (performance_schema.session_connect_attrs),
# every server session of a client session logs in with the saved login;
# enable_full_username adds the cluster; a static topology keeps the
# plain user; KILL QUERY's own login names the tenant too.  The retry of
# OceanBase's "tenant not here" is unit/oblogin (MariaDB's init_connect
# refuses a login with 1184 whatever it signals: no server here answers
# a login with 5150).

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(13);
$t->mariadbd_options('--performance-schema=ON');
my $topology = $t->run_routing_cluster();
$t->start_mariadb(4);

my $ID = 500001;
my $CL = $Test::OBProxy::ObMeta::CLUSTER;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->zone("z$_", region => 'r1', idc => "idc$_") for 1 .. 3;
$meta->server($_, zone => "z$_") for 1 .. 3;
$meta->tenant('app', id => 1002, servers => [ 1, 2, 3 ]);
$meta->table('app', 'rt', 't_hash', id => $ID, type => 'HASH',
	key => [ 'id', 5 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);

my $u = $t->user();
my $LIVE = 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $CL\n"
	. "server_state_refresh_interval: 1s\n"
	. "short_async_task_timeout: 1s\n";

sub run_proxy {
	my ($more) = @_;
	$t->write_conf("automatic_match_work_thread: false\n"
		. "work_thread_num: 1\n" . $more)->run();
}

sub published {
	return $t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10);
}

# The attributes of the server connection that runs this statement.
my $ATTRS = "SELECT GROUP_CONCAT(CONCAT(a.ATTR_NAME, '=',"
	. " IF(a.ATTR_NAME = '__proxy_scramble', HEX(a.ATTR_VALUE),"
	. ' a.ATTR_VALUE))'
	. " ORDER BY a.ORDINAL_POSITION SEPARATOR ' ')"
	. ' FROM performance_schema.session_connect_attrs a'
	. ' JOIN performance_schema.threads th USING (PROCESSLIST_ID)'
	. " WHERE th.PROCESSLIST_INFO LIKE '%attrs-probe%'";

run_proxy($LIVE);
ok(published(), 'the metadata is published') or diag($t->log());

my ($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app");
is($out, "$u\@app\@%\n", 'the server sees the tenant in the user name');

($out) = $t->mariadb($ATTRS, user => "$u\@app");
like($out, qr/^__mysql_client_type=__ob_proxy __proxy_connection_id=\d+ __cluster_name=\Q$CL\E __proxy_capability_flag=41216 __proxy_scramble=0{40} __client_ip=127\.0\.0\.1$/,
	'the server sees ODP\'s connect attributes, the client\'s own '
	. 'dropped') or diag($out);

my $sql = join ' ', map { "SELECT srv, CURRENT_USER() FROM rt.t_hash"
	. " WHERE id = $_;" } 1 .. 3;
($out) = $t->mariadb($sql, user => "$u\@app");
is($out, join('', map { "s$_\t$u\@app\@%\n" } 2, 3, 1),
	'the session\'s server sessions on three servers replay the login');

($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app",
	password => 'wrong');
like($out, qr/ERROR 1045/, 'a wrong password is the client\'s error');

# Logins of <user> the servers 1 to 3 counted.
sub logins {
	my ($user) = @_;
	my $n = 0;
	$n += $t->root_query($_, 'SELECT IFNULL(SUM(TOTAL_CONNECTIONS), 0)'
		. " FROM performance_schema.accounts WHERE USER = '$user'")
		for 1 .. 3;
	return $n;
}

# KILL QUERY logs in to the victim's server as the killer: user@tenant.
my ($plain, $full) = (logins($u), logins("$u\@app"));
my ($vic, $kil) = map { $t->dbh(user => "$u\@app") } 1 .. 2;
my $bg = $vic->prepare('SELECT SLEEP(10)', { mariadb_async => 1 });
my $t0 = time();
$bg->execute();
select(undef, undef, undef, 0.5);
ok($kil->do('KILL QUERY ' . $vic->{mariadb_thread_id}),
	'KILL QUERY through an OceanBase login') or diag($kil->errstr);
$t->waitfor(sub { $bg->mariadb_async_ready() }, 15);
my $res = $bg->mariadb_async_result();
is(sprintf('%s %s', defined $res ? 'result' : $vic->err,
	time() - $t0 < 5 ? 'early' : 'late'), '1317 early',
	'  the statement ended early with 1317');
undef $bg;
$_->disconnect() for $vic, $kil;
is(sprintf('%d %s', logins($u) - $plain, logins("$u\@app") - $full >= 2
	? 'more' : 'none'), '0 more', '  no server login as the plain user');

$t->stop();
run_proxy($LIVE . "enable_full_username: true\n");
ok(published(), 'published again, enable_full_username on')
	or diag($t->log());
($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app");
is($out, "$u\@app#$CL\@%\n", 'enable_full_username adds the cluster');
($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app#$CL");
is($out, "$u\@app#$CL\@%\n", '  the cluster the client named');

$t->stop();
run_proxy($topology);
($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app");
is($out, "$u\@%\n", 'a static topology logs in with the plain user');
($out) = $t->mariadb($ATTRS, user => "$u\@app");
unlike($out, qr/__proxy_connection_id/, '  without ODP\'s attributes');
