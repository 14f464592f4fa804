#!/usr/bin/perl

# Tests the admin SHOW commands beyond the first ones (README, More admin
# commands): SHOW PROXYCONGESTION, PROXYROUTE, PROXYNET, PROXYINFO
# UPGRADE and IDC, PROXYCLUSTER, WARNLOG, PROXYTRACE and PROXYSESSION
# VARIABLES and STAT answer with ODP's columns (ODP-REFERENCE 3.3) on a
# routing cluster of three servers and two workers: a stopped server
# shows as dead, the topology's tables and partitions are in the route
# cache, each worker is a thread, a WARN line provoked in a session is in
# its worker's SHOW WARNLOG, a session's last statement and variables
# are shown by its worker and another worker names it.  The inspector
# may run them, an ordinary user gets 1227, malformed forms 1064.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(52);

my ($ADMIN_PW, $INSP_PW) = ('admin-pw', 'insp-pw');
my $topology = $t->run_routing_cluster();
$t->write_conf(<<"EOF" . $topology)->run();
automatic_match_work_thread: false
work_thread_num: 2
proxy_idc_name: idc1
congestion_retry_interval: 60s
obproxy_sys_password: @{[ sha1_hex($ADMIN_PW) ]}
inspector_password: @{[ sha1_hex($INSP_PW) ]}
EOF
$t->waitfor(sub { $t->log() =~ /route cache: generation \d+ published/ },
	10);
my @srv = map { $t->server($_) } 1 .. 3;
my $u = $t->user() . '@app';

# The mariadb client as root@proxysys (or another account).
sub admin {
	my ($sql, %o) = @_;
	return $t->mariadb_proxysys($sql, password => $ADMIN_PW, %o);
}

