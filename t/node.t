#!/usr/bin/perl

# Tests with the Node.js driver mysql2 (from the npm registry, installed
# by contrib/run-tests.sh into _build/node): through the proxy it sees
# what it sees from the server itself: the server's version, JSON columns
# parsed (MariaDB's extended metadata, text and prepared), CONNECTION_ID()
# equal to the handshake's id, and a pooled client's
# "KILL <id>; SELECT ..." that kills another connection.

use warnings;
use strict;

use Test::More;
use Cwd qw/abs_path/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $modules = abs_path($ENV{OBP_NODE_MODULES}
	// '../_build/node/node_modules');
my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db node/);
plan(skip_all => 'mysql2 is not installed (sh contrib/run-tests.sh installs'
	. ' it from the npm registry)') unless $modules && -d "$modules/mysql2";
$t->plan(6)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

my $script = <<'EOF';
const mysql = require('mysql2/promise');
const [port, user, password] = process.argv.slice(2);
const opts = { host: '127.0.0.1', port: +port, user, password,
               database: 'test', multipleStatements: true };
(async () => {
  const c = await mysql.createConnection(opts);
  const victim = await mysql.createConnection(opts);
  const out = {};
  out.version = c.connection._handshakePacket.serverVersion;
  const [q] = await c.query("SELECT JSON_OBJECT('a', 1) AS j");
  out.query_json = typeof q[0].j + ' ' + JSON.stringify(q[0].j);
  const [e] = await c.execute("SELECT JSON_OBJECT('b', ?) AS j", [2]);
  out.execute_json = typeof e[0].j + ' ' + JSON.stringify(e[0].j);
  const [id] = await c.query('SELECT CONNECTION_ID() AS id');
  out.connection_id = id[0].id === c.threadId ? 'handshake' : 'other';
  const [r] = await c.query(`KILL ${victim.threadId}; SELECT SLEEP(0.05) AS s`);
  out.kill_results = r.length + ' ' + JSON.stringify(r[1]);
  await new Promise((done) => setTimeout(done, 500));
  try {
    await victim.query('SELECT 1');
    out.victim = 'alive';
  } catch (err) {
    out.victim = 'gone';
  }
  console.log(JSON.stringify(out));
  await c.end();
  process.exit(0);
})().catch((err) => { console.log('error ' + err.message); process.exit(1); });
EOF
$t->write_file('driver.js', $script);

sub run_node {
	my ($port) = @_;
	my ($rc, $out) = $t->run_cmd([ 'node', $t->testdir() . '/driver.js',
		$port, $t->user(), $t->password() ], timeout => 60,
		env => { NODE_PATH => $modules });
	return $rc ? {} : (eval { require JSON::PP;
		JSON::PP::decode_json($out) } // {});
}

my $direct = run_node($t->server_port(1));
my $proxy = run_node($t->port(2883));
is($proxy->{version}, $direct->{version} // 'direct failed',
	'mysql2 sees the server\'s version');
is($proxy->{query_json}, 'object {"a":1}', 'a JSON column is parsed'
	. ' (query), as directly') or diag("direct: $direct->{query_json}");
is($proxy->{execute_json}, 'object {"b":2}', '  and by execute');
is($proxy->{connection_id}, 'handshake',
	'CONNECTION_ID() is the connection\'s threadId');
is($proxy->{kill_results}, '2 [{"s":0}]',
	'"KILL <id>; SELECT SLEEP(0.05)": both results');
is($proxy->{victim}, 'gone', '  and the other connection is killed');
