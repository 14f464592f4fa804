#!/usr/bin/perl

# Tests for log/obproxy.log and log/obproxy.log.wf: every line carries
# time, level, pid and role; WARN and above are copied to obproxy.log.wf;
# syslog_level filters; files are rotated at max_log_file_size and at most
# max_syslog_file_count rotated files are kept, and the oldest rotated
# files go when the log files take more than log_dir_size_threshold.

use warnings;
use strict;

use File::Path qw/remove_tree/;
use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadb/)->plan(16);
my $d = $t->testdir();

# Twenty servers where nothing listens: every client gets error 1429 and
# the worker logs a WARN line naming those it tried.
my $dead = join ';', map { '127.0.0.1:' . $t->port(9000 + $_) } 1 .. 20;
$t->write_file_expand('obproxy.yaml', <<"EOF")->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "$dead"
automatic_match_work_thread: false
work_thread_num: 2
EOF

my @workers;
$t->waitfor(sub { (@workers = $t->workers()) == 2 }, 10);
$t->mariadb('SELECT 1') for 1 .. 4;
my $master = $t->pid();
my $monitor = $t->monitor() // 0;
$t->stop();

my $log = $t->log();
my @lines = split /\n/, $log;
my $re = qr/^\[\d{4}-\d\d-\d\d\ \d\d:\d\d:\d\d\.\d{6}\]
	\ (?:ALERT|ERROR|WARN|INFO|EDIAG|WDIAG|TRACE|DEBUG)\ +
	\[(\d+)\]\[(M|MON|W\d+)\](?:\[S\d+\])?\ \S/x;
my @bad = grep { !/$re/ } @lines;
ok(@lines > 0, 'obproxy.log written');
is(join("\n", @bad), '', 'every line: time, level, pid, role');

my %pid_of = (M => { $master => 1 }, MON => { $monitor => 1 },
	W => { map { $_ => 1 } @workers });
@bad = grep { my ($pid, $role) = /$re/;
	defined $pid && !$pid_of{$role =~ s/\d+$//r}{$pid} } @lines;
is(join("\n", @bad), '', 'pid matches the role');
ok((grep { /\]\[W\d+\]/ } @lines), 'workers log');
ok((grep { /^\S+ \S+ INFO / } @lines), 'INFO lines at the default level');

my $tried = join '|', map { quotemeta('127.0.0.1:' . $t->port(9000 + $_)) }
	1 .. 20;
my @warn = grep { / WARN .*(?:$tried) \(/ } @lines;
ok(@warn >= 4, 'a client without server logs a WARN naming the servers');
my $errlog = $t->error_log();
ok(!grep({ index($errlog, $_) < 0 } @warn), 'WARN lines also in obproxy.log.wf');
is(join("\n", grep { !/^\S+ \S+ (?:ALERT|ERROR|WARN) / } split /\n/, $errlog),
	'', 'obproxy.log.wf: nothing below WARN');

# syslog_level=ERROR: the same start, clients and stop write nothing
# below ERROR.

remove_tree("$d/log");
$t->run('-o', 'syslog_level=ERROR');
$t->mariadb('SELECT 1') for 1 .. 4;
$t->stop();
is(join("\n", grep { !/^\S+ \S+ (?:ALERT|ERROR) / } split /\n/, $t->log()),
	'', 'syslog_level=ERROR: no INFO or WARN lines');

# Rotation at 1 MB, two rotated files kept.

remove_tree("$d/log");
$t->run('-o', 'max_log_file_size=1MB,max_syslog_file_count=2,'
	. 'syslog_level=DEBUG');
my $start = time();
my ($inode, $rotations) = (0, 0);
while ($rotations < 4 && time() - $start < 60) {
	clients(50);
	my $now = (stat "$d/log/obproxy.log")[1] // 0;
	$rotations++ if $inode && $now != $inode;
	$inode = $now;
}
diag(sprintf('%d rotations in %.1f s', $rotations, time() - $start))
	if $ENV{TEST_OBPROXY_VERBOSE};
$t->stop();

my @rotated = grep { /\.log\.\d{14}/ } glob "$d/log/obproxy.log.*";
my @erotated = grep { /\.wf\.\d{14}/ } glob "$d/log/obproxy.log.wf.*";
is($rotations, 4, 'obproxy.log rotated 4 times');
cmp_ok(scalar @rotated, '<=', 2, 'at most 2 rotated obproxy.log files kept');
cmp_ok(scalar @erotated, '<=', 2, 'at most 2 rotated obproxy.log.wf files kept');
my @big = grep { -s $_ > 1024 * 1024 + 65536 } glob "$d/log/*";
is(join(' ', @big), '', 'no file much over max_log_file_size');

# log_dir_size_threshold 3 MB with 1 MB files: the oldest rotated files
# go, of either log, and max_syslog_file_count 0 keeps no more.

remove_tree("$d/log");
$t->run('-o', 'max_log_file_size=1MB,log_dir_size_threshold=3MB,'
	. 'syslog_level=DEBUG');
($inode, $rotations, $start) = (0, 0, time());
while ($rotations < 5 && time() - $start < 60) {
	clients(50);
	my $now = (stat "$d/log/obproxy.log")[1] // 0;
	$rotations++ if $inode && $now != $inode;
	$inode = $now;
}
$t->stop();
my $bytes = 0;
$bytes += -s $_ for glob "$d/log/*";
is($rotations, 5, 'obproxy.log rotated 5 times');
cmp_ok($bytes, '<=', 4 * 1024 * 1024 + 65536,
	'  the directory within log_dir_size_threshold and one file');
@rotated = grep { /\.log\.\d{14}/ } glob "$d/log/obproxy.log.*";
cmp_ok(scalar @rotated, '<=', 3, '  the oldest rotated files deleted');

###############################################################################

# <n> clients, one after the other, each logging in and getting the
# proxy's error 1429 (no server answers), which the worker logs.

sub clients {
	my ($n) = @_;
	for (1 .. $n) {
		my $r = $t->raw() or next;
		$r->login(user => $t->user(), password => $t->password());
		$r->close();
	}
}
