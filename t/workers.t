#!/usr/bin/perl

# Tests for worker processes: work_thread_num workers serve clients; a
# worker killed with SIGKILL is respawned in its slot, the log names the
# signal, and clients of the other worker never notice.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(11)->run_mariadb(1);

$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

my $master = $t->pid();
my @workers;
$t->waitfor(sub { (@workers = $t->workers()) == 2 }, 10);
is(scalar @workers, 2, 'two workers');

my $st = $t->status();
is(join(',', sort map { $_->{pid} } values %{$st->{worker} // {}}),
	join(',', sort @workers), 'obproxyctl status lists the worker pids');

# Clients until both workers hold at least one (the kernel spreads
# connections over the slots' sockets); at most 40.
my (%held, @conns);
for (1 .. 40) {
	my $dbh = $t->dbh() or next;
	my $w = $t->worker_of($dbh, @workers) // next;
	push @conns, [ $dbh, $w ];
	$held{$w}++;
	last if keys %held == 2 && @conns >= 4;
}
is(scalar keys %held, 2, 'clients served by both workers');

my ($victim, $survivor) = @workers;
kill 'KILL', $victim;

my @after;
ok($t->waitfor(sub {
	@after = $t->workers();
	@after == 2 && !grep { $_ == $victim } @after }, 10),
	'killed worker replaced by a new process');
ok((grep { $_ == $survivor } @after), 'the other worker kept running');

like($t->log(), qr/worker \d+ \(pid $victim\) was killed by signal 9/,
	'log names the signal');

my ($slot) = grep { $st->{worker}{$_}{pid} == $victim }
	keys %{$st->{worker} // {}};
my $w = defined $slot ? $t->status()->{worker}{$slot} : undef;
is($w && "$w->{state} $w->{restarts} " . ($w->{pid} != $victim),
	'running 1 1', 'the same slot runs a new pid, restarts 1');

my @kept = grep { $_->[1] == $survivor } @conns;
my $ok = grep {
	($_->[0]->selectrow_array('SELECT 42') // 0) == 42 } @kept;
is($ok . '/' . scalar @kept, scalar(@kept) . '/' . scalar @kept,
	'clients of the other worker still served');

my $new = grep { my $d = $t->dbh(); $d && $d->selectrow_array('SELECT 1') }
	1 .. 8;
is($new, 8, 'new clients served after the respawn');

# The new worker starts with its slot's gauges at zero: only the clients
# still open on the survivor count.
undef @conns;
ok($t->waitfor(sub { ($t->status()->{client_active} // -1) == @kept }, 5),
	'client_active counts only live clients') or diag($t->status()->{text});
is($t->pid(), $master, 'master unchanged');
