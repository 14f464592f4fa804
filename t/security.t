#!/usr/bin/perl

# Tests for the holes an attacker with an account of their own, or none,
# could use at login: a parked server session borrowed by a client of
# another account row (user@host), SQL injection through the login name
# into the account lookup (NO_BACKSLASH_ESCAPES), the account row chosen
# as MariaDB chooses it (localhost is never a TCP client's), forged log
# lines, failed logins that cost a server connection each, and
# root@proxysys, which is the proxy's account and never a server's.
# Clients from 127.0.0.2 are PyMySQL with bind_address.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(25)->run_mariadb(1);
plan(skip_all => 'no python3 module pymysql')
	unless $t->python_module('pymysql');
my $direct = $t->server_port(1);

# pu@127.0.0.1 has a password and reads mysql.*; pu@'127.0.0.%' has
# none and one table.  ru@localhost has no password, ru@'127.0.0.%' one.
# root@localhost and root@127.0.0.1 come with the server without a
# password; root@127.0.0.1 gets one.
$t->mariadb(join(' ', 'SET GLOBAL userstat = 1;',
	"CREATE USER 'pu'\@'127.0.0.1' IDENTIFIED BY 'pu-secret';",
	"GRANT SELECT ON mysql.* TO 'pu'\@'127.0.0.1';",
	"CREATE USER 'pu'\@'127.0.0.%';",
	'CREATE TABLE test.open (id INT);',
	"GRANT SELECT ON test.open TO 'pu'\@'127.0.0.%';",
	"CREATE USER 'ru'\@'localhost';",
	"CREATE USER 'ru'\@'127.0.0.%' IDENTIFIED BY 'ru-secret';",
	"GRANT SELECT ON test.* TO 'ru'\@'127.0.0.%';",
	"CREATE USER IF NOT EXISTS 'root'\@'127.0.0.1';",
	"ALTER USER 'root'\@'127.0.0.1' IDENTIFIED BY 'root-secret';",
	"GRANT ALL ON *.* TO 'root'\@'127.0.0.1';"), port => $direct);

$t->write_file_expand('obproxy.yaml', <<'EOF')->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 1
short_async_task_timeout: 1s
connect_server_timeout: 3s
EOF

# A PyMySQL login from <bind> running <sql>: "ok VALUE" or "CODE MESSAGE".
sub py {
	my ($user, $password, $bind, $sql, %o) = @_;
	my $charset = delete $o{charset} // 'utf8mb4';
	my ($rc, $out) = $t->python(<<'EOF', user => $user,
import os, sys, pymysql
e = os.environ
try:
    # the name's bytes as they are, whatever the charset
    user = os.fsencode(e['OBP_USER']).decode(
        'latin1' if sys.argv[3] == 'latin1' else 'utf-8')
    c = pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
        user=user, password=e['OBP_PASSWORD'], database='test',
        bind_address=sys.argv[1], charset=sys.argv[3], autocommit=True,
        connect_timeout=10, read_timeout=30)
    cur = c.cursor()
    cur.execute(sys.argv[2])
    print('ok', cur.fetchone()[0])
    c.close()
except pymysql.err.MySQLError as x:
    print(*x.args)
EOF
		password => $password, args => [ $bind, $sql, $charset ], %o);
	chomp $out;
	return $rc ? "exit $rc: $out" : $out;
}

sub proxyro_connections {
	my ($n) = $t->mariadb("SELECT TOTAL_CONNECTIONS FROM"
		. " information_schema.USER_STATISTICS WHERE USER = 'proxyro'",
		port => $direct) =~ /^(\d+)$/m;
	return $n // 0;
}

sub counter {
	my ($name) = @_;
	my ($rc, $out) = $t->ctl('stats');
	return $out =~ /^\Q$name\E:\s*(\d+)/m ? $1 : -1;
}

# 1. The pool lends a server session only to the account row it was
# opened for.

