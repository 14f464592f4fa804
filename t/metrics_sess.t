#!/usr/bin/perl

# Tests for ODP's per-tenant session families of /metrics:
# odp_current_session{sessionType="client"} and odp_new_client_connections
# by cluster and tenant stay exact, with two tenants, through a session
# closing, a client vanishing (a reset), a refused login, COM_CHANGE_USER
# to a user of the other tenant, KILL, a hot upgrade handing the sessions
# to the next generation (counted once), and a worker killed with
# SIGKILL (its sessions no longer counted).

use warnings;
use strict;

use HTTP::Tiny;
use Socket qw/SOL_SOCKET SO_LINGER/;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(16)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
hot_upgrade_exit_timeout: 10s
EOF

my $url = 'http://127.0.0.1:' . $t->port('prometheus') . '/metrics';
my $http = HTTP::Tiny->new(timeout => 10);
ok($t->waitfor(sub { ($http->get($url)->{status} // 0) == 200 }, 10),
	'/metrics answers');
my $user = $t->user();
my $pw = $t->password();

# The page's value of <family> for tenant <tenant> and the other labels.
sub series {
	my ($page, $family, $tenant, $labels) = @_;
	return $page =~ /^\Q$family\E\{cluster="[^"]*",tenant="\Q$tenant\E",
		[^}]*\Q$labels\E[^}]*\}[ ](-?\d+)$/mx ? $1 : undef;
}

# "app,other" client sessions as /metrics says, once it says <want>
# (bounded): the gauge settles after a close.
sub clients {
	my ($want) = @_;
	my $got = '';
	$t->waitfor(sub {
		my $m = $http->get($url)->{content} // '';
		$got = join ',', map { series($m, 'odp_current_session', $_,
			'sessionType="client"') // '-' } qw/app other/;
		defined $want && $got eq $want;
	}, defined $want ? 10 : 0);
	return $got;
}

sub raw_as {
	my ($tenant, %o) = @_;
	my $r = $t->raw() or return undef;
	my $res = $r->login(user => "$user\@$tenant", password => $pw,
		db => 'test', %o);
	return $r if $res && $res->{ok};
	return $o{refused} ? $res : undef;
}

# --- logins: three of "app", two of "other", one refused -------------------
my @app = map { $t->dbh(user => "$user\@app") } 1 .. 3;
$_ && $_->selectrow_array('SELECT 1') for @app;
my @other = map { raw_as('other') } 1 .. 2;
my $refused = raw_as('other', password => 'wrong', refused => 1);
ok($refused && $refused->{err} && !$refused->{ok}, 'a wrong password is '
	. 'refused');
is(clients('3,2'), '3,2', 'odp_current_session: 3 of app, 2 of other');
my $m = $http->get($url)->{content};
is(join(',', map { series($m, 'odp_new_client_connections', @$_) // '-' }
	[ 'app', 'connectionResult="success"' ],
	[ 'other', 'connectionResult="success"' ],
	[ 'app', 'connectionResult="fail"' ],
	[ 'other', 'connectionResult="fail"' ]), '3,2,0,1',
	'odp_new_client_connections: 3 and 2 in, the refused one of other');
is(series($m, 'odp_current_session', 'app', 'sessionType="server"'), 3,
	'odp_current_session{sessionType="server"}: app\'s 3 server sessions');
like($m, qr/^odp_current_session\{cluster="[^"]*",tenant="app",
	sessionType="client",vip=""\}[ ]3$/mx, '  with ODP\'s labels');

# --- a close, a reset, a change of user, a KILL ----------------------------
(pop @app)->disconnect();
is(clients('2,2'), '2,2', 'a session closed: app 2');

my $gone = pop @other;
setsockopt($gone->{s}, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0));
$gone->close();
is(clients('2,1'), '2,1', 'a client vanished (reset): other 1');

my $res = $other[0]->change_user(user => "$user\@app", password => $pw,
	db => 'test');
ok($res && $res->{ok}, 'COM_CHANGE_USER from other to app')
	or diag(explain($res));
is(clients('3,0'), '3,0', '  the session moved: app 3, other 0');

my $victim = $app[1]->{mariadb_thread_id};
$app[0]->do("KILL $victim");
is(clients('2,0'), '2,0', 'KILL: app 2');
splice @app, 1, 1;

# --- a hot upgrade hands them over: counted once ---------------------------
my $o = $t->dbh(user => "$user\@other") or BAIL_OUT($t->dbi_error());
$o->selectrow_array('SELECT 1');
is(clients('2,1'), '2,1', 'one more of other: app 2, other 1');
my $old = $t->pid();
$t->ctl('upgrade');
$t->ctl('commit');
my $new = $t->follow_upgrade(20);
ok($new && $new != $old, 'hot upgrade done, the old generation gone');
is(join(',', ($app[0]->selectrow_array('SELECT 7') // '-'),
	($o->selectrow_array('SELECT 8') // '-')), '7,8',
	'the sessions went on in the new generation');
is(clients('2,1'), '2,1', 'after the upgrade: app 2, other 1, once');

# --- a worker killed: its sessions are not counted -------------------------
my @workers = $t->workers();
my %held;
my @socks = ([ 'app', $app[0] ], [ 'app', $other[0]->{s} ], [ 'other', $o ]);
for (@socks) {
	my $w = $t->worker_of($_->[1], @workers) // 'none';
	$held{$w}{$_->[0]}++;
}
my ($dead) = grep { $_ ne 'none' } sort keys %held;
my %n = (app => 2, other => 1);
$n{$_} -= $held{$dead}{$_} // 0 for qw/app other/;
my $left = "$n{app},$n{other}";
kill 'KILL', $dead;
is(clients($left), $left, "worker $dead killed with its sessions: "
	. "$left left");
