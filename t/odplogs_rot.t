#!/usr/bin/perl

# Tests for the rotation and reopening of ODP's request logs through the
# proxy (README, Logs): with both thresholds at 0 every statement writes a
# digest and a slow line, and a failing one an error line; at
# max_log_file_size 1MB each file rotates on its own, no line is lost or
# cut across the rotated files (the counts equal the statements), and
# after a reload with max_syslog_file_count 2 at most 2 rotated files
# stay per log.  Then every file of the log directory, moved away, is
# written anew after USR1 and after obproxyctl reopen-logs; and with the
# request logs on a full disk, or on a device that takes no more writes,
# the statements go on.
# (t/unit/log.c rotates obproxy_stat.log and obproxy_diagnosis.log, whose
# lines are too few here to fill a megabyte.)

use warnings;
use strict;

use Fcntl;
use POSIX qw/mkfifo/;
use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(28)->run_mariadb(1);
my $conf = <<'EOF';
automatic_match_work_thread: false
work_thread_num: 2
max_log_file_size: 1MB
query_digest_time_threshold: 0
slow_query_time_threshold: 0
monitor_stat_dump_interval: 1s
EOF
$t->write_conf($conf)->run();
my $d = $t->testdir() . '/log';

my $dbh = $t->dbh() or die $t->dbi_error() . "\n";
my $pad = 'x' x 600;
my $sql = "SELECT * FROM nosuch_table /* $pad */";
my $n = 0;
my $rotated = sub {
	my ($base) = @_;
	return grep { /\/\Q$base\E\.\d{14}(?:\.\d+)?$/ } glob "$d/$base.*";
};
my %logs = (error => 'obproxy_error.log', digest => 'obproxy_digest.log',
	slow => 'obproxy_slow.log');
my $start = time();
while (time() - $start < 40
	&& grep { $rotated->($_) < 3 } values %logs) {
	$dbh->do($sql) for 1 .. 500;
	$n += 500;
}
# The lines of statements in <base> and its rotated files, and the lines
# that are not whole.
my $count = sub {
	my ($base) = @_;
	my ($lines, $bad) = (0, 0);
	for my $f ("$d/$base", $rotated->($base)) {
		my $text = $t->read_file($f) // '';
		$bad++ if $text ne '' && substr($text, -1) ne "\n";
		for (split /\n/, $text) {
			$bad++ unless /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6},/;
			$lines++ if /,OB_MYSQL_COM_QUERY,SELECT,failed,1146,SELECT \* FROM nosuch_table/;
		}
	}
	return ($lines, $bad);
};
# the writer thread may still hold the last ones
$t->waitfor(sub { !grep { ($count->($_))[0] < $n } values %logs }, 10);
for my $k (sort keys %logs) {
	my $base = $logs{$k};
	my @files = ("$d/$base", $rotated->($base));
	my ($lines, $bad) = $count->($base);
	cmp_ok(scalar $rotated->($base), '>=', 3, "$base rotated 3 times");
	is($lines, $n, "  $n lines in it and its rotated files, one per statement");
	is($bad, 0, '  every line whole');
	is(scalar(grep { -s $_ > 1024 * 1024 + 65536 } @files), 0,
		'  no file much over max_log_file_size');
}

unlike($t->log(), qr/lines dropped/, 'the writer thread kept up: no line dropped');

# max_syslog_file_count 2 on reload: the next rotation prunes.
$t->write_conf($conf . "max_syslog_file_count: 2\n");
$t->reload(undef, 2);
$start = time();
while (time() - $start < 20
	&& grep { $rotated->($_) > 2 } values %logs) {
	$dbh->do($sql) for 1 .. 500;
}
for my $base (sort values %logs) {
	my $k = () = $rotated->($base);
	cmp_ok($k, '<=', 2, "max_syslog_file_count 2: $base keeps $k");
}

# Every file moved away, then reopened: by USR1, then by obproxyctl.
my @all = qw/obproxy.log obproxy.log.wf obproxy_error.log obproxy_digest.log
	obproxy_slow.log obproxy_stat.log obproxy_diagnosis.log/;
my $round = 0;
for my $how ('USR1', 'obproxyctl reopen-logs') {
	$round++;
	for (@all) { rename "$d/$_", "$d/$_.moved$round" or die "$_: $!\n" }
	if ($how eq 'USR1') {
		kill 'USR1', $t->pid();
	} else {
		$t->ctl('reopen-logs');
	}
	$t->waitfor(sub { (() = $t->log() =~ /worker \d reopened its logs/g) == 2 },
		10);
	# One line for each file: a failing statement (error, digest,
	# slow), a refused login (error, diagnosis), the stat dump, and a
	# failed reload (a WARN of the master's).
	$dbh->do("SELECT * FROM nosuch_table /* round $round */");
	$t->dbh(password => 'wrong-pw');
	$t->write_file('obproxy.yaml', "max_log_file_size: [\n");
	$t->reload(qr/reload failed/);
	$t->write_conf($conf);
	$t->waitfor(sub { -s "$d/obproxy_stat.log" }, 5);
	my @empty = grep { !-s "$d/$_" } @all;
	is(join(' ', @empty), '', "$how: every file written anew");
	like($t->odp_log('error'), qr/round $round/, "  the new statement in the new error log");
	my $old = $t->read_file("$d/obproxy_error.log.moved$round") // '';
	unlike($old, qr/round $round/, '  not in the moved one');
}

# A full disk: the request logs are /dev/full (every write fails with
# ENOSPC).  Statements go on at their pace, the failure is reported once
# on stderr.
$t->stop();
for (qw/error digest slow stat diagnosis/) {
	unlink "$d/obproxy_$_.log";
	symlink '/dev/full', "$d/obproxy_$_.log" or die "symlink: $!\n";
}
$t->run();
$dbh = $t->dbh() or die $t->dbi_error() . "\n";
my ($t0, $fails) = (time(), 0);
for (1 .. 2000) {
	$dbh->do($sql);
	$fails++ if ($dbh->err // 0) == 1146;
}
my $took = time() - $t0;
is($fails, 2000, 'full disk: 2000 statements answered 1146');
cmp_ok($took, '<', 10, sprintf('  in %.2f s', $took));
like($t->read_file('obproxy.stderr') // '',
	qr/obproxy: log: write "[^"]*obproxy_\w+\.log": No space left on device/,
	'  the failure reported on stderr');
$t->stop();

# A log device that stops taking writes: obproxy_error.log is a FIFO
# whose reader never reads.  The writer thread blocks, the statements go
# on, the lines that do not fit are dropped and a WARN line says so.
unlink "$d/obproxy_error.log";
mkfifo("$d/obproxy_error.log", 0644) or die "mkfifo: $!\n";
sysopen(my $fifo, "$d/obproxy_error.log", O_RDONLY | O_NONBLOCK)
	or die "fifo: $!\n";
$t->write_conf($conf)->run();
$dbh = $t->dbh(dsn => 'mariadb_read_timeout=5') or die $t->dbi_error() . "\n";
($t0, $fails) = (time(), 0);
for (1 .. 2000) {
	$dbh->do($sql);
	last unless ($dbh->err // 0) == 1146;
	$fails++;
}
$took = time() - $t0;
is($fails, 2000, 'stalled log device: 2000 statements answered 1146');
cmp_ok($took, '<', 10, sprintf('  in %.2f s', $took));
ok($t->waitfor(sub { $t->log() =~ /request logs: \d+ lines dropped/ }, 5),
	'  a WARN line counts the lines dropped');
$t->stop();
close $fifo;
