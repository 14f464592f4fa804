#!/usr/bin/perl

# Read-your-writes by GTID: a MariaDB primary with two replicas (real GTID
# replication), the monitor reading each server's gtid_current_pos every
# 250 ms.  Replica 3 applies with MASTER_DELAY.  With enable_causal_read
# (read_after_write_window 0) the writing session's reads never reach
# replica 3 before it has applied the write, and always see the write;
# replica 2, caught up, serves them; another session still reads from
# replica 3; once replica 3 has applied the write the writer reads from it
# again.  With a long read_after_write_window instead, replica 3 serves
# the writer again as soon as it has applied the write, long before the
# window ends.  ob_max_read_stale_time set for the tenant alone (a
# proxy_config row) keeps a replica of unknown lag from its reads.  A
# session whose server reports its write's GTID (session_track_system_
# variables = last_gtid) is served by a replica that has applied that
# write, though the primary has moved on since.
# Counted on each server's own counters (userstat).

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(15)->run_replication(2);

my $PERIOD = 0.25;      # server_detect_refresh_interval, s
my $DELAY = 4;          # replica 3's MASTER_DELAY, s

for my $n (1 .. 3) {
	defined $t->root_query($n, 'SET sql_log_bin = 0;'
		. ' GRANT SLAVE MONITOR ON *.* TO proxyro')
		or BAIL_OUT("server $n: GRANT SLAVE MONITOR failed");
}

my ($s1, $s2, $s3) = map { $t->server($_) } 1 .. 3;

sub conf {
	my ($extra) = @_;
	return <<"EOF";
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 1
enable_read_write_split: true
server_detect_mode: 2
server_detect_refresh_interval: 250ms
$extra
servers:
  db1: {address: $s1, role: primary}
  db2: {address: $s2, role: replica}
  db3: {address: $s3, role: replica}
EOF
}

$t->write_file_expand('obproxy.yaml',
	conf("read_after_write_window: 0\nenable_causal_read: true"))->run();

sub selects { [ map { $t->user_selects($_) } 1 .. 3 ] }

sub delta {
	my ($a, $b) = @_;
	return [ map { $b->[$_] - $a->[$_] } 0 .. 2 ];
}

