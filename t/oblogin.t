#!/usr/bin/perl

# OceanBase logins: with the cluster known from the OceanBase metadata
# source (Test::OBProxy::ObMeta on server 4, servers 1 to 3 the
# tenant's), the servers see the tenant in the user name (MariaDB
# accounts literally named "user@tenant" and "user@tenant#cluster") and
# ODP's connect attributes (performance_schema.session_connect_attrs),
# in ODP's order, each value compared with what it stands for; every
# server session of a client session logs in with the saved login;
# enable_full_username adds the cluster; enable_proxy_scramble sends the
# client's scramble XOR the server's (and compression_algorithm zlib:6
# adds OB_PROTOCOL_V2_COMPRESS to __proxy_capability_flag); a static
# topology keeps the plain user; KILL QUERY's own login names the tenant
# too.  Server 1 is
# reached through Test::OBProxy::LoginRelay, which shows the server's
# scramble and, when told, answers a login as an OBServer without the
# tenant (5150): the login goes on to the tenant's other server.

use warnings;
use strict;

use Socket qw/sockaddr_family unpack_sockaddr_in/;
use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::LoginRelay;
use Test::OBProxy::ObMeta;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(23);
$t->mariadbd_options('--performance-schema=ON',
	'--performance-schema-session-connect-attrs-size=4096');
my $topology = $t->run_routing_cluster();
$t->start_mariadb(4);

# Servers 1 and 2 behind relays that report global variables version 7.
my @relay = map { Test::OBProxy::LoginRelay->start(port => $t->port("r$_"),
	server => $t->server_port($_), gvars => 7,
	log => $t->testdir() . ($_ == 1 ? '/relay.log' : "/relay$_.log")) }
	1 .. 2;
END { kill 'TERM', $_ for grep { $_ } @relay }

my $ID = 500001;
my $CL = $Test::OBProxy::ObMeta::CLUSTER;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->via($_, $t->port("r$_")) for 1 .. 2;
$meta->zone("z$_", region => 'r1', idc => "idc$_") for 1 .. 3;
$meta->server($_, zone => "z$_") for 1 .. 3;
$meta->tenant('app', id => 1002, servers => [ 1, 2, 3 ]);
# one's only server is behind the relay; two has server 2 as well
$meta->tenant('one', id => 1003, servers => [ 1 ]);
$meta->tenant('two', id => 1004, servers => [ 1, 2 ]);
$meta->table('app', 'rt', 't_hash', id => $ID, type => 'HASH',
	key => [ 'id', 5 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
	[ 3, 1, 2 ] ]);
$meta->table('two', 'rt', 't_hash', id => $ID + 1, type => 'HASH',
	key => [ 'id', 5 ], replicas => [ [ 1, 2 ], [ 2, 1 ] ]);

my $u = $t->user();
my $LIVE = 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $CL\n"
	. "server_state_refresh_interval: 1s\n"
	. "short_async_task_timeout: 5s\n";

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
	. ' WHERE a.PROCESSLIST_ID = CONNECTION_ID()';
my $PROBE = "SELECT CONNECTION_ID(), ($ATTRS)";

my @ODP = qw/__mysql_client_type __connection_id __proxy_connection_id
	__cluster_name __cluster_id __global_vars_version
	__proxy_capability_flag __proxy_scramble __client_ip __proxy_version
	__client_addr_port __client_session_id __client_connect_time/;
my ($VERSION) = ($t->obproxy('-V'))[1] =~ /obproxy (\S+)\)/;

