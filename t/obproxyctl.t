#!/usr/bin/perl

# Tests for obproxyctl over run/obproxy.sock: status shows the master,
# its workers and the summed counters; stop returns once the master has
# exited; both exit 3 when nothing runs.  From / without -d or
# OBPROXY_ROOT, obproxyctl and obproxy use /var/lib/obproxy, not /: in a
# private mount namespace where / is read-only and /var/lib a tmpfs, so
# nothing of the machine's is touched.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)
	->plan(21)->run_mariadb(1);

$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

my @workers;
$t->waitfor(sub { (@workers = $t->workers()) == 2 }, 10);

# status

my $st = $t->status();
is($st->{rc}, 0, 'status: exit 0') or diag($st->{text});
like($st->{text}, qr/\nok\n\z/, 'status: ends with ok');
is($st->{pid}, $t->pid(), 'status: pid is the master');
is($st->{pid}, ($t->read_file('run/obproxy.pid') // '') =~ /(\d+)/ && $1,
	'status: pid matches the pid file');
is($st->{workers}, 2, 'status: two workers');
is(join(',', map { $st->{worker}{$_}{pid} // '-' } 0, 1),
	join(',', @workers), 'status: worker lines give slots 0 and 1');
is(join(',', map { $st->{worker}{$_}{state} // '-' } 0, 1),
	'running,running', 'status: workers running');
like($st->{text}, qr/^client_accepted: \d+$/m, 'status: counters present');

# Counters move with traffic: three clients, two of them still open.

my $before = $st->{client_accepted} // 0;
$t->mariadb('SELECT 1');
my @open = map { $t->dbh() } 1 .. 2;
$st = $t->status();
cmp_ok($st->{client_accepted} // 0, '>=', $before + 3,
	'status: client_accepted counts clients');
ok($t->waitfor(sub { ($t->status()->{client_active} // -1) == 2 }, 5),
	'status: client_active counts open clients');
undef @open;

# stop

my ($rc, $out) = $t->ctl('stop');
is($rc, 0, 'stop: exit 0') or diag($out);
ok($t->waitfor(sub { !$t->running() }, 1), 'stop: master gone on return');
ok(!grep({ Test::OBProxy::alive($_) } @workers), 'stop: workers gone');

# stop --fast

$t->run();
($rc, $out) = $t->ctl('stop', '--fast');
is($rc, 0, 'stop --fast: exit 0') or diag($out);
ok($t->waitfor(sub { !$t->running() }, 1), 'stop --fast: master gone');

# Nothing running.

($rc, $out) = $t->ctl('status');
is($rc, 3, 'status when not running: exit 3') or diag($out);
($rc, $out) = $t->ctl('stop');
is($rc, 3, 'stop when not running: exit 3') or diag($out);

# From /: the default root, /var/lib/obproxy.

SKIP: {
	my ($ns) = $t->run_cmd([ 'unshare', '-m', '--propagation', 'private',
		'mount', '-t', 'tmpfs', 'tmpfs', '/mnt' ], timeout => 10);
	skip 'needs unshare -m and mount (root)', 4 if $ns != 0;
	my ($ctl, $bin, $d) = ($t->ctl_binary(), $t->binary(), $t->testdir());
	my %env = %{$t->_obproxy_env()};
	delete $env{OBPROXY_ROOT};
	local $ENV{OBPROXY_ROOT};
	delete $ENV{OBPROXY_ROOT};
	my ($rc, $out) = $t->run_cmd([ 'unshare', '-m', '--propagation',
		'private', 'sh', '-c', <<"EOF" ], timeout => 60, env => \%env);
mount -o remount,bind,ro / && mount -t tmpfs tmpfs /var/lib || exit 90
cd /
'$ctl' start --binary '$bin' -f '$d/obproxy.yaml'; echo "ctl start: \$?"
ls /var/lib/obproxy/run
'$ctl' stop; echo "ctl stop: \$?"
'$bin' -f '$d/obproxy.yaml'; echo "obproxy: \$?"
ls /var/lib/obproxy/run
'$ctl' stop; echo "ctl stop: \$?"
EOF
	like($out, qr/^ctl start: 0\n.*obproxy\.sock\n/ms,
		'ctl start from /: exit 0, run/ under /var/lib/obproxy')
		or diag($out);
	like($out, qr/^ctl start: 0\n(?:.*\n)*?ctl stop: 0\n/m,
		'ctl stop from /: finds it there');
	like($out, qr/^obproxy: 0\n.*obproxy\.pid\n/ms,
		'obproxy started from /: run/ under /var/lib/obproxy');
	like($out, qr/^obproxy: 0\n(?:.*\n)*?ctl stop: 0\n/m,
		'obproxy started from /: obproxyctl stops it');
}
