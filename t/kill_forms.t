#!/usr/bin/perl

# Tests that a client's connection id is the proxy's wherever the client
# can learn it (the handshake, CONNECTION_ID() in a query or a prepared
# statement, its own row of SHOW PROCESSLIST and information_schema), and
# that KILL takes it in every form the server accepts:
# after comments, inside a multi-statement query (the rest runs on the
# server), prepared with a literal or a parameter.  No KILL reaches a
# server with a proxy id.  Clients: DBD::MariaDB, PyMySQL, MySQLdb.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(18)->run_mariadb(1);
plan(skip_all => 'no python3 module pymysql')
	unless $t->python_module('pymysql');
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

sub id { $_[0]->{mariadb_thread_id} }
sub gone {
	my ($d) = @_;
	return $t->waitfor(sub { !defined $d->selectrow_array('SELECT 1') }, 5);
}

# CONNECTION_ID() is the handshake's id, text or prepared.
my $a = $t->dbh();
my $ps = $t->dbh(dsn => 'mariadb_server_prepare=1');
is($a->selectrow_array('SELECT CONNECTION_ID()'), id($a),
	'CONNECTION_ID() is the id of the handshake');
is(join(',', $ps->selectrow_array('SELECT CONNECTION_ID(), ?', undef, 7)),
	id($ps) . ',7', '  in a prepared statement too');
is($a->selectrow_array("SELECT 'CONNECTION_ID()' /* CONNECTION_ID() */"),
	'CONNECTION_ID()', '  but not in a string or a comment');

# The session's own row of a process list names the same id; other
# rows stay as the server sends them.
my $direct = $t->direct_dbh();
my $did = $direct->selectrow_array('SELECT CONNECTION_ID()');
my $rows = $a->selectall_arrayref('SHOW FULL PROCESSLIST');
my ($own) = grep { ($_->[7] // '') eq 'SHOW FULL PROCESSLIST' } @$rows;
is($own && $own->[0], id($a), 'SHOW PROCESSLIST: the own row\'s Id');
ok(grep({ $_->[0] == $did } @$rows), '  another connection\'s row as it is');
is($a->selectrow_array('SELECT p.ID FROM information_schema.PROCESSLIST p'
	. ' WHERE ID = CONNECTION_ID()'), id($a),
	'information_schema.PROCESSLIST WHERE ID = CONNECTION_ID(): the own'
	. ' row, with the id of the handshake');
is($ps->selectrow_array('SELECT COUNT(*) FROM information_schema.PROCESSLIST'
	. ' WHERE ID = ?', undef, id($ps)), 0,
	'  (prepared statements read the server\'s ids)');

# A Python client learns its id, another connection kills its query.
my $py = $t->python_bg(<<'EOF');
import os, sys, time, pymysql
e = os.environ
c = pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
    user=e['OBP_USER'], password=e['OBP_PASSWORD'], database='test',
    autocommit=True, read_timeout=30)
cur = c.cursor()
cur.execute('SELECT CONNECTION_ID()')
with open(sys.argv[1], 'w') as f:
    f.write('%d\n' % cur.fetchone()[0])
t0 = time.time()
try:
    cur.execute('SELECT SLEEP(20)')
    print('finished', cur.fetchone()[0])
except pymysql.err.MySQLError as x:
    print('error', x.args[0], 'after %.0f s' % (time.time() - t0))
EOF
my $pyid;
$t->waitfor(sub { ($pyid) = ($t->read_file($py->{file}) // '')
	=~ /^(\d+)$/m }, 10);
select(undef, undef, undef, 0.5);
ok($pyid && $a->do("KILL QUERY $pyid"), 'KILL QUERY with the id PyMySQL'
	. ' read from CONNECTION_ID()') or diag($a->errstr);
like($t->python_wait($py), qr/^error 1317 after [0-4] s/,
	'  its SLEEP ends with 1317');

# MySQLdb (libmariadb underneath): thread_id() and CONNECTION_ID() agree,
# and KILL QUERY with that id ends another connection's statement.
SKIP: {
	skip 'no python3 module MySQLdb', 1 unless $t->python_module('MySQLdb');
	my ($rc, $out) = $t->python(<<'EOF');
import os, threading, time, MySQLdb
e = os.environ
def conn():
    return MySQLdb.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
        user=e['OBP_USER'], passwd=e['OBP_PASSWORD'], db='test')
a, b = conn(), conn()
cur = b.cursor()
cur.execute('SELECT CONNECTION_ID()')
same = cur.fetchone()[0] == b.thread_id()
def killer():
    time.sleep(0.5)
    a.cursor().execute('KILL QUERY %d' % b.thread_id())
threading.Thread(target=killer).start()
try:
    cur.execute('SELECT SLEEP(10)')
    print(same, 'finished', cur.fetchone()[0])
except MySQLdb.MySQLError as x:
    print(same, 'error', x.args[0])
EOF
	is("$rc $out", "0 True error 1317\n", 'MySQLdb: thread_id() is'
		. ' CONNECTION_ID(), and KILL QUERY with it ends a statement');
}

# Comments where the server allows them.
for my $sql ('/* x */ KILL %d', 'KILL/**/%d', "KILL -- c\n CONNECTION %d") {
	my $victim = $t->dbh();
	(my $name = $sql) =~ s/\n/\\n/;
	ok($a->do(sprintf($sql, id($victim))) && gone($victim),
		"'$name' kills the session") or diag($a->errstr);
}

# A KILL inside a multi-statement query, as pooled Node.js clients send
# it: the proxy kills, the server runs the rest.
my ($rc, $out) = $t->python(<<'EOF', args => [ id($t->dbh()) ]);
import os, sys, pymysql
from pymysql.constants import CLIENT
e = os.environ
c = pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
    user=e['OBP_USER'], password=e['OBP_PASSWORD'], database='test',
    client_flag=CLIENT.MULTI_STATEMENTS)
cur = c.cursor()
cur.execute('SELECT CONNECTION_ID()')
me = cur.fetchone()[0]
cur.execute('KILL %s; SELECT SLEEP(0.05), 42' % sys.argv[1])
cur.nextset()
print(cur.fetchone()[1])
try:
    cur.execute('SELECT 1; KILL 1999999')
    cur.nextset()
    print('no error')
except pymysql.err.MySQLError as x:
    print(x.args[0])
EOF
is("$rc $out", "0 42\n1094\n", 'KILL id; SELECT ...: the second result'
	. ' comes, an unknown id later in a query gets 1094');
is($t->log() =~ /KILL CONNECTION \d+ \(server/ ? 'logged' : 'not',
	'logged', '  the KILL was the proxy\'s');

# Prepared: KILL ? and KILL <id>.
for my $form ('KILL ?', 'KILL %d') {
	my $victim = $t->dbh();
	my $sql = $form =~ /%d/ ? sprintf($form, id($victim)) : $form;
	my $sth = $ps->prepare($sql);
	ok($sth && $sth->execute($form =~ /\?/ ? (id($victim)) : ())
		&& gone($victim), "prepared '$form' kills the session")
		or diag($ps->errstr);
}
ok(!$ps->do('KILL ?', undef, 1999999) && $ps->err == 1094,
	'prepared KILL ? of an unknown id: 1094') or diag($ps->errstr);
