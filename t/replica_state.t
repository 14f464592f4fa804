#!/usr/bin/perl

# Tests for the replica state the monitor reads: a real MariaDB primary
# (binary log, server_id 1) and its replica (GTID replication set up
# here); every server_detect_refresh_interval the monitor logs in as the
# service account and reads read_only and SHOW SLAVE STATUS, and
# obproxyctl status shows them: the primary without a replica part, the
# replica with its IO and SQL threads and its lag; read_only 1 shows, a
# stopped SQL thread shows (lag unknown), a delayed replica shows its lag,
# and without the SLAVE MONITOR privilege the replica state is unknown.

use warnings;
use strict;

use HTTP::Tiny;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(13);

# Runs <sql> on server <n> directly (as the test's account).
sub on {
	my ($n, $sql) = @_;
	my ($out, $rc) = $t->mariadb($sql, port => $t->server_port($n),
		database => undef);
	die "server $n: $sql: $out" if $rc;
	return $out;
}

# Server <n> replicates server <primary> from its current position (the
# accounts both made on their own are not replayed).
sub start_replica_of {
	my ($n, $primary) = @_;
	on($primary, "CREATE USER 'repl'\@'%' IDENTIFIED BY 'repl-pw';"
		. " GRANT REPLICATION SLAVE ON *.* TO 'repl'\@'%'");
	my $pos = on($primary, 'SELECT @@global.gtid_binlog_pos');
	chomp $pos;
	on($n, "SET GLOBAL gtid_slave_pos = '$pos';"
		. " CHANGE MASTER TO MASTER_HOST = '127.0.0.1',"
		. ' MASTER_PORT = ' . $t->server_port($primary) . ','
		. " MASTER_USER = 'repl', MASTER_PASSWORD = 'repl-pw',"
		. ' MASTER_USE_GTID = slave_pos; START SLAVE');
}

$t->mariadbd_options('--log-bin=mysql-bin', '--server-id=1');
$t->start_mariadb(1);
$t->mariadbd_options('--server-id=2');
$t->start_mariadb(2);
on($_, 'GRANT SLAVE MONITOR ON *.* TO proxyro') for 1, 2;
start_replica_of(2, 1);

$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
server_detect_refresh_interval: 500ms
EOF
my ($s1, $s2) = ($t->server(1), $t->server(2));

# obproxyctl status's line of server <n> (0-based).
sub line {
	my ($n) = @_;
	my ($l) = $t->status()->{text} =~ /^server $n: (.*)$/m;
	return $l // '';
}

# The value of /metrics' <family>{server="<server>"}, or ''.
sub metric {
	my ($family, $server) = @_;
	my $page = HTTP::Tiny->new(timeout => 5)->get('http://127.0.0.1:'
		. $t->port('prometheus') . '/metrics')->{content} // '';
	return $page =~ /^\Q$family\E\{server="\Q$server\E"\} (\S+)$/m ? $1 : '';
}

sub wait_line {
	my ($n, $re) = @_;
	return $t->waitfor(sub { line($n) =~ $re }, 10)
		|| diag("server $n: " . line($n));
}

ok(wait_line(1, qr/^\Q$s2\E alive; detect alive, read_only 0, replica io on sql on lag 0s(?:, gtid [\d:,]+)?$/),
	'the replica: IO and SQL threads running, no lag');
like(line(0), qr/^\Q$s1\E alive; detect alive, read_only 0, gtid 0:\d+$/,
	'the primary: read_only 0, no replica part, its replication position');

on(1, 'CREATE TABLE test.r (id INT PRIMARY KEY); INSERT INTO test.r VALUES (1)');
ok($t->waitfor(sub { eval { on(2, 'SELECT id FROM test.r') } // '' }, 10)
	=~ /^1$/, 'replication works');

on(2, 'SET GLOBAL read_only = 1');
ok(wait_line(1, qr/read_only 1, replica/), 'read_only 1 shows');
is(metric('obproxy_server_read_only', $s2), 1,
	'/metrics: obproxy_server_read_only 1 on the replica');
is(metric('obproxy_server_read_only', $s1), 0, '  and 0 on the primary');

on(2, 'STOP SLAVE SQL_THREAD');
ok(wait_line(1, qr/replica io on sql off lag unknown(?:, gtid [\d:,]+)?$/),
	'STOP SLAVE SQL_THREAD: sql off, lag unknown');
is(metric('obproxy_server_replica_sql_running', $s2), 0,
	'/metrics: obproxy_server_replica_sql_running 0');
on(2, 'START SLAVE SQL_THREAD');
ok(wait_line(1, qr/replica io on sql on lag 0s(?:, gtid [\d:,]+)?$/), 'started again: sql on');

# A delayed replica lags behind what the primary wrote.
on(2, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 30; START SLAVE');
on(1, 'INSERT INTO test.r VALUES (2)');
ok(wait_line(1, qr/replica io on sql on lag [2-9]s(?:, gtid [\d:,]+)?$/),
	'MASTER_DELAY: the lag grows');
like(metric('obproxy_server_replica_lag_seconds', $s2), qr/^[1-9]\d*\.000$/,
	'/metrics: obproxy_server_replica_lag_seconds, in seconds');

# Without SLAVE MONITOR the replica state cannot be read: unknown.
on(2, 'STOP SLAVE; CHANGE MASTER TO MASTER_DELAY = 0; START SLAVE;'
	. ' SET GLOBAL read_only = 0;'
	. ' REVOKE SLAVE MONITOR ON *.* FROM proxyro');
$t->stop();
$t->run();
ok(wait_line(1, qr/^\Q$s2\E alive; detect alive, read_only 0(?:, gtid [\d:,]+)?$/),
	'no SLAVE MONITOR: read_only only');
unlike($t->log(), qr/monitor: .* refused the service account/,
	'the service account logs in');
