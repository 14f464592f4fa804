#!/usr/bin/perl

# Tests for COM_CHANGE_USER through the proxy, with the raw client (the
# mariadb CLI has no change user command, DBD::MariaDB does not expose
# it): the new user and database are current, the old user's variables
# and server session are gone, an auth switch is followed as at login, a
# parked session of the new user is taken, and a wrong password gets 1045
# and the connection closed.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(11)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
EOF
my $direct = $t->direct_dbh() or BAIL_OUT('no direct connection: '
	. $t->dbi_error());
$direct->do("CREATE USER 'obtest2'\@'%' IDENTIFIED BY 'obtest2-pw'");
$direct->do("GRANT ALL PRIVILEGES ON *.* TO 'obtest2'\@'%'");
my %u2 = (user => 'obtest2', password => 'obtest2-pw');

sub value {
	my ($r, $sql) = @_;
	my $res = $r && $r->query($sql) or return 'no answer';
	return $res->{err} ? "error $res->{err}" : $res->{rows}[0][0] // 'NULL';
}

sub alive {
	my ($id) = @_;
	return $direct->selectrow_array('SELECT COUNT(*) FROM '
		. "information_schema.PROCESSLIST WHERE ID = $id") ? 1 : 0;
}

my $r = $t->raw_login() or diag($@);
$r->query('SET @mine = 7') if $r;
my $old = value($r, 'SELECT @@pseudo_thread_id');
my $res = $r && $r->change_user(%u2, db => 'mysql');
ok($res && $res->{ok}, 'change user: OK')
	or diag(explain($res // $r->{error}));
is(value($r, 'SELECT CURRENT_USER()'), 'obtest2@%', 'the new user');
is(value($r, 'SELECT DATABASE()'), 'mysql', 'the database given');
is(value($r, 'SELECT @mine'), 'NULL', 'the old user\'s variable is gone');
ok($t->waitfor(sub { !alive($old) }, 5),
	'the old user\'s server session is closed');

# Back, with another plugin's data: the proxy switches to native.

$res = $r && $r->change_user(user => $t->user(),
	password => $t->password(), db => 'test',
	plugin => 'caching_sha2_password',
	token => Test::OBProxy::Raw::sha2_token($t->password(),
		$r->{handshake}{scramble}));
is($res && join(',', $res->{ok} // 0, @{$res->{switched} // []}),
	'1,mysql_native_password', 'another plugin: auth switch, then OK');
is(($res && $res->{ok} ? 'OK ' : 'no OK ')
	. value($r, 'SELECT CONCAT(CURRENT_USER(), " ", DATABASE())'),
	'OK obtest@% test', 'changed back');

# A parked session of the new user is taken.

my $p = $t->raw_login(%u2, db => 'mysql') or diag($@);
my $parked = value($p, 'SELECT @@pseudo_thread_id');
$p->command(0x01) if $p;
select(undef, undef, undef, 0.2);
$res = $r && $r->change_user(%u2, db => 'mysql');
is(($res && $res->{ok} ? 'OK ' : 'no OK ')
	. value($r, 'SELECT @@pseudo_thread_id'), "OK $parked",
	'the new user\'s parked server session is taken');

# A wrong password: 1045, and the connection is closed.

$res = $r && $r->change_user(user => 'obtest2', password => 'wrong',
	db => 'mysql');
is($res && $res->{err}, 1045, 'wrong password: 1045');
like($res && $res->{message} // '', qr/^Access denied for user 'obtest2'\@'/,
	'the server\'s text');
ok($r && $r->closed(5), 'the connection is closed after the error');