# The server's scramble for its connection <id>, as the relay saw it.
sub server_scramble {
	my ($id) = @_;
	my ($hex) = ($t->read_file('relay.log') // '') =~ /^greet $id (\w+)$/m;
	return $hex // 'none';
}

sub xor_hex { uc unpack('H*', pack('H*', $_[0]) ^ pack('H*', $_[1])) }

# ODP's attributes a client of <user> logged in through the proxy
# (Raw.pm, <password>) makes the server see, checked against what each
# stands for (<want>: the __cluster_id, the __proxy_idc_name, whether
# the scramble is the client's); returns (names in order, differences).
sub check_attrs {
	my ($user, %want) = @_;
	my $t0 = int(time() * 1e6);
	my $r = Test::OBProxy::Raw->new(port => $t->port(2883), timeout => 20);
	my $ok = $r && $r->login(user => $user, password => $t->password());
	my $t1 = int(time() * 1e6);
	return ('login failed: ' . ($ok ? "$ok->{err} $ok->{message}"
		: $r ? $r->{error} : $@), '') unless $ok && $ok->{ok};
	my $res = $r->query($PROBE);
	my ($conn, $attrs) = @{$res->{rows}[0] // []};
	$r->close();
	my @kv = map { [ split /=/, $_, 2 ] } split / /, $attrs // '';
	my %a = map { @$_ } @kv;
	my $p = uc unpack('H*', $r->{handshake}{scramble});
	my %exp = (__mysql_client_type => '__ob_proxy',
		__connection_id => $conn, __proxy_connection_id =>
		$r->{handshake}{id}, __cluster_name => $CL,
		__global_vars_version => 0,
		__proxy_capability_flag => $want{caps} // 41216,
		__proxy_scramble => $want{client_scramble}
			? xor_hex($p, server_scramble($conn)) : '0' x 40,
		__client_ip => '127.0.0.1', __proxy_version => $VERSION,
		__client_addr_port => $r->local_port(),
		__client_session_id => $r->{handshake}{id});
	$exp{__cluster_id} = $want{cluster_id} if defined $want{cluster_id};
	$exp{__proxy_idc_name} = $want{idc} if defined $want{idc};
	my @bad = grep { ($a{$_} // 'none') ne $exp{$_} } sort keys %exp;
	my $at = $a{__client_connect_time} // 0;
	push @bad, "connect time $at not in [$t0, $t1]"
		unless $at >= $t0 && $at <= $t1;
	return (join(' ', map { $_->[0] } @kv), join(', ', map { /^__/
		? "$_=" . ($a{$_} // 'none') . " (want $exp{$_})" : $_ } @bad));
}

run_proxy($LIVE);
ok(published(), 'the metadata is published') or diag($t->log());

my ($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app");
is($out, "$u\@app\@%\n", 'the server sees the tenant in the user name');

($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$CL:app:$u");
is($out, "$u\@app\@%\n", 'cluster:tenant:user names the tenant too');

my ($names, $bad) = check_attrs("$u\@one#$CL:42", cluster_id => 42);
is($names, join(' ', @ODP), 'the server sees ODP\'s connect attributes'
	. ' in ODP\'s order, the client\'s own dropped');
is($bad, '', '  each with its value (__proxy_scramble: 20 zero bytes)');

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
run_proxy($LIVE . "enable_full_username: true\n"
	. "enable_proxy_scramble: true\nproxy_idc_name: idc9\n"
	. "server_session_pool_size: 0\ncompression_algorithm: zlib:6\n");
ok(published(), 'published again, enable_full_username, '
	. 'enable_proxy_scramble on') or diag($t->log());
($names, $bad) = check_attrs("$CL.one.$u", client_scramble => 1,
	idc => 'idc9', caps => 4235520);
is($names, join(' ', (grep { $_ ne '__cluster_id' } @ODP),
	'__proxy_idc_name'), 'no __cluster_id when the name has none; '
	. '__proxy_idc_name last, with proxy_idc_name');
is($bad, '', '  __proxy_scramble is the client\'s scramble XOR the '
	. 'server\'s; zlib:6 asks for OB 2.0\'s zlib variant (bit 22)');
($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app");
is($out, "$u\@app#$CL\@%\n", 'enable_full_username adds the cluster');
($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app#$CL");
is($out, "$u\@app#$CL\@%\n", '  the cluster the client named');

# A session's first server login sends __global_vars_version 0, its
# later ones the version the first login's OK reported (7).
my $dbh = $t->dbh(user => "$u\@two");
my %seen;
$seen{($dbh->selectrow_array("SELECT srv FROM rt.t_hash WHERE id = $_"))[0]
	// 'none'} = 1 for 1 .. 4;
my @gv = sort map { $t->root_query($_, 'SELECT GROUP_CONCAT(a.ATTR_VALUE)'
	. ' FROM performance_schema.session_connect_attrs a JOIN'
	. ' performance_schema.threads th USING (PROCESSLIST_ID) WHERE'
	. " th.PROCESSLIST_USER = '$u\@two#$CL' AND"
	. " a.ATTR_NAME = '__global_vars_version'") // 'none' } 1 .. 2;
$dbh->disconnect();
is(join(' ', sort keys %seen) . '; ' . join(' ', @gv), 's1 s2; 0 7',
	'the first server login sends __global_vars_version 0, the next '
	. 'the version the first one\'s OK reported');

# Logins server 1 (the relay) refused with OB_TENANT_NOT_IN_SERVER.
sub refused {
	return scalar(() = ($t->read_file('relay.log') // '')
		=~ /^refused /mg);
}

# While the relay refuses, two's logins end on server 2 (the tenant's
# server order is random: logins until server 1 was tried twice, which
# also shows a refusal does not block it); no client sees an error.
$t->write_file('relay.log.refuse', '');
my ($logins, @errs) = (0);
for (1 .. 40) {
	my $dbh = $t->dbh(user => "$u\@two");
	$logins++;
	unless ($dbh) {
		push @errs, $t->{_dbi_error};
		next;
	}
	my ($port) = $dbh->selectrow_array('SELECT @@port');
	push @errs, "port $port" unless ($port // 0) == $t->server_port(2);
	$dbh->disconnect();
	last if refused() >= 2;
}
is(sprintf('%s; %s', refused() >= 2 ? 'refused twice' : 'refused '
	. refused(), join(', ', @errs) || 'no error'),
	'refused twice; no error', 'server 1\'s 5150 sends the login on to '
	. "server 2 ($logins logins), the client sees no error");
like($t->log(), qr/login refused: 5150 Tenant not in this server/,
	'  the proxy logs the refusal');
unlike($t->log(), qr/blocked for every worker/, '  nothing is blocked');
($out) = $t->mariadb('SELECT 1', user => "$u\@two", password => 'wrong');
like($out, qr/ERROR 1045/, '  a wrong password is still the client\'s '
	. '1045');
unlink($t->testdir() . '/relay.log.refuse');
($out) = $t->mariadb('SELECT @@port', user => "$u\@one");
is($out, $t->server_port(1) . "\n", '  server 1 takes logins again');

$t->stop();
run_proxy($topology);
($out) = $t->mariadb('SELECT CURRENT_USER()', user => "$u\@app");
is($out, "$u\@%\n", 'a static topology logs in with the plain user');
($out) = $t->mariadb($ATTRS, user => "$u\@app");
unlike($out, qr/__proxy_connection_id/, '  without ODP\'s attributes');