is(py('pu', 'pu-secret', '127.0.0.1', 'SELECT CURRENT_USER()'),
	'ok pu@127.0.0.1', 'pu with its password from 127.0.0.1');
$t->waitfor(sub { counter('pool_idle') >= 1 }, 5);
is(counter('pool_idle'), 1, 'its server session is parked');
like(py('pu', '', '127.0.0.2', 'SELECT COUNT(*) FROM mysql.user'),
	qr/^1045 Access denied for user 'pu'/,
	'pu without a password from 127.0.0.2 does not get the parked'
	. ' session (the server refuses the proxy\'s login)');
is(py('pu', 'pu-secret', '127.0.0.1', 'SELECT CURRENT_USER()'),
	'ok pu@127.0.0.1', 'the same account row still reuses it');
is(counter('pool_reused'), 1, '  from the pool');

# 2. The login name never reaches SQL as text: NO_BACKSLASH_ESCAPES
# would let a backslash-escaped quote end the string.

$t->mariadb("SET GLOBAL sql_mode = 'NO_BACKSLASH_ESCAPES'",
	port => $direct);
my $t0 = time();
my $inj = py("x' OR (User=0x726f6f74 AND SLEEP(3)) -- \@sys", 'a',
	'127.0.0.1', 'SELECT 1');
my $took = time() - $t0;
like($inj, qr/^1045 Access denied/, 'an injected login name is denied');
cmp_ok($took, '<', 2.5, '  without running the injected SLEEP')
	or diag("took $took s");
$inj = py("x' OR User='obtest' -- \@sys", $t->password(), '127.0.0.1',
	'SELECT CURRENT_USER()');
like($inj, qr/^1045 Access denied/,
	'  nor logging in with another account\'s password');
$t->mariadb("SET GLOBAL sql_mode = DEFAULT", port => $direct);

# 3. The account row MariaDB would choose.

is(py('root', 'root-secret', '127.0.0.1', 'SELECT CURRENT_USER()'),
	'ok root@127.0.0.1', 'root@127.0.0.1 with its password, although'
	. ' root@localhost has none');
like(py('root', '', '127.0.0.1', 'SELECT 1'), qr/^1045 Access denied/,
	'root without a password is denied');
is(py('ru', 'ru-secret', '127.0.0.1', 'SELECT CURRENT_USER()'),
	'ok ru@127.0.0.%', 'ru@127.0.0.% with its password: localhost is no'
	. ' TCP client\'s');
like(py('ru', '', '127.0.0.1', 'SELECT 1'), qr/^1045 Access denied/,
	'ru without a password is denied');
like($t->log(), qr/\[S\d+\]\ Access\ denied\ for\ user\ 'ru'\@'127\.0\.0\.1'
	\ \(using\ password:\ NO\)/x, '  by the proxy itself');

# 4. Log lines: what a client sends is escaped.

$t->dbh(user => "x\n[2026-01-01 00.00.00.000000] ALERT [1][M] forged by"
	. ' a client@sys', password => 'a');
py("bin\x01\x7f\xff", 'a', '127.0.0.1', 'SELECT 1', charset => 'latin1');
like($t->log(), qr/'x\\n\[2026-01-01\ 00\.00\.00\.000000\]\ ALERT\ \[1\]\[M\]
	\ forged\ by\ a\ client'/x,
	'a newline in a login name is logged as \n');
like($t->log(), qr/'bin\\x01\\x7f\\xff'/,
	'control bytes and non-UTF-8 bytes as \xNN');

# 5. Failed logins share lookups and cache the answer.

