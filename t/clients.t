#!/usr/bin/perl

# Tests for other clients through the proxy: Python's PyMySQL and MySQLdb
# (connect, a query, a parameterized query, commit and rollback on InnoDB,
# executemany), and a short sysbench oltp_read_write run with its server
# side prepared statements, which must end without errors or reconnects.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->can_direct()->plan(13)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

# The same script for both modules; it prints one line per step.
my $script = <<'EOF';
import os, sys
mod = sys.argv[1]
env = os.environ
if mod == 'pymysql':
    import pymysql as db
    c = db.connect(host=env['OBP_HOST'], port=int(env['OBP_PORT']),
        user=env['OBP_USER'], password=env['OBP_PASSWORD'],
        database=env['OBP_DB'], connect_timeout=10, read_timeout=60)
else:
    import MySQLdb as db
    c = db.connect(host=env['OBP_HOST'], port=int(env['OBP_PORT']),
        user=env['OBP_USER'], passwd=env['OBP_PASSWORD'],
        db=env['OBP_DB'], connect_timeout=10)
cur = c.cursor()
cur.execute('SELECT 1 + 1')
print('query', cur.fetchone()[0])
cur.execute('SELECT %s, %s', (41, "it's"))
print('params', *cur.fetchone())
table = 'py_' + mod
cur.execute('CREATE TABLE %s (id INT PRIMARY KEY, v VARCHAR(20))'
    ' ENGINE=InnoDB' % table)
c.autocommit(False)
cur.execute('INSERT INTO ' + table + ' VALUES (1, %s)', ('kept',))
c.commit()
cur.execute('INSERT INTO ' + table + ' VALUES (2, %s)', ('gone',))
c.rollback()
cur.execute('SELECT id, v FROM ' + table + ' ORDER BY id')
print('transactions', ' '.join('%s=%s' % r for r in cur.fetchall()))
cur.executemany('INSERT INTO ' + table + ' VALUES (%s, %s)',
    [(i, 'row %d' % i) for i in range(10, 110)])
c.commit()
cur.execute('SELECT COUNT(*), SUM(id) FROM ' + table)
print('executemany', *cur.fetchone())
c.close()
EOF

for my $mod (qw/pymysql MySQLdb/) {
	SKIP: {
		skip "no python3 module $mod", 5 unless $t->python_module($mod);
		my ($rc, $out) = $t->python($script, args => [ $mod ]);
		my %got = map { /^(\w+) (.*)$/ ? ($1 => $2) : () }
			split /\n/, $out;
		is($got{query}, 2, "$mod: a query") or diag("$rc $out");
		is($got{params}, "41 it's", "$mod: a parameterized query");
		is($got{transactions}, '1=kept', "$mod: commit and rollback");
		is($got{executemany}, '101 5951', "$mod: executemany");

		# What committed is there for a client of the server itself.
		is($t->mariadb("SELECT COUNT(*) FROM py_$mod",
			port => $t->server_port(1)), "101\n",
			"$mod: committed rows on the server");
	}
}

# sysbench: server-side prepared statements, transactions, 4 threads.
# Uniform keys: with the default hot spot, 4 threads on 2,000 rows
# deadlock a few times even against the server itself.

SKIP: {
	skip 'no sysbench', 3 unless Test::OBProxy::_find_program('sysbench');
	my @sb = ('sysbench', 'oltp_read_write', '--db-driver=mysql',
		'--mysql-host=127.0.0.1', '--mysql-port=' . $t->client_port(),
		'--mysql-user=' . $t->user(), '--mysql-password='
		. $t->password(), '--mysql-db=test', '--tables=2',
		'--table-size=1000', '--rand-type=uniform');
	my ($rc, $out) = $t->run_cmd([ @sb, 'prepare' ], timeout => 120);
	is($rc, 0, 'sysbench prepare') or diag($out);
	($rc, $out) = $t->run_cmd([ @sb, '--time=5', '--threads=4', 'run' ],
		timeout => 120);
	my %n = map { $out =~ /^\s*$_:\s+(\d+)/m ? ($_ => $1) : ($_ => '?') }
		'transactions', 'ignored errors', 'reconnects';
	like("$rc $n{transactions}", qr/^0 [1-9]/, 'sysbench run: transactions')
		or diag($out);
	is("$n{'ignored errors'} $n{reconnects}", '0 0',
		'sysbench run: 0 errors, 0 reconnects') or diag($out);
}
