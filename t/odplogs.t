#!/usr/bin/perl

# Tests for ODP's request logs (README, Logs), each line against what the
# test did: obproxy_error.log gets one line per statement the server
# refused (1146, 1064) with its code, message, session id and server, and
# one per refused login; obproxy_digest.log and obproxy_slow.log get the
# statements that took query_digest_time_threshold and
# slow_query_time_threshold with plausible times, and obproxy_slow.log a
# transaction that took slow_transaction_time_threshold; fast statements
# write nothing; obproxy_stat.log counts every statement per schema,
# type and outcome, once per monitor_stat_dump_interval.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(26)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
monitor_stat_dump_interval: 1s
EOF

my $direct = $t->direct_dbh() or die "direct: " . $t->dbi_error() . "\n";
$direct->do('CREATE DATABASE oblogs');
$direct->do('CREATE TABLE oblogs.t (id INT PRIMARY KEY)');
my $server = '127.0.0.1:' . $t->server_port(1);

my $dbh = $t->dbh(database => 'oblogs') or die $t->dbi_error() . "\n";
my $sid = sprintf '%X', $dbh->{mariadb_thread_id};

# Statements the server refuses: 5 x 1146, 3 x 1064; 20 that succeed.
my %want = (1146 => 5, 1064 => 3);
$dbh->do('SELECT * FROM nosuch_table') for 1 .. $want{1146};
$dbh->do('SELEC 1') for 1 .. $want{1064};
$dbh->selectrow_array('SELECT id FROM t WHERE id = 1') for 1 .. 20;
# Two slow ones (slow and digest), one for the digest only.
$dbh->selectrow_array('SELECT SLEEP(0.6)') for 1 .. 2;
$dbh->selectrow_array('SELECT SLEEP(0.2)');
# A slow transaction of fast statements.
$dbh->do('BEGIN');
$dbh->do('INSERT INTO t VALUES (7)');
sleep(1.1);
$dbh->do('COMMIT');
# A refused login.
ok(!$t->dbh(password => 'wrong-pw'), 'a wrong password is refused');

# The stat lines of the statements above, once a dump followed them.
my $stat_lines = sub {
	grep { /,[^,:]*:[^,:]*:oblogs,/ } split /\n/, $t->odp_log('stat') };
my $count = sub {
	my ($type, $res) = @_;
	my $n = 0;
	for ($stat_lines->()) {
		my @f = split /,/;
		$n += $f[8] if $f[5] eq $type && $f[6] eq $res;
	}
	return $n;
};
$t->waitfor(sub { $count->('SELECT', 'success') >= 23 }, 10);
# Lines reach the files from a writer thread, a moment after the client
# got its answer: the refused login's line is the last one written.
$t->waitfor(sub { $t->odp_log('error') =~ /,OB_MYSQL_COM_LOGIN,/ }, 10);

my @err = split /\n/, $t->odp_log('error');
my $mon = qr/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6},/;
is(scalar(grep { !/$mon/ } @err), 0, 'error log: every line starts with the time');
for my $code (sort keys %want) {
	my @l = grep { (split /,/)[12] eq $code } @err;
	is(scalar @l, $want{$code}, "error log: $want{$code} lines of $code");
	is(scalar(grep { /,Y$sid-[0-9A-F]{16},/ } @l), $want{$code},
		"  each with the session id ($code)");
	is(scalar(grep { /,\Q$server\E,[^,]*,$/ } @l), $want{$code},
		"  and the server ($code)");
}
my ($e1146) = grep { (split /,/)[12] eq '1146' } @err;
my @f = split /,/, $e1146 // '';
is(scalar @f, 25, 'error line: ODP\'s 24 fields and the message')
	or diag($e1146);
is(join(',', @f[6, 9, 10, 11, 13]),
	'MYSQL,OB_MYSQL_COM_QUERY,SELECT,failed,SELECT * FROM nosuch_table',
	'  db type, command, type, result, statement');
like($f[5] // '', qr/^[^:]*:[^:]*:oblogs$/, '  cluster:tenant:schema');
like($f[24] // '', qr/nosuch_table.* doesn't exist/, '  the server\'s message');
my @login = grep { /,OB_MYSQL_COM_LOGIN,,failed,1045,/ } @err;
is(scalar @login, 1, 'error log: one line for the refused login');
is(scalar @err, 1 + 8, 'error log: nothing else');

# Slow and digest lines: the two SLEEP(0.6), the SLEEP(0.2) in the
# digest only, the transaction in the slow log.
my @slow = split /\n/, $t->odp_log('slow');
my @digest = split /\n/, $t->odp_log('digest');
my @s6 = grep { /,SELECT SLEEP\(0\.6\),/ } @slow;
is(scalar @s6, 2, 'slow log: the two SLEEP(0.6)');
my @d = grep { /,SELECT SLEEP\(0\.[26]\),/ } @digest;
is(scalar @d, 3, 'digest log: the two SLEEP(0.6) and the SLEEP(0.2)');
my @trx = grep { /,OB_MYSQL_COM_QUERY,COMMIT,success,0,COMMIT,/ } @slow;
is(scalar @trx, 1, 'slow log: the slow transaction, at its COMMIT');
is(scalar @slow, 3, 'slow log: nothing else');
is(scalar @digest, 3, 'digest log: nothing else');
my @times = map { [ /,(\d+)us,(\d+)us,0us,(\d+)us,/ ] } @s6;
is(scalar(grep { $_->[0] >= 600000 && $_->[0] < 3000000 } @times), 2,
	'  total time between 0.6 and 3 s');
is(scalar(grep { $_->[2] >= 590000 && $_->[2] <= $_->[0]
	&& $_->[1] + $_->[2] <= $_->[0] } @times), 2,
	'  the server\'s share most of it, prepare + server <= total');
my ($tt) = ($trx[0] // '') =~ /,(\d+)us,\d+us,0us,/;
ok(($tt // 0) >= 1100000 && $tt < 5000000, 'transaction time >= 1.1 s')
	or diag($trx[0]);

# Stats: every statement counted once.
is($count->('SELECT', 'success'), 23, 'stat: 23 SELECTs succeeded');
is($count->('SELECT', 'failed'), 5, 'stat: 5 SELECTs failed');
is($count->('OTHERS', 'failed'), 3, 'stat: 3 unparsable ones failed');
my @slots = map { (split /,/)[11] } grep { (split /,/)[5] eq 'SELECT'
	&& (split /,/)[6] eq 'success' } $stat_lines->();
my $high = 0;
$high += $_ for @slots;
is($high, 2, 'stat: two of them above monitor_stat_high_threshold');

$t->stop();