# Logins of <users> (names, a list) at once, each with a wrong password:
# "CODE:COUNT ..." of their errors.
sub storm {
	my ($rc, $out) = $t->python(<<'EOF', password => 'wrong',
import os, sys, threading, pymysql
e = os.environ
codes = {}
lock = threading.Lock()
def login(user):
    try:
        pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
            user=user, password=e['OBP_PASSWORD'], connect_timeout=20)
        code = 0
    except pymysql.err.MySQLError as x:
        code = x.args[0]
    with lock:
        codes[code] = codes.get(code, 0) + 1
threads = [threading.Thread(target=login, args=(u,)) for u in sys.argv[1:]]
for th in threads: th.start()
for th in threads: th.join()
print(' '.join('%s:%d' % (k, v) for k, v in sorted(codes.items())))
EOF
		args => [ @_ ], timeout => 90);
	chomp $out;
	return "$rc $out";
}

my $before = proxyro_connections();
is(storm(('pu') x 100, ('nobody') x 100), '0 1045:200',
	'200 concurrent logins with a wrong password or an unknown user: 1045');
cmp_ok(proxyro_connections() - $before, '<=', 4,
	'  for a few account lookups');

# Distinct unknown users: at most 8 lookups at once per worker, however
# many logins, so the server's connections stay free.
$t->mariadb('FLUSH STATUS', port => $direct);
my $ghosts = storm(map { "ghost$_" } 1 .. 150);
like($ghosts, qr/^0 (1040:\d+ )?1045:\d+$/,
	'150 concurrent logins of unknown users: denied (or told to retry)');
my ($max) = $t->mariadb("SHOW GLOBAL STATUS LIKE 'Max_used_connections'",
	port => $direct) =~ /(\d+)$/m;
cmp_ok($max, '<=', 20, '  with at most 8 lookups at once')
	or diag("Max_used_connections $max");
unlike($t->log(), qr/set observer_sys_password/,
	'  and no word of observer_sys_password');

# Past the bound a login waits, then gets a clear error: a server that
# hangs holds the 8 lookups for connect_server_timeout (3 s); a ninth
# user waits short_async_task_timeout (1 s) in line.
kill 'STOP', $t->{_mariadb}{1}{pid};
my ($rc, $out) = $t->python(<<'EOF', password => 'x', timeout => 60);
import os, threading, time, pymysql
e = os.environ
res = {}
def login(i):
    t0 = time.time()
    try:
        pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
            user='hang%d' % i, password=e['OBP_PASSWORD'],
            connect_timeout=20, read_timeout=20)
        res[i] = 'ok'
    except pymysql.err.MySQLError as x:
        res[i] = '%s %.1f %s' % (x.args[0], time.time() - t0, x.args[1])
threads = []
for i in range(9):
    threads.append(threading.Thread(target=login, args=(i,)))
    threads[-1].start()
    time.sleep(0.05)
for th in threads: th.join()
print(res[8])
EOF
kill 'CONT', $t->{_mariadb}{1}{pid};
like("$rc $out",
	qr/^0 1040 [01]\.\d Too many connections: obproxy's account lookups/,
	'a login past the bound of lookups waits short_async_task_timeout,'
	. ' then gets 1040');

# The service account's SHA1 logs in as proxyro as well as its password:
# neither obproxyctl nor the log shows it.
my $sha1 = $t->service_password_sha1();
my ($ctlrc, $got) = $t->ctl('config', 'get', 'observer_sys_password');
like($got, qr/^value: \(a SHA1, not shown\)$/m,
	'obproxyctl config get hides observer_sys_password');
unlike($t->log() . $got, qr/\Q$sha1\E/i, '  and no log line holds it');

# 6. root@proxysys is the proxy's own account, checked by the proxy (its
# default password is unknown: t/admin.t sets one).

like(py('root@proxysys', '', '127.0.0.1', 'SELECT 1'),
	qr/^1045 Access denied for user 'root\@proxysys'\@'127.0.0.1'/,
	'root@proxysys is refused by the proxy without its password');
like($t->log(), qr/admin login of 'root\@proxysys' from 127\.0\.0\.1:\d+ refused: wrong password/,
	'  and the log says why');

###############################################################################
