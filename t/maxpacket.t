#!/usr/bin/perl

# Client packets of the servers' max_allowed_packet (1 MiB here) or more
# are refused as the server refuses them: ERR 1153 (08S01) after the
# client's last packet, a log line naming the session, then the
# connection closes.  A statement one byte shorter runs.  The refused
# client's server session never saw the packet: it is pooled and serves
# the next client.  Another session is unaffected.  Above 16 MiB the
# limit also holds for a split statement; the server connection that got
# its first part is closed.  No server session leaks.  One worker, so
# every client meets the same pool.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $MiB = 1 << 20;
my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(17)->run_mariadb(1);
my $direct = $t->direct_dbh() or BAIL_OUT('no direct connection: '
	. $t->dbi_error());
# Before the proxy's first account lookup, which reads the limit.
$direct->do("SET GLOBAL max_allowed_packet = $MiB");
$direct->do("CREATE USER 'obtest2'\@'%' IDENTIFIED BY 'obtest2-pw'");
$direct->do("GRANT ALL PRIVILEGES ON *.* TO 'obtest2'\@'%'");
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
EOF

# A statement whose COM_QUERY packet has <payload> bytes; it returns
# the length of its literal.
sub statement {
	my ($payload) = @_;
	return "SELECT LENGTH('" . ('x' x ($payload - 18)) . "')";
}

sub err_of {
	my ($h) = @_;
	return $h ? ($h->err // 'none') . ' ' . ($h->errstr // '') : 'no handle';
}

my $other = $t->dbh() or BAIL_OUT('no client: ' . $t->dbi_error());
my $other_id = $other->selectrow_array('SELECT @@pseudo_thread_id');

# Just under, then just at the limit.

my $dbh = $t->dbh();
is($dbh && $dbh->selectrow_array(statement($MiB - 1)), $MiB - 19,
	'a packet of max_allowed_packet - 1 bytes runs');
my $thread = $dbh && $dbh->selectrow_array('SELECT @@pseudo_thread_id');
my $sess = $dbh && $dbh->{mariadb_thread_id};
my $r = $dbh && $dbh->selectrow_array(statement($MiB));
is(defined $r ? "result $r" : err_of($dbh),
	"1153 Got a packet bigger than 'max_allowed_packet' bytes",
	'a packet of max_allowed_packet bytes: error 1153');
is($dbh && $dbh->state, '08S01', '  with SQLSTATE 08S01');
ok(!($dbh && $dbh->ping()), '  and the connection is closed');
like($t->log(), qr/\[S\Q$sess\E\][^\n]*max_allowed_packet is $MiB: refused/,
	'  a log line names the session');

# Its server session got nothing of it and was pooled.

select(undef, undef, undef, 0.3);   # the reset's round trip
my $next = $t->dbh();
is($next && $next->selectrow_array('SELECT @@pseudo_thread_id'), $thread,
	'the next client takes the refused client\'s server session');
is($next && $next->selectrow_array('SELECT 1'), 1, '  and it works');
$next->disconnect() if $next;

# The raw packet: the ERR follows the client's packet.

my $raw = $t->raw_login() or BAIL_OUT("raw login: $@");
$raw->send_command(0x03, 'x' x ($MiB - 1));
my ($p, $seq) = $raw->read_packet();
is(defined $p && ord($p) == 0xff
	? join(' ', unpack('v', substr($p, 1, 2)), substr($p, 3, 6), $seq)
	: 'no ERR: ' . ($raw->{error} // 'another packet'),
	'1153 #08S01 1', 'raw COM_QUERY of 1 MiB: ERR 1153, sequence 1');
ok($raw->closed(5), '  then the proxy closes the connection');

is($other->selectrow_array('SELECT @@pseudo_thread_id'), $other_id,
	'another session is unaffected');

# Nothing leaked: every server session of the proxy is parked or in use
# (by $other), and the server knows no other.

sub no_leak {
	my ($what) = @_;
	my $s;
	my $ok = $t->waitfor(sub {
		$s = $t->status();
		return ($s->{server_active} // -1) == ($s->{pool_idle} // 0) + 1
			&& $t->server_threads($direct, 'obtest%')
			== $s->{server_active};
	}, 10);
	ok($ok, "$what: server sessions are parked or in use, none leaked")
		or diag($s->{text});
}

no_leak('after the refusals');

# Above 16 MiB: a split statement.  A new user's lookup reads the new
# limit.

my $big = 17 * $MiB;
$direct->do("SET GLOBAL max_allowed_packet = $big");
my $h2 = $t->dbh(user => 'obtest2', password => 'obtest2-pw')
	or BAIL_OUT('obtest2: ' . $t->dbi_error());
$h2->{mariadb_max_allowed_packet} = 64 * $MiB;
is($h2->selectrow_array(statement($big - 1)), $big - 19,
	'a split packet of 17 MiB - 1 bytes runs (limit 17 MiB)');
$r = $h2->selectrow_array(statement($big));
is(defined $r ? "result $r" : err_of($h2),
	"1153 Got a packet bigger than 'max_allowed_packet' bytes",
	'a split packet of 17 MiB: error 1153');
ok(!$h2->ping(), '  and the connection is closed');
ok($t->waitfor(sub { !$t->server_threads($direct, 'obtest2') }, 10),
	'  its server connection, which got half of it, is closed');
no_leak('after the split refusal');
is($t->status()->{pool_dropped}, 0, 'no pooled session was dropped');

$other->disconnect();
$direct->disconnect();
$t->stop();
