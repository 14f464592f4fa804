#!/usr/bin/perl

# Tests the proxy's admin SQL (README, Admin SQL): root@proxysys and
# inspector@proxysys are checked by the proxy itself and never reach a
# server, the admin commands answer with ODP's columns to the mariadb
# client, DBD::MariaDB, PyMySQL and a raw client (with and without
# DEPRECATE_EOF), ALTER PROXYCONFIG goes through obproxyctl's config set
# (every worker, saved, kept across a restart and a hot upgrade, passwords
# hashed), each security rule holds both ways, and bad input (unknown and
# malformed commands, a 1 MiB statement, an answer past
# internal_cmd_mem_limited, ALTERs racing reloads) gets clear errors.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(83)->run_mariadb(1);
plan(skip_all => 'no python3 module pymysql')
	unless $t->python_module('pymysql');

my $ADMIN_PW = 'admin-pw';
my $INSP_PW = 'insp-pw';
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
local_bound_ip: 0.0.0.0
hot_upgrade_rollback_timeout: 1s
obproxy_sys_password: @{[ sha1_hex($ADMIN_PW) ]}
inspector_password: @{[ sha1_hex($INSP_PW) ]}
EOF

# The mariadb client as one of the proxy's accounts.
sub admin {
	my ($sql, %o) = @_;
	return $t->mariadb($sql, user => $o{user} // 'root@proxysys',
		password => $o{password} // $ADMIN_PW, database => undef,
		args => [ '--column-names', @{$o{args} // []} ], %o);
}

sub header { (split /\n/, $_[0])[0] // '' }

###############################################################################
# Columns, as ODP names them.

is(header(scalar admin("SHOW PROXYCONFIG LIKE 'listen_port'")),
	join("\t", qw/name value info need_reboot visible_level range
		config_level/), 'SHOW PROXYCONFIG: ODP\'s columns');
like(admin("show proxyconfig like 'LISTEN_%'"),
	qr/^listen_port\t\d+\tTCP port[^\t]*\ttrue\tUSER\t\[1025, 65535\]\tLEVEL_GLOBAL$/m,
	'  one row per parameter, LIKE without case');
is(header(scalar admin('SHOW PROXYCONFIG ALL LIKE \'listen_port\'')),
	join("\t", qw/vid vip vport tenant_name cluster_name name value
		config_level/), 'SHOW PROXYCONFIG ALL: the levels\' columns');
is(header(scalar admin('SHOW PROXYSESSION')),
	join("\t", qw/proxy_sessid Id Cluster Tenant User Host db trans_count
		svr_session_count state tid pid using_ssl/),
	'SHOW PROXYSESSION: ODP\'s columns');
is(header(scalar admin('SHOW PROCESSLIST')),
	join("\t", qw/Id Tenant User Host db trans_count svr_session_count
		state tid pid/), 'SHOW PROCESSLIST (admin): ODP\'s columns');
is(header(scalar admin('SHOW PROXYSESSION ATTRIBUTE')),
	join("\t", qw/attribute_name value info/),
	'SHOW PROXYSESSION ATTRIBUTE: its columns');
like(admin("SHOW PROXYSTAT LIKE 'login_ok'"),
	qr/\Astat_name\tvalue\tpersist_type\nlogin_ok\t[1-9]\d*\tCOUNTER\n\z/,
	'SHOW PROXYSTAT: the counters of every worker');
my (undef, $vout) = $t->obproxy('-V');
my ($version) = $vout =~ /obproxy (\S+)\)/;
like(admin('SELECT PROXY_VERSION()'), qr/\Aproxy_version\(\)\n\Q$version\E\n\z/,
	'SELECT PROXY_VERSION(): the version obproxy -V prints');
like(admin('PING PROXY; SELECT PROXY_STATUS() AS s'), qr/^running$/m,
	'PING PROXY and PROXY_STATUS()');

# DBD::MariaDB: types and a driver's own ping.
my $adbh = $t->dbh(user => 'root@proxysys', password => $ADMIN_PW,
	database => undef);
ok($adbh && $adbh->ping(), 'DBD::MariaDB logs in as root@proxysys, ping')
	or diag($t->dbi_error());
my $sth = $adbh->prepare('SHOW PROCESSLIST');
$sth->execute();
is($sth->{NAME}[0], 'Id', '  SHOW PROCESSLIST through DBI');
is($sth->{TYPE}[0], DBI::SQL_BIGINT(), '  Id is a LONGLONG column');
my $rows = $sth->fetchall_arrayref();
ok((grep { $_->[1] eq 'proxysys' && $_->[2] eq 'root' } @$rows),
	'  the admin\'s own session is listed');

# PyMySQL: an ordinary session seen and killed by the admin.
my $h = $t->python_bg(<<'PY');
import os, sys, time, pymysql
c = pymysql.connect(host=os.environ['OBP_HOST'], port=int(os.environ['OBP_PORT']),
    user=os.environ['OBP_USER'], password=os.environ['OBP_PASSWORD'], database=os.environ['OBP_DB'])
cur = c.cursor()
cur.execute('SELECT CONNECTION_ID()')
open(sys.argv[1], 'w').write(str(cur.fetchone()[0]))
time.sleep(3)
try:
    cur.execute('SELECT 1')
    print('alive')
except Exception as e:
    print('gone', e.args[0])
PY
my ($id, $out);
$t->waitfor(sub { ($id) = ($t->read_file($h->{file}) // '') =~ /^(\d+)$/ },
	10);
my ($prc, $pout) = $t->python(<<'PY', user => 'root@proxysys', password => $ADMIN_PW, args => [ $id // 0 ]);
import os, sys, pymysql
c = pymysql.connect(host=os.environ['OBP_HOST'], port=int(os.environ['OBP_PORT']),
    user=os.environ['OBP_USER'], password=os.environ['OBP_PASSWORD'])
cur = c.cursor()
cur.execute('show proxysession')
names = [d[0] for d in cur.description]
for r in cur.fetchall():
    row = dict(zip(names, r))
    if str(row['Id']) == sys.argv[1]:
        print('row', row['User'], row['Tenant'], row['using_ssl'], row['svr_session_count'])
cur.execute('kill proxysession ' + sys.argv[1])
print('killed')
PY
like($pout, qr/^row \Q${\$t->user()}\E sys 0 1$/m,
	'PyMySQL: SHOW PROXYSESSION lists the client by its CONNECTION_ID()')
	or diag($pout);
like($pout, qr/^killed$/m, '  KILL PROXYSESSION answers OK');
like(scalar $t->python_wait($h), qr/^gone (2013|2006)/m,
	'  and the killed session is closed');

# The admin's KILL QUERY: the statement stops, the session goes on.
$h = $t->python_bg(<<'PY');
import os, sys, time, pymysql
c = pymysql.connect(host=os.environ['OBP_HOST'], port=int(os.environ['OBP_PORT']),
    user=os.environ['OBP_USER'], password=os.environ['OBP_PASSWORD'], database=os.environ['OBP_DB'])
cur = c.cursor()
cur.execute('SELECT CONNECTION_ID()')
open(sys.argv[1], 'w').write(str(cur.fetchone()[0]))
t0 = time.time()
try:
    cur.execute('SELECT SLEEP(20)')
    print('slept', cur.fetchone()[0], round(time.time() - t0))
except Exception as e:
    print('error', e.args[0], round(time.time() - t0))
cur.execute('SELECT 7')
print('then', cur.fetchone()[0])
PY
$id = undef;
$t->waitfor(sub { ($id) = ($t->read_file($h->{file}) // '') =~ /^(\d+)$/ },
	10);
select(undef, undef, undef, 0.5);
is(scalar admin('KILL QUERY ' . ($id // 0)), '', 'KILL QUERY by the admin: OK');
$out = $t->python_wait($h);
like($out, qr/^(slept 1|error 1317) [0-5]$/m,
	'  the statement stops within seconds') or diag($out);
like($out, qr/^then 7$/m, '  and its session goes on');

# KILL PROXYSESSION cs ss: one server session goes, the client stays.
my $udbh = $t->dbh();
my $cs = $udbh && $udbh->selectrow_array('SELECT CONNECTION_ID()');
my $attr = sub {
	my ($name) = @_;
	my ($v) = admin("SHOW PROXYSESSION ATTRIBUTE $cs LIKE '$name'")
		=~ /^\Q$name\E\t(\S*)\t/m;
	return $v;
};
my $ss = $attr->('server_sessid');
ok($ss, 'SHOW PROXYSESSION ATTRIBUTE names the server session');
is(scalar admin("KILL PROXYSESSION $cs $ss"), '',
	'KILL PROXYSESSION cs ss: OK');
select(undef, undef, undef, 0.5);
is($udbh && $udbh->selectrow_array('SELECT 5'), 5,
	'  the client session goes on');
my $ss2 = $attr->('server_sessid');
ok($ss2 && $ss2 ne $ss, '  on another server session');

###############################################################################
# Who may log in, and run what.

($out, my $rc) = admin('PING PROXY', password => 'wrong');
like($out, qr/ERROR 1045 \(28000\).*Access denied for user 'root\@proxysys'/,
	'root@proxysys with a wrong password: 1045');
like($t->log(), qr/WARN .*admin login of 'root\@proxysys' from 127\.0\.0\.1:\d+ refused: wrong password/,
	'  a WARN line says why');
like(scalar admin('PING PROXY', user => 'ghost@proxysys'),
	qr/ERROR 1045/, 'another proxysys name: 1045');
like($t->log(), qr/admin login of 'ghost\@proxysys' .* refused: no such account/,
	'  the log says there is no such account');
like($t->log(), qr/INFO .*admin root\@proxysys logged in from 127\.0\.0\.1:\d+/,
	'an admin login is logged at INFO with the client address');

like(scalar admin("SHOW PROXYCONFIG LIKE 'listen_port'",
		user => 'inspector@proxysys', password => $INSP_PW),
	qr/^listen_port\t/m, 'inspector@proxysys reads the configuration');
like(scalar admin('ALTER PROXYCONFIG SET client_max_connections = 7',
		user => 'inspector@proxysys', password => $INSP_PW),
	qr/ERROR 1227 \(42000\)/, '  but may not ALTER it (1227)');
like(scalar admin('KILL PROXYSESSION 1', user => 'inspector@proxysys',
		password => $INSP_PW),
	qr/ERROR 1227/, '  nor KILL PROXYSESSION');
like(scalar admin('KILL 1', user => 'inspector@proxysys',
		password => $INSP_PW),
	qr/ERROR 1227/, '  nor KILL');

like(scalar $t->mariadb("SHOW PROXYCONFIG LIKE 'listen_port'"),
	qr/ERROR 1227 \(42000\).*SHOW PROXYCONFIG is the proxy administrator's/,
	'an ordinary user: SHOW PROXYCONFIG is refused with 1227');
like(scalar $t->mariadb('ALTER PROXYCONFIG SET client_max_connections = 7'),
	qr/ERROR 1227/, '  so is ALTER PROXYCONFIG');
like(scalar $t->mariadb('PING PROXY; SELECT PROXY_VERSION()'),
	qr/\A\Q$version\E\n\z/, '  PING PROXY and PROXY_VERSION() answer');
like(scalar $t->mariadb('SELECT @@port'), qr/^\d+$/,
	'  and ordinary SQL still reaches the server');
is(scalar $t->mariadb('SELECT proxy_version FROM (SELECT 3 AS proxy_version) t'),
	"3\n", '  a column named proxy_version is the server\'s');

# proxyro is the proxy's own service account.
like(scalar $t->mariadb('SELECT 1', user => 'proxyro',
		password => 'proxyro-test-pw', database => undef),
	qr/ERROR 1045/, 'a client logging in as proxyro: 1045');
like($t->log(), qr/WARN .*a login as proxyro, the proxy's service account, refused/,
	'  a WARN line says why');
admin('ALTER PROXYCONFIG SET skip_proxyro_check = true');
is(scalar $t->mariadb('SELECT 1', user => 'proxyro',
		password => 'proxyro-test-pw', database => undef), "1\n",
	'  with skip_proxyro_check it may');
admin('ALTER PROXYCONFIG SET skip_proxyro_check = false');

###############################################################################
# ALTER PROXYCONFIG: one mechanism with obproxyctl config set.

is(scalar admin('ALTER PROXYCONFIG SET client_max_connections = 4321'), '',
	'ALTER PROXYCONFIG SET: OK');
my @seen = map { scalar admin("SHOW PROXYCONFIG LIKE 'client_max_connections'") }
	1 .. 6;
is(scalar(grep { /^client_max_connections\t4321\t/m } @seen), 6,
	'  every worker has the new value at once');
my (undef, $got) = $t->ctl('config', 'get', 'client_max_connections');
like($got, qr/^value: 4321\n(?s:.*)^source: runtime$/m,
	'  obproxyctl config get shows it, set at run time');
like($t->log(), qr/INFO .*admin root\@proxysys from 127\.0\.0\.1:\d+: ALTER PROXYCONFIG SET client_max_connections: ok/,
	'  the ALTER is logged with the client address');

like(scalar admin('ALTER PROXYCONFIG SET no_such_param = 1'),
	qr/ERROR 1193 .*Unknown system variable 'no_such_param'/,
	'an unknown parameter: 1193');
like(scalar admin('ALTER PROXYCONFIG SET client_max_connections = -3'),
	qr/ERROR 1231 .*"-3" is out of range \[0, 1000000\]/,
	'a value out of range: 1231 with the range');
like(scalar admin("ALTER PROXYCONFIG SET app_name = 'x'"),
	qr/ERROR 1235 .*app_name is only modified when restart/,
	'app_name: refused as ODP does');
like(scalar admin('ALTER PROXYCONFIG SET client_max_connections'),
	qr/ERROR 1064 \(42000\).*ALTER PROXYCONFIG/, 'a malformed ALTER: 1064');

# Passwords are given in plain text and stored hashed.
is(scalar admin("ALTER PROXYCONFIG SET obproxy_sys_password = 'n3w pw'"), '',
	'ALTER PROXYCONFIG SET obproxy_sys_password');
like(scalar admin('PING PROXY'), qr/ERROR 1045/, '  the old password fails');
is(scalar admin('PING PROXY', password => 'n3w pw'), '',
	'  the new one logs in');
my $state = $t->read_file('obproxy.yaml.runtime') // '';
ok($state =~ /obproxy_sys_password=\Q${\sha1_hex('n3w pw')}\E/
	&& $state !~ /n3w pw/, '  the state file holds its SHA1, not the text');
$ADMIN_PW = 'n3w pw';

# Kept across a restart and a hot upgrade.
$t->stop();
$t->run();
like(scalar admin("SHOW PROXYCONFIG LIKE 'client_max_connections'"),
	qr/^client_max_connections\t4321\t/m, 'after a restart: kept');
my $araw = $t->raw();
$araw->login(user => 'root@proxysys', password => $ADMIN_PW);
($rc, $got) = $t->ctl('upgrade');
ok($rc == 0 && $t->follow_upgrade(30), 'a hot upgrade') or diag($got);
my $after = $araw->query('SELECT CURRENT_USER()');
ok(!$after || !$after->{rows},
	'  an idle admin session is closed, never handed over as a user\'s');
like(scalar admin("SHOW PROXYCONFIG LIKE 'client_max_connections'"),
	qr/^client_max_connections\t4321\t/m, 'after a hot upgrade: kept');
is(scalar admin('ALTER PROXYCONFIG SET client_max_connections = 8192'), '',
	'the new generation takes ALTERs');

# ALTERs racing reloads: each is answered, the proxy ends consistent.
my $bg = $t->_spawn([ 'sh', '-c', join(' ', 'for i in 1 2 3 4 5 6 7 8;',
	'do', $t->ctl_binary(), '-d', $t->testdir(), 'reload >/dev/null;',
	'done') ], out => 'reloads.out', env => $t->_obproxy_env());
my @answers = map { scalar admin("ALTER PROXYCONFIG SET client_max_connections = $_") }
	5001 .. 5010;
$t->_reap($bg, 60);
is(scalar(grep { $_ eq '' || /ERROR 1231 .*refused/ } @answers), 10,
	'10 ALTERs racing 8 reloads: each answered') or diag(join '', @answers);
(undef, $got) = $t->ctl('config', 'get', 'client_max_connections');
my ($final) = $got =~ /^value: (\d+)$/m;
like(scalar admin("SHOW PROXYCONFIG LIKE 'client_max_connections'"),
	qr/^client_max_connections\t\Q${\($final \/\/ 'x')}\E\t/m,
	'  and the workers agree with obproxyctl');

###############################################################################
# Bad input.

like(scalar admin('SHOW DATABASES'),
	qr/ERROR 1235 \(42000\).*'SHOW DATABASES' is not an admin command/,
	'a statement that is no admin command: 1235 naming it');
like(scalar admin('SHOW PROXYCONFIG FOO'), qr/ERROR 1064 .*SHOW PROXYCONFIG/,
	'a malformed admin command: 1064');
like(scalar admin("SELECT \@\@version_comment LIMIT 1; SET NAMES utf8mb4"),
	qr/\A\@\@version_comment\nobproxy\n\z/,
	'what client libraries send on connect is answered');
like(scalar admin('status'),
	qr/^Current user:\s+root\@127\.0\.0\.1$/m,
	'the mariadb client\'s status works');
like(scalar admin('SELECT DATABASE(), USER() AS u, CONNECTION_ID(), 7 FROM DUAL LIMIT 1'),
	qr/\ADATABASE\(\)\tu\tCONNECTION_ID\(\)\t7\nNULL\troot\@127\.0\.0\.1\t\d+\t7\n\z/,
	'  a SELECT of functions and literals');

my $big = "SHOW PROXYCONFIG LIKE '" . ('x' x (1 << 20)) . "';\n"
	. "SELECT PROXY_VERSION();\n";
($out) = admin(undef, stdin => $big, args => [ '--force' ]);
like($out, qr/ERROR 1235 .*SHOW PROXYCONFIG of \d+ bytes is longer than an admin statement may be/,
	'a 1 MiB admin statement: 1235');
like($out, qr/^\Q$version\E$/m, '  and the session goes on');

my $raw = $t->raw();
my $res = $raw->login(user => 'root@proxysys', password => $ADMIN_PW);
ok($res && $res->{ok}, 'a raw client logs in as root@proxysys');
$res = $raw->command(0x16, 'SELECT 1');
like($res->{message} // '', qr/command 0x16 is not supported in the admin session/,
	'  COM_STMT_PREPARE: a clear error');
$res = $raw->query("\x00\xff\x01garbage");
is($res->{err}, 1235, '  hostile bytes as a statement: 1235');
$res = $raw->query('SHOW PROXYSTAT');
ok($res->{columns} && @{$res->{rows}} > 10, '  and the session goes on');
$res = $raw->query('PING PROXY; ALTER PROXYCONFIG SET client_max_connections = 1');
is($res->{err}, 1064, '  a second statement behind an admin command: 1064');
my $t0 = time();
$res = $raw->query("SHOW PROXYCONFIG LIKE '" . ('%a' x 60) . "b'");
ok($res->{columns} && !@{$res->{rows}} && time() - $t0 < 3,
	'  a LIKE of 60 wildcards answers at once');
$raw = $t->raw_login();
$res = $raw && $raw->change_user(user => 'root@proxysys',
	password => $ADMIN_PW);
is($res && $res->{err}, 1045, 'COM_CHANGE_USER to root@proxysys: 1045');
$raw = $t->raw();
$res = $raw->login(user => 'root@proxysys', password => $ADMIN_PW,
	caps => Test::OBProxy::Raw::DEFAULT_CAPS()
		| Test::OBProxy::Raw::DEPRECATE_EOF());
$res = $raw->query("SHOW PROXYCONFIG LIKE 'listen_port'");
is_deeply($res->{columns} && [ $res->{columns}[0], $res->{rows}[0][0] ],
	[ 'name', 'listen_port' ], '  a result set with DEPRECATE_EOF too');

is(scalar admin('ALTER PROXYCONFIG SET internal_cmd_mem_limited = 4096'), '',
	'internal_cmd_mem_limited = 4096');
like(scalar admin('SHOW PROXYCONFIG'),
	qr/ERROR 1041 .*answer to SHOW PROXYCONFIG does not fit internal_cmd_mem_limited \(4096 bytes\)/,
	'  a larger answer: 1041');
like(scalar admin("SHOW PROXYCONFIG LIKE 'listen_port'"), qr/^listen_port\t/m,
	'  a small one still goes');
admin("ALTER PROXYCONFIG SET internal_cmd_mem_limited = '16MB'");

# The service account's password changes: observer_sys_password holds
# the new one (not yet on the servers), observer_sys_password1 the old.
$t->stop();
$t->run('-o', 'observer_sys_password=' . sha1_hex('next-pw'));
like(scalar $t->mariadb('SELECT 1'), qr/ERROR/,
	'observer_sys_password the servers do not know yet: logins fail');
$t->stop();
$t->run('-o', 'observer_sys_password=' . sha1_hex('next-pw')
	. ',observer_sys_password1=' . $t->service_password_sha1());
is(scalar $t->mariadb('SELECT 1'), "1\n",
	'  with the old one in observer_sys_password1 they go on');
like($t->log(), qr/INFO .*proxyro refused on \S+ with observer_sys_password: trying observer_sys_password1/,
	'  an INFO line says so');

###############################################################################
# A public client address (a network namespace of its own).

SKIP: {
	my $ns = "obpadm$$";
	my $ok = !system("ip netns add $ns 2>/dev/null")
		&& !system("ip link add ${ns}a type veth peer name ${ns}b"
			. " 2>/dev/null")
		&& !system("ip link set ${ns}b netns $ns"
			. " && ip addr add 203.0.113.1/24 dev ${ns}a"
			. " && ip link set ${ns}a up"
			. " && ip netns exec $ns ip addr add 203.0.113.2/24"
			. " dev ${ns}b && ip netns exec $ns ip link set ${ns}b up"
			. " && ip netns exec $ns ip link set lo up");
	END { system("ip link del obpadm$$" . "a 2>/dev/null; "
		. "ip netns del obpadm$$ 2>/dev/null") if $$; }
	skip('no network namespace here', 3) unless $ok;
	my @cmd = ('ip', 'netns', 'exec', $ns, @{$t->mariadb_cmd('PING PROXY',
		user => 'root@proxysys', password => $ADMIN_PW,
		database => undef)});
	s/^-h127\.0\.0\.1$/-h203.0.113.1/ for @cmd;
	my ($prc2, $pout2) = $t->run_cmd(\@cmd, timeout => 30);
	like($pout2, qr/ERROR 1045/, 'root@proxysys from a public address: 1045');
	like($t->log(), qr/admin login of 'root\@proxysys' from 203\.0\.113\.2:\d+ refused: a public client address/,
		'  the log says why');
	admin('ALTER PROXYCONFIG SET skip_proxy_sys_private_check = true');
	($prc2, $pout2) = $t->run_cmd(\@cmd, timeout => 30);
	is($prc2, 0, '  allowed with skip_proxy_sys_private_check')
		or diag($pout2);
}