my $writer = $t->dbh() or BAIL_OUT('login: ' . ($t->dbi_error() // '?'));
$writer->do('CREATE TABLE a (id INT AUTO_INCREMENT PRIMARY KEY, v INT)')
	or BAIL_OUT('create: ' . $writer->errstr);
$t->sync_replicas();
$t->root_query(3, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = '
	. "$DELAY; START SLAVE") // BAIL_OUT('MASTER_DELAY');
sleep 3 * $PERIOD;

# The writer's reads for <secs> seconds (at most 400): how many missed
# the row <v>, how many were made, and where they ran.
sub writer_reads {
	my ($v, $secs) = @_;
	my ($missed, $n, $a) = (0, 0, selects());
	my $t0 = time;
	while (time - $t0 < $secs && $n < 400) {
		my ($c) = $writer->selectrow_array(
			'SELECT COUNT(*) FROM a WHERE v = ?', undef, $v);
		$missed++ unless defined $c && $c == 1;
		$n++;
		sleep 0.02;
	}
	return ($missed, $n, delta($a, selects()));
}

# Waits (at most DELAY + 10 s) until server 3 has applied the row <v>.
sub applied_on_3 {
	my ($v) = @_;
	for (1 .. ($DELAY + 10) * 10) {
		return 1 if ($t->root_query(3,
			"SELECT COUNT(*) FROM test.a WHERE v = $v") // 0) == 1;
		sleep 0.1;
	}
	return 0;
}

# enable_causal_read: the delayed replica is not read before it applied.
my $t0 = time;
$writer->do('INSERT INTO a (v) VALUES (1)') or die $writer->errstr;
my ($missed, $n, $d) = writer_reads(1, 2);
ok(time - $t0 < $DELAY - 0.5, sprintf('the reads ran before the delayed '
	. 'replica could apply (%.1f s)', time - $t0));
is($missed, 0, "the writer's $n reads all saw its write");
is($d->[2], 0, '... none on the delayed replica') or diag("@$d");
ok($d->[1] > 0, '... the caught-up replica served some') or diag("@$d");

my $other = $t->dbh();
my $a = selects();
$other->selectrow_array('SELECT COUNT(*) FROM a') for 1 .. 20;
ok(delta($a, selects())->[2] > 0, 'another session reads from the delayed '
	. 'replica meanwhile');

ok(applied_on_3(1), 'the delayed replica applies the write');
sleep 3 * $PERIOD;
($missed, $n, $d) = writer_reads(1, 0.5);
ok($d->[2] > 0 && $missed == 0, '... and then serves the writer again')
	or diag("@$d missed $missed");

# read_after_write_window 60 s without enable_causal_read: the GTIDs end
# the window early for each replica that has applied the write.
$t->write_file_expand('obproxy.yaml', conf('read_after_write_window: 60s'));
ok($t->reload(undef, 1), 'read_after_write_window 60 s by a reload');
$writer = $t->dbh();
$writer->do('INSERT INTO a (v) VALUES (2)') or die $writer->errstr;
($missed, $n, $d) = writer_reads(2, 1.5);
ok($missed == 0 && $d->[2] == 0 && $d->[1] > 0, 'window: the delayed '
	. 'replica not read before it applied') or diag("@$d missed $missed");
applied_on_3(2);
sleep 3 * $PERIOD;
($missed, $n, $d) = writer_reads(2, 0.5);
ok($d->[2] > 0 && $missed == 0, '... and read once it has, inside the '
	. 'window') or diag("@$d missed $missed");

# ob_max_read_stale_time per tenant: replica 3's IO thread stopped, its
# lag is unknown; no limit (the parameter) reads it, the tenant's row of
# 10 s does not, and deleting the row brings it back.
$t->root_query(3, 'STOP SLAVE IO_THREAD') // die 'STOP SLAVE IO_THREAD';
sleep 3 * $PERIOD;
sub reads_on_3 {
	my $dbh = $t->dbh() or return -1;
	my $a = selects();
	$dbh->selectrow_array('SELECT COUNT(*) FROM a') for 1 .. 30;
	return delta($a, selects())->[2];
}
sub level {
	my ($rc, $out) = $t->ctl('config', 'level', @_);
	diag("config level @_: $out") if $rc;
	return $rc;
}
ok(reads_on_3() > 0, 'lag unknown, no limit: the replica reads');
level('set', 'proxy_config', '', 'sys', 'ob_max_read_stale_time', '10000000');
is(reads_on_3(), 0, "the tenant's ob_max_read_stale_time: it does not");
level('delete', 'proxy_config', '', 'sys', 'ob_max_read_stale_time');
ok(reads_on_3() > 0, 'the row deleted: it reads again');

# The session's own GTID, reported by the server: replica 2 applies the
# writer's row, then holds back (MASTER_DELAY) the primary's next one;
# it serves the writer all the same, inside the 60 s window.
$writer = $t->dbh();
$writer->do("SET session_track_system_variables = 'last_gtid'")
	or die $writer->errstr;
$writer->do('INSERT INTO a (v) VALUES (3)') or die $writer->errstr;
my $pos = $t->root_query(1, 'SELECT @@gtid_binlog_pos');
is($t->root_query(2, "SELECT MASTER_GTID_WAIT('$pos', 10)"), '0',
	"replica 2 applies the writer's row");
$t->root_query(2, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 60;'
	. ' START SLAVE') // die 'MASTER_DELAY on 2';
$t->root_query(1, 'INSERT INTO test.a (v) VALUES (4)') // die 'insert on 1';
sleep 3 * $PERIOD;
($missed, $n, $d) = writer_reads(3, 0.5);
ok($d->[1] > 0 && $missed == 0, "its own GTID: the replica that applied "
	. "the write serves it, the primary's later writes not applied")
	or diag("@$d missed $missed");