sub header { (split /\n/, $_[0])[0] // '' }
sub rows { my @l = split /\n/, $_[0]; shift @l; return map { [ split /\t/, $_, -1 ] } @l }

# A DBI handle of one of the proxy's accounts.
sub admin_dbh {
	my (%o) = @_;
	return $t->dbh(user => 'root@proxysys', password => $ADMIN_PW,
		database => undef, %o);
}

# A result set through DBI: [ column names, rows ], or the error text.
sub query {
	my ($dbh, $sql) = @_;
	my $sth = $dbh->prepare($sql);
	return "$DBI::err $DBI::errstr" unless $sth && $sth->execute();
	return [ $sth->{NAME}, $sth->fetchall_arrayref() ];
}

###############################################################################
# Columns, exactly as ODP names them.

my %columns = (
	'SHOW PROXYCONGESTION ALL' => [ qw/cluster_name zone_name region_name
		zone_state server_ip cr_version server_state alive_congested
		last_alive_congested dead_congested last_dead_congested
		stat_alive_failures stat_conn_failures conn_last_fail_time
		conn_failure_events alive_last_fail_time alive_failure_events
		ref_count detect_congested last_detect_congested/ ],
	'SHOW PROXYROUTE' => [ qw/cluster_name tenant_name database_name
		table_name state partition_num replica_num table_id
		cluster_version schema_version from_rslist create_time
		last_valid_time last_access_time last_update_time expire_time
		relative_expire_time/, 'server addr' ],
	'SHOW PROXYROUTE PARTITION' => [ qw/table_id partition_id state
		cluster_version schema_version create_time last_valid_time
		last_access_time last_update_time expire_time
		relative_expire_time/, 'server addr' ],
	'SHOW PROXYNET THREAD' => [ qw/net_thread_id current_connection_count
		current_client_connection_count
		global_current_client_connection_count
		global_current_connection_count global_current_do_accept_count
		total_epoll_wait last_epoll_size total_cop_lock_failure
		total_lru_timeout_count total_lru_timeout_time-sec
		total_set_default_inactive total_calls_read_from_net
		total_calls_read total_calls_read_nodata total_read_bytes
		total_calls_write_to_net total_calls_write
		total_calls_write_nodata total_write_bytes protected_queue_al_size
		protected_queue_local_size priority_queue_size/ ],
	'SHOW PROXYNET CONNECTION' => [ qw/thread_id connect_id socket_fd type
		src_ip src_port dst_ip dst_port virtual_ip virtual_port
		virtual_vid bind_style read_enabled read_nbytes read_ndone
		write_enabled write_nbyte write_ndone alive_time(sec)
		activity_timeout_in(sec) inactivity_timeout_in(sec)
		timeout_close_in(sec) last_error_no shutdown comments/ ],
	'SHOW PROXYINFO UPGRADE' => [ qw/name info/ ],
	'SHOW PROXYINFO IDC' => [ qw/global_idc_name cluster_name match_type
		regions_name same_idc same_region other_region/ ],
	'SHOW PROXYCLUSTER' => [ qw/cluster_name cluster_id rs_url root_addr
		role replica_type/ ],
	'SHOW PROXYCLUSTER IDC' => [ qw/cluster_name cluster_id idc_url idc
		region/ ],
	'SHOW PROXYSESSION STAT' => [ qw/stat_name value/ ],
	'SHOW PROXYSESSION VARIABLES ALL' => [ qw/variable_name value info
		modified_type sys_variable_flag/ ],
);
for my $cmd (sort keys %columns) {
	is(header(scalar admin($cmd)), join("\t", @{$columns{$cmd}}),
		"$cmd: ODP's columns");
}

# Empty results print no header with the mariadb client: DBI tells.
my $adbh = admin_dbh();
ok($adbh, 'DBD::MariaDB logs in as root@proxysys') or diag($t->dbi_error());
my $r = query($adbh, 'SHOW WARNLOG');
is(ref $r && join(' ', @{$r->[0]}), 'log_id thread_id time log',
	'SHOW WARNLOG through DBI: ODP\'s columns');
my $wsth = $adbh->prepare('SHOW WARNLOG');
$wsth->execute();
ok((grep { $wsth->{TYPE}[2] == $_ } DBI::SQL_TIMESTAMP(),
	DBI::SQL_TYPE_TIMESTAMP()), '  its time column is a TIMESTAMP, as ODP\'s')
	or diag("type $wsth->{TYPE}[2]");
$wsth->finish();
$r = query($adbh, 'SHOW PROXYTRACE');
is(ref $r && join(' ', @{$r->[0]}), 'attempts pl_attempts ip port '
	. 'server_state send_action resp_error cost_time_us',
	'SHOW PROXYTRACE: ODP\'s columns (the admin\'s own session: no rows)');

###############################################################################
# SHOW PROXYCONGESTION: the blocklist.

my %cong = map { $_->[4] => $_ } rows(scalar admin('SHOW PROXYCONGESTION ALL'));
is(join(' ', map { join ':', @{$cong{$_} // []}[0, 1, 2, 6, 9] } @srv),
	'undefined:z1:r1:ACTIVE:0 undefined:z2:r1:ACTIVE:0 '
	. 'undefined:z3:r2:ACTIVE:0',
	'ALL: every server, its zone and region, ACTIVE');
is(scalar admin('SHOW PROXYCONGESTION'), '',
	'without ALL: no server is congested');

$t->stop_mariadb(3);
# t_range's p2 (id >= 200) is led by s3: the proxy tries it first
$t->mariadb('SELECT srv FROM rt.t_range WHERE id = 250', user => $u);
my @dead = rows(scalar admin('SHOW PROXYCONGESTION'));
is(join(' ', map { "$_->[4]:$_->[6]:$_->[9]" } @dead), "$srv[2]:INACTIVE:1",
	'server 3 stopped: listed as dead (INACTIVE, dead_congested 1)');
like($dead[0] && $dead[0][10], qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/,
	'  last_dead_congested: when it was blocked');
%cong = map { $_->[4] => $_ } rows(scalar admin('SHOW PROXYCONGESTION ALL undefined'));
is(join(' ', map { $cong{$_} ? $cong{$_}[6] : '-' } @srv),
	'ACTIVE ACTIVE INACTIVE', '  ALL with the cluster\'s name: all three');
is(scalar admin('SHOW PROXYCONGESTION ALL other_cluster'), '',
	'  another cluster: no servers');
$t->start_mariadb(3);

###############################################################################
# SHOW PROXYROUTE: the route cache.

my %route = map {; "$_->[2].$_->[3]" => $_ } rows(scalar admin('SHOW PROXYROUTE'));
is(join(' ', map { my $e = $route{"rt.$_"}; $e ? "$_:$e->[1]:$e->[4]:$e->[5]"
		: "$_:-" } qw/t_hash t_key t_range t_plain/),
	't_hash:app:AVAIL:3 t_key:app:AVAIL:3 t_range:app:AVAIL:3 '
	. 't_plain:app:AVAIL:1', 'the topology\'s tables, with their partitions');
like($route{'rt.t_plain'} && $route{'rt.t_plain'}[17] // '',
	qr/^server\[0\]=\Q$srv[0]\E,LEADER,FULL; /,
	'  t_plain: its replicas, led by s1');
ok($route{'oceanbase.__all_dummy'}
	&& $route{'oceanbase.__all_dummy'}[17] =~ /\Q$srv[2]\E,FOLLOWER/,
	'  the tenant\'s servers as ODP\'s __all_dummy entry');
is(join(' ', map { $_->[3] } rows(scalar admin("SHOW PROXYROUTE LIKE 't_h%'"))),
	't_hash', '  LIKE on the table name');
my $hash_id = $route{'rt.t_hash'} ? $route{'rt.t_hash'}[7] : -1;
my @parts = grep { $_->[0] eq $hash_id }
	rows(scalar admin('SHOW PROXYROUTE PARTITION'));
is(join(' ', map { "$_->[1]:" . ($_->[11] =~ /^server\[0\]=(\S+),LEADER/
		? $1 : '?') } @parts), "0:$srv[0] 1:$srv[1] 2:$srv[2]",
	'PARTITION: t_hash\'s partitions and their leaders');

###############################################################################
# SHOW PROXYNET: the workers, and this worker's sockets.

my @threads = rows(scalar admin('SHOW PROXYNET THREAD'));
is(scalar(@threads), 2, 'THREAD: one row per worker');
my $me = $adbh->{mariadb_thread_id};
$r = query($adbh, 'SHOW PROXYNET CONNECTION');
my ($own) = ref $r ? grep { $_->[1] == $me } @{$r->[1]} : ();
ok($own && $own->[3] eq 'accepted' && $own->[4] eq '127.0.0.1'
	&& $own->[24] =~ /root\@proxysys/,
	'CONNECTION: the admin\'s own client socket, accepted')
	or diag(explain($r));
my $mine = $own ? $own->[0] : -1;
my ($other) = grep { $_ != $mine } map { $_->[0] } @threads;
$r = query($adbh, "SHOW PROXYNET CONNECTION $mine LIMIT 1");
is(ref $r ? scalar(@{$r->[1]}) : $r, 1, '  its thread id with LIMIT 1: one row');
$r = query($adbh, "SHOW PROXYNET CONNECTION $mine LIMIT 1 OFFSET 1000");
is(ref $r ? scalar(@{$r->[1]}) : $r, 0, '  OFFSET past the end: none');
like(query($adbh, 'SHOW PROXYNET CONNECTION ' . ($other // 99)),
	qr/^1235 .*connections of worker \Q${\($other \/\/ 99)}\E \(pid \d+\)/,
	'  another worker\'s thread id: an error naming it');

###############################################################################
# SHOW PROXYINFO UPGRADE and IDC, SHOW PROXYCLUSTER.

my ($info) = rows(scalar admin('SHOW PROXYINFO UPGRADE'));
my $master = $t->pid();
ok($info && $info->[0] eq 'hot upgrade info'
	&& $info->[1] =~ /^pid: $master\\n/ && $info->[1] =~ /generation/,
	'PROXYINFO UPGRADE: the master\'s pid and generations')
	or diag(explain($info));
is(join('|', map { @$_ } rows(scalar admin('SHOW PROXYINFO IDC'))),
	'idc1|undefined|MATCHED_BY_IDC|[r1]|[z1]|[z2]|[z3]',
	'PROXYINFO IDC: proxy_idc_name and the zones by distance');
is(join(' ', map { $_->[3] } rows(scalar admin('SHOW PROXYCLUSTER'))),
	join(' ', @srv), 'PROXYCLUSTER: the topology\'s servers');
is(join(' ', map { "$_->[3]:$_->[4]" } rows(scalar admin('SHOW PROXYCLUSTER IDC'))),
	'idc1:r1 idc2:r1 idc3:r2', 'PROXYCLUSTER IDC: each IDC and its region');

###############################################################################
# SHOW WARNLOG: a WARN line of this worker.

query($adbh, 'ALTER PROXYCONFIG SET client_max_connections = -3');
$r = query($adbh, 'SHOW WARNLOG');
my ($warn) = ref $r ? grep { $_->[3] =~ /WARN .*ALTER PROXYCONFIG SET client_max_connections: failed/ }
	@{$r->[1]} : ();
ok($warn, 'SHOW WARNLOG: the WARN line of a refused ALTER')
	or diag(explain($r));
my ($wid, $wpid) = $warn ? @$warn[0, 1] : (0, 0);
like($warn ? $warn->[2] : '', qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/,
	'  with its time');
my $count = sub {
	my $q = query($adbh, $_[0]);
	return ref $q ? scalar(grep { $_->[0] == $wid } @{$q->[1]}) : $q;
};
is(join(' ', $count->("SHOW WARNLOG $wid"), $count->('SHOW WARNLOG ' . ($wid + 1)),
	$count->("SHOW WARNLOG $wid, $wpid"), $count->("SHOW WARNLOG $wid, 1"),
	$count->("SHOW WARNLOG $wid, $wpid, WARN"),
	$count->("SHOW WARNLOG $wid, $wpid, ERROR")), '1 0 1 0 1 0',
	'  n, "a, b" and "a, b, level" select by id, thread and level');

###############################################################################
# SHOW PROXYTRACE, PROXYSESSION VARIABLES and STAT: the worker holding a
# session shows it, another worker names where it lives.

my $udbh = $t->dbh(user => $u, database => 'rt');
ok($udbh && $udbh->do("SET \@v = 'it''s'") && $udbh->do('SET SESSION wait_timeout = 1234')
	&& $udbh->selectrow_array('SELECT srv FROM t_plain WHERE id = 1') eq 's1',
	'a client of the tenant sets variables and reads from s1')
	or diag($t->dbi_error() || $DBI::errstr);
my $uid = $udbh ? $udbh->{mariadb_thread_id} : 0;

# The worker pid holding session <id>, as the admin's SHOW PROCESSLIST says.
sub tid_of {
	my ($dbh, $id) = @_;
	my $q = query($dbh, 'SHOW PROCESSLIST');
	my ($row) = ref $q ? grep { $_->[0] == $id } @{$q->[1]} : ();
	return $row ? $row->[8] : -1;
}
my ($same, $elsewhere);
for (1 .. 40) {
	my $d = admin_dbh() or next;
	my $where = tid_of($d, $d->{mariadb_thread_id}) == tid_of($d, $uid)
		? \$same : \$elsewhere;
	$$where //= $d;
	last if $same && $elsewhere;
}
ok($same && $elsewhere, 'admin sessions in both workers');
my ($trace) = $same ? @{(query($same, "SHOW PROXYTRACE $uid") // [[], []])->[1]} : ();
ok($trace && $trace->[2] eq '127.0.0.1' && $trace->[3] == $t->server_port(1)
	&& $trace->[4] eq 'CMD_COMPLETE' && $trace->[7] > 0,
	'PROXYTRACE: the last statement went to s1, complete, and its time')
	or diag(explain($trace));
my %vars = $same ? map { $_->[0] => $_ } @{(query($same, "SHOW PROXYSESSION VARIABLES $uid") // [[], []])->[1]} : ();
is(join(' ', map { $vars{$_} ? "$_=$vars{$_}[1]/$vars{$_}[2]" : "$_:-" }
		qw/v wait_timeout/), "v='it''s'/user var wait_timeout=1234/changed sys var",
	'PROXYSESSION VARIABLES: its user and system variables');
$r = $same ? query($same, "SHOW PROXYSESSION VARIABLES ALL $uid LIKE 'ob_read%'") : '';
is(ref $r && join(' ', map { "$_->[0]/$_->[2]" } @{$r->[1]}),
	'ob_read_consistency/proxy var', '  ALL adds the proxy\'s own, LIKE');
my %stat = $same ? map { @$_ } @{(query($same, "SHOW PROXYSESSION STAT $uid") // [[], []])->[1]} : ();
ok(($stat{server_requests} // 0) >= 3 && ($stat{server_responses} // 0) >= 3
	&& ($stat{client_request_total_size} // 0) > 0,
	'PROXYSESSION STAT: its statements and bytes')
	or diag(explain(\%stat));
like($elsewhere ? query($elsewhere, "SHOW PROXYTRACE $uid") : '',
	qr/^1235 .*session $uid lives in worker \d+ \(pid \d+\)/,
	'another worker: PROXYTRACE names the worker holding the session');
like($elsewhere ? query($elsewhere, "SHOW PROXYSESSION STAT $uid") : '',
	qr/^1235 .*lives in worker/, '  so does PROXYSESSION STAT');
like(query($adbh, 'SHOW PROXYTRACE 4000000000'), qr/^1094 Unknown thread id/,
	'an unknown session: 1094');

###############################################################################
# Who may run them, and malformed forms.

my @cmds = ('SHOW PROXYCONGESTION', 'SHOW PROXYROUTE',
	'SHOW PROXYNET THREAD', 'SHOW PROXYINFO IDC', 'SHOW PROXYCLUSTER',
	'SHOW WARNLOG', 'SHOW PROXYTRACE');
my $insp = join '', map { scalar admin("$_;", user => 'inspector@proxysys',
	password => $INSP_PW) } @cmds;
unlike($insp, qr/ERROR/, 'inspector@proxysys may run them all');
like(scalar admin('SHOW PROXYNET THREAD', user => 'inspector@proxysys',
	password => $INSP_PW), qr/^net_thread_id\t/, '  and gets rows');
my @refused = grep { scalar($t->mariadb($_)) =~ /ERROR 1227 \(42000\)/ } @cmds;
is(scalar(@refused), scalar(@cmds), 'an ordinary user: 1227 for each')
	or diag(join ', ', @cmds);

my @bad = ('SHOW PROXYNET FOO', "SHOW WARNLOG 'x'", 'SHOW WARNLOG 1, x',
	'SHOW WARNLOG 1, 2, DEBUG', 'SHOW PROXYCONGESTION ALL a b',
	'SHOW PROXYROUTE LIKE t_hash', 'SHOW PROXYROUTE PARTITION 1',
	'SHOW PROXYTRACE x', 'SHOW PROXYNET CONNECTION 0 LIMIT',
	'SHOW PROXYCLUSTER FOO', 'SHOW PROXYINFO NOTHING',
	'SHOW PROXYSESSION STAT 1 2');
my ($out) = admin(undef, stdin => join(";\n", @bad, 'SELECT PROXY_STATUS()')
	. ";\n", args => [ '--force' ]);
is(scalar(() = $out =~ /^ERROR 1064 \(42000\)/mg), scalar(@bad),
	'malformed forms: 1064 each') or diag($out);
like($out, qr/^running$/m, '  and the session goes on');
