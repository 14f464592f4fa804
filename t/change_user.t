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
	DBD::MariaDB/)->plan(12)->run_mariadb(1);
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

# A change of user pipelined behind long data the server has not read
# yet (it is stopped): the packet is read before the buffer moves.

my $q = $t->raw_login() or diag($@);
$q->send_command(0x16, 'SELECT ?') if $q;       # COM_STMT_PREPARE
my $prep = $q && $q->read_packet();
my $sid = $prep && ord($prep) == 0 ? unpack('V', substr($prep, 1, 4)) : 0;
$q->read_packet() for 1 .. 4;   # parameter, EOF, column, EOF
kill 'STOP', $t->{_mariadb}{1}{pid};
my $long = '';
for my $i (1 .. 8) {            # 8 MiB: more than the sockets hold
	my $chunk = "\x18" . pack('V v', $sid, 0) . ('x' x (1 << 20));
	$long .= pack('V', length $chunk) =~ s/.$//sr . "\0" . $chunk;
}
my $token = Test::OBProxy::Raw::native_token($u2{password},
	$q ? $q->{handshake}{scramble} : '');
my $cu = "\x11obtest2\0" . chr(length $token) . $token . "mysql\0"
	. pack('v', 45) . "mysql_native_password\0";
# the query right behind it: skipping the packet moves its bytes over it
my $sql = "\x03SELECT CURRENT_USER()";
my $all = $long . pack('V', length $cu) =~ s/.$//sr . "\0" . $cu
	. pack('V', length $sql) =~ s/.$//sr . "\0" . $sql;
$q->{s}->blocking(0) if $q;
my $sent = $q ? syswrite($q->{s}, $all) // 0 : 0;
select(undef, undef, undef, 0.5);
kill 'CONT', $t->{_mariadb}{1}{pid};
$q->{s}->blocking(1) if $q;
$q->send_raw(substr($all, $sent)) if $q && $sent < length $all;
$res = $q && $q->_auth_rounds();
my $rows = $q && $q->read_response();
is(($res && $res->{ok} ? 'OK ' : 'no OK ')
	. ($rows && $rows->{rows} ? $rows->{rows}[0][0] : 'no rows'),
	'OK obtest2@%', 'change user behind long data the server has not'
	. ' read, a query behind it: both read right');

# A wrong password: 1045, and the connection is closed.

$res = $r && $r->change_user(user => 'obtest2', password => 'wrong',
	db => 'mysql');
is($res && $res->{err}, 1045, 'wrong password: 1045');
like($res && $res->{message} // '', qr/^Access denied for user 'obtest2'\@'/,
	'the server\'s text');
ok($r && $r->closed(5), 'the connection is closed after the error');
