#!/usr/bin/perl

# Tests for KILL by client session id (the connection id a client gets
# in the proxy's handshake) across workers: KILL QUERY ends a running
# statement with 1317 and the connection stays, KILL and KILL CONNECTION
# close the connection, only the same user may kill, killing oneself
# answers 1927, COM_PROCESS_KILL does the same as KILL.  Then the
# counters of obproxyctl status.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(18)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF

my $direct = $t->direct_dbh() or die "direct: " . $t->dbi_error() . "\n";
$direct->do("CREATE USER 'obkill'\@'%' IDENTIFIED BY 'obkill-pw'");
$direct->do("GRANT ALL PRIVILEGES ON test.* TO 'obkill'\@'%'");

# A wrong password first: login_denied counts it.
ok(!$t->dbh(password => 'wrong-pw'), 'a wrong password is refused');

# Connections until worker 0 holds 2 and worker 1 holds 5 (with two
# slots the id's bit 16 is the slot); worker 1's ids are above 65535,
# so no server thread id of this test can be mistaken for one.
my (%by_slot, @all);
for (1 .. 60) {
	my $d = $t->dbh() or last;
	push @all, $d;
	push @{$by_slot{($d->{mariadb_thread_id} >> 16) & 1}}, $d;
	last if @{$by_slot{0} // []} >= 2 && @{$by_slot{1} // []} >= 5;
}
ok(@{$by_slot{0} // []} >= 2 && @{$by_slot{1} // []} >= 5,
	'sessions on both workers') or BAIL_OUT('no sessions on both workers');
my ($a, $self) = @{$by_slot{0}};
my ($b, $c, $d, $e, $f) = @{$by_slot{1}};
my $id = sub { $_[0]->{mariadb_thread_id} };

# KILL QUERY from worker 0 of a SLEEP running on worker 1.
my $bg = $b->prepare('SELECT SLEEP(10)', { mariadb_async => 1 });
my $t0 = time();
$bg->execute();
select(undef, undef, undef, 0.5);
ok($a->do('KILL QUERY ' . $id->($b)), 'KILL QUERY: OK')
	or diag($a->errstr);
$t->waitfor(sub { $bg->mariadb_async_ready() }, 15);
my $res = $bg->mariadb_async_result();
is(sprintf('%s %s', defined $res ? 'result' : $b->err,
	time() - $t0 < 5 ? 'early' : 'late'), '1317 early',
	'KILL QUERY: the statement ended early with 1317');
is($b->selectrow_array('SELECT 6'), 6, 'KILL QUERY: the connection serves');

# KILL and KILL CONNECTION (lower case, spaces, a semicolon).
ok($a->do('KILL ' . $id->($c)), 'KILL: OK') or diag($a->errstr);
ok($t->waitfor(sub { !defined $c->selectrow_array('SELECT 1') }, 5),
	'KILL: the connection is gone');
ok($a->do(' kill  connection ' . $id->($d) . ' ; '), 'KILL CONNECTION: OK')
	or diag($a->errstr);
ok($t->waitfor(sub { !defined $d->selectrow_array('SELECT 1') }, 5),
	'KILL CONNECTION: the connection is gone');
is($a->selectrow_array('SELECT 7'), 7, 'the killer still serves');

# Another user's session: refused as the server refuses it.
my $o = $t->dbh(user => 'obkill', password => 'obkill-pw')
	or diag($t->dbi_error());
ok(!($o && $o->do('KILL ' . $id->($e))), 'another user: refused');
is($o && $o->err . ' ' . $o->errstr, '1095 You are not owner of thread '
	. $id->($e), 'another user: 1095');
is($e->selectrow_array('SELECT 8'), 8, 'another user: the session lives');

# An id no session has: the server's own answer.
$a->do('KILL 1999999');
is($a->err, 1094, 'an unknown id: 1094');

# Killing oneself: 1927, then closed.
$self->do('KILL ' . $id->($self));
is($self->err, 1927, 'killing oneself: 1927 Connection was killed');

# COM_PROCESS_KILL through the raw client.
my $r = $t->raw_login() or diag($@);
ok($r && ($r->command(0x0c, pack('V', $id->($f))) // {})->{ok},
	'COM_PROCESS_KILL: OK');
ok($t->waitfor(sub { !defined $f->selectrow_array('SELECT 1') }, 5),
	'COM_PROCESS_KILL: the connection is gone');

# The counters.
my $st = $t->status();
my @want = (login_denied => 1, login_ok => 7, auth_cache_hit => 1,
	auth_cache_miss => 1, kill_ok => 5, kill_refused => 1);
my @bad;
while (my ($k, $min) = splice(@want, 0, 2)) {
	push @bad, "$k " . ($st->{$k} // 'missing')
		unless ($st->{$k} // -1) >= $min;
}
push @bad, "$_ missing" for grep { !defined $st->{$_} } qw/server_lost
	pool_parked pool_reused pool_dropped pool_idle change_user
	auth_lookup_fail/;
is(join(', ', @bad), '', 'obproxyctl status shows the counters')
	or diag($st->{text});

undef $_ for $a, $b, $c, $d, $e, $f, $o, $self, $bg, @all;
%by_slot = ();
$direct->disconnect();
