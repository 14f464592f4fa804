#!/usr/bin/perl

# Tests for handing idle client sessions to the next generation of a hot
# upgrade: a DBD::MariaDB connection opened before the upgrade, with
# variables and prepared statements, runs on the new generation after it
# without reconnecting, its state intact; sysbench oltp_read_write (which
# never reconnects and stops at the first lost connection) and a client
# that connects, queries and quits in a loop run through ten upgrades
# with no error and no lost row; the route cache stays
# warm; a session inside a transaction goes over once it has ended.

use warnings;
use strict;

use Test::More;
use POSIX ();
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB sysbench/)->plan(17)->run_mariadb(1);
my $s1 = $t->server(1);
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
hot_upgrade_exit_timeout: 10s
zones: {z1: ~}
servers:
  s1: {address: "$s1", zone: z1}
tenants:
  sb:
    replicas: [s1 leader]
    databases:
      test:
        sbtest1: ~
        sbtest2: ~
EOF
my $u = $t->user() . '@sb';

# One upgrade, committed, followed to its end: true when it went.
sub upgrade {
	my $old = $t->pid();
	my ($rc, $out) = $t->ctl('upgrade');
	my ($rc2) = $t->ctl('commit');
	my $new = $t->follow_upgrade(20);
	diag("upgrade: $rc $out") unless $rc == 0 && $new;
	return $rc == 0 && $rc2 == 0 && $new && $new != $old;
}

sub counter { $t->status()->{$_[0]} // 0 }

# --- an idle connection survives, with its state ---------------------------
$t->direct_dbh()->do('CREATE TABLE test.kept (id INT)');
my $dbh = $t->dbh(user => $u) or die $t->dbi_error();
$dbh->do("SET \@tag = 'before', SESSION sql_mode = 'ANSI_QUOTES'");
my $sth = $dbh->prepare('SELECT ? * 2, @tag, @@sql_mode',
	{ mariadb_server_prepare => 1 });
$sth->execute(21);
my $id = $dbh->{mariadb_thread_id};
my $first = join ',', $sth->fetchrow_array();
ok(upgrade(), 'an upgrade while the connection idles');
$sth->execute(50);
is(join(',', $sth->fetchrow_array()), '100,before,ANSI_QUOTES',
	'after it: the prepared statement, the user and the system variable');
is($dbh->{mariadb_thread_id}, $id, 'the same connection (no reconnect)');
like($t->log(), qr/handed to the next generation \(pid \d+\)/,
	'log: handed by the old generation');
like($t->log(), qr/taken from the generation before/,
	'log: taken by the new one');
is(counter('handoff_in'), 1, 'status: one session taken over');
$dbh->do("SET \@tag = 'after'");
ok(upgrade(), 'a second upgrade');
$sth->execute(1);
is(join(',', $sth->fetchrow_array()), '2,after,ANSI_QUOTES',
	'and again, with the state changed in between');

# --- a session inside a transaction goes at its end ----------------------
$dbh->begin_work();
$dbh->do("INSERT INTO test.kept VALUES (1)");
my $before = counter('handoff_in');
$t->ctl('upgrade');
$t->ctl('commit');
sleep 0.5;
ok($dbh->commit(), 'a transaction open across the upgrade commits on its '
	. 'server');
ok($t->follow_upgrade(20), 'the old generation ends once it has');
is(join(',', counter('handoff_in') - $before,
	$dbh->selectrow_array('SELECT COUNT(*) FROM test.kept')), '1,1',
	'the session went over after its commit, its row is there');

# --- sysbench through ten upgrades --------------------------------------
my @sb = ('sysbench', 'oltp_read_write', '--db-driver=mysql',
	'--mysql-host=127.0.0.1', '--mysql-port=' . $t->client_port(),
	"--mysql-user=$u", '--mysql-password=' . $t->password(),
	'--mysql-db=test', '--tables=2', '--table-size=1000',
	'--rand-type=uniform');
my ($rc, $out) = $t->run_cmd([ @sb, 'prepare' ], timeout => 120);
is($rc, 0, 'sysbench prepare') or diag($out);
my $hit0 = counter('route_lookup_hit');
my $miss0 = counter('route_lookup_miss');
my $log = $t->testdir() . '/sysbench.out';
my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
	open STDOUT, '>', $log or die;
	open STDERR, '>&', \*STDOUT or die;
	exec('timeout', '120', @sb, '--time=14', '--threads=4',
		'--report-interval=0', 'run') or die;
}
# and a client that connects, queries and quits, over and over
my $loop = fork() // die "fork: $!\n";
if ($loop == 0) {
	my ($good, $bad) = (0, 0);
	my $end = time() + 13;
	while (time() < $end) {
		my $c = $t->dbh(user => $u);
		if ($c && ($c->selectrow_array('SELECT 42') // 0) == 42) {
			$good++;
		} else {
			$bad++;
		}
		$c->disconnect() if $c;
	}
	$t->write_file('loop.out', "$good $bad\n");
	POSIX::_exit(0);
}
sleep 1.5;
my $ok = 0;
for (1 .. 10) {
	$ok++ if upgrade();
	sleep 0.3;
}
waitpid($loop, 0);
my ($good, $bad) = split ' ', $t->read_file('loop.out') // '0 -1';
ok($good > 50 && $bad == 0, "connect loop: $good connections, $bad failed");
waitpid($pid, 0);
$rc = $? >> 8;
$out = $t->read_file('sysbench.out') // '';
my %n = map { $out =~ /^\s*$_:\s+(\d+)/m ? ($_ => $1) : ($_ => '?') }
	'transactions', 'ignored errors', 'reconnects';
is($ok, 10, 'ten upgrades under load');
is("$rc $n{'ignored errors'} $n{reconnects}", '0 0 0',
	"sysbench ran through them: exit 0, no error, no reconnect "
	. "($n{transactions} transactions)") or diag($out);
my $rows = $t->direct_dbh()->selectrow_array('SELECT (SELECT COUNT(*) FROM '
	. 'test.sbtest1) + (SELECT COUNT(*) FROM test.sbtest2)');
is($rows, 2000, 'no committed row lost (each transaction deletes and '
	. 'inserts one)');
my $hit = counter('route_lookup_hit') - $hit0;
my $miss = counter('route_lookup_miss') - $miss0;
ok($hit > 100 && $miss == 0, "the route cache stayed warm: $hit hits, "
	. "$miss misses");
