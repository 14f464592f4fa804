#!/usr/bin/perl

# Tests for the worker's server session pool: sequential clients of one
# kind reuse one server session, nothing of a client's state reaches the
# next one, a client that leaves inside a transaction is rolled back and
# its session closed, another database or user gets another session,
# server_session_pool_size=0 turns pooling off, a parked session killed
# on the server is dropped, and server_session_idle_timeout closes idle
# ones.  One worker, so every client meets the same pool.  A server
# session is known by @@pseudo_thread_id, the server's own thread id
# (CONNECTION_ID() is the proxy's connection id).

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(14)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
syslog_level: DEBUG
EOF
my $direct = $t->direct_dbh() or BAIL_OUT('no direct connection: '
	. $t->dbi_error());
$direct->do("CREATE USER 'obtest2'\@'%' IDENTIFIED BY 'obtest2-pw'");
$direct->do("GRANT ALL PRIVILEGES ON *.* TO 'obtest2'\@'%'");
$direct->do('CREATE TABLE test.tx (a INT) ENGINE=InnoDB');

# A client's server thread id; the client quits (COM_QUIT) after <sql>.
sub client {
	my (%o) = @_;
	my $sql = delete $o{sql};
	my $dbh = $t->dbh(%o) or return 'login failed: ' . $t->dbi_error();
	my $id = $dbh->selectrow_array('SELECT @@pseudo_thread_id');
	$dbh->do($_) for @{$sql // []};
	$dbh->disconnect();
	select(undef, undef, undef, 0.2);   # the reset's round trip
	return $id;
}

# Server threads of the test accounts, the direct connection aside.
sub threads { $t->server_threads($direct, 'obtest%') }

sub alive {
	my ($id) = @_;
	return $direct->selectrow_array('SELECT COUNT(*) FROM '
		. "information_schema.PROCESSLIST WHERE ID = $id") ? 1 : 0;
}

# Ten sequential clients, one server session.

my @ids = map { client() } 1 .. 10;
my %seen = map { $_ => 1 } @ids;
is(scalar(keys %seen), 1, 'ten sequential clients: one server session')
	or diag("@ids");
is(threads(), 1, 'one server thread left: the parked one');
my $id = $ids[-1];

# No state passes from one client to the next.

my $dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT @@pseudo_thread_id'), $id,
	'the next client takes the parked session');
my $cs = $dbh && $dbh->selectrow_array('SELECT @@character_set_client');
$dbh->do($_) for 'SET @leak = 42', 'CREATE TEMPORARY TABLE tmpleak (a INT)',
	'SET SESSION sql_mode = "ANSI"';
$dbh->disconnect();
select(undef, undef, undef, 0.2);
$dbh = $t->dbh();
my $same = $dbh
	&& $dbh->selectrow_array('SELECT @@pseudo_thread_id') == $id;
is($dbh && join(',', map { $_ // 'NULL' } $dbh->selectrow_array(
	'SELECT @@pseudo_thread_id, @leak, @@character_set_client')),
	"$id,NULL,$cs", 'same session: user variable gone, charset kept');
ok($same && !$dbh->do('SELECT * FROM tmpleak'),
	'same session: temporary table gone');
ok($same && $dbh->selectrow_array('SELECT @@SESSION.sql_mode = '
	. '@@GLOBAL.sql_mode'), 'same session: session variable reset');
$dbh->disconnect();
select(undef, undef, undef, 0.2);

# A client that leaves inside a transaction.

# The raw client asks for other capabilities: its own kind of session.
sub raw_id {
	my ($r) = @_;
	return $r && ($r->query('SELECT @@pseudo_thread_id') // {})->{rows}[0][0];
}
my $r = $t->raw_login() or diag($@);
my $rid = raw_id($r);
$r->command(0x01) if $r;
select(undef, undef, undef, 0.2);
$r = $t->raw_login() or diag($@);
my $reused = raw_id($r);
is($reused, $rid, 'raw client on its parked session');
$r->query($_) for 'BEGIN', 'INSERT INTO tx VALUES (1)';
$r->close();
ok($reused && $reused == $rid && $t->waitfor(sub { !alive($rid) }, 5),
	'left inside a transaction: its server session is closed');
$r = $t->raw_login() or diag($@);
my $next = raw_id($r);
is($direct->selectrow_array('SELECT COUNT(*) FROM test.tx') . " "
	. ($next ne $rid && ($reused // '') eq $rid ? 'new' : 'not pooled'),
	'0 new',
	'no row committed; the next client has a new session');
$r->command(0x01) if $r;
select(undef, undef, undef, 0.2);
is(client(), $id, 'the other kind\'s session is still parked');
$next = $id;

# Another database, another user.

my $other = client(database => 'mysql');
my $user2 = client(user => 'obtest2', password => 'obtest2-pw');
my $again = client(database => 'mysql') . ' ' . client(user => 'obtest2',
	password => 'obtest2-pw') . ' ' . client();
ok($other ne $next && $user2 ne $next && $user2 ne $other
	&& $again eq "$other $user2 $next", 'another database, another '
	. 'user: other server sessions, each kind takes its own again')
	or diag("$next $other $user2 / $again");

# A parked session killed on the server.

$direct->do("KILL $next");
my $drop = qr/pooled server session on \S+ dropped \((?:server closed|unexpected)/;
my $after = $t->waitfor(sub { $t->log() =~ $drop }, 5) && client();
ok($after && $after =~ /^\d+$/ && $after ne $next,
	'killed on the server: dropped, and the next client logs in');

# Pooling off, and the idle timeout.

$t->stop();
$t->run('-o', 'server_session_pool_size=0');
my ($a, $b) = (client(), client());
isnt($a, $b, 'server_session_pool_size=0: no reuse');
$t->stop();
$t->run('-o', 'server_session_idle_timeout=1s');
$a = client();
ok(alive($a) && $t->waitfor(sub { !alive($a) }, 5),
	'server_session_idle_timeout=1s: the parked session is closed');
$t->stop();
