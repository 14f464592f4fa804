#!/usr/bin/perl

# Tests for obproxy_diagnosis.log (README, Logs): one line per abnormal
# end of a session, with its kind and ODP's fields, and none for a normal
# quit: a client killed during a statement (CLIENT_VC_TRACE with the
# statement), an idle client that vanished, a session closed by KILL,
# one idle past wait_timeout (TIMEOUT_TRACE), and sessions whose server
# was killed (SERVER_VC_TRACE with the server's address and connection
# id).

use warnings;
use strict;

use POSIX qw/_exit/;
use Test::More;
use Time::HiRes qw/sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(14)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF
my $server = '127.0.0.1:' . $t->server_port(1);

# The lines of the client session <id>.
my $lines_of = sub {
	my ($id) = @_;
	return grep { /connection_diagnosis=\{cs_id:$id,/ }
		split /\n/, $t->odp_log('diagnosis');
};

# A normal quit: no line.
my $q = $t->dbh() or die $t->dbi_error() . "\n";
my $qid = $q->{mariadb_thread_id};
$q->selectrow_array('SELECT 1');
$q->disconnect();
sleep(0.3);
is(scalar($lines_of->($qid)), 0, 'a quit: no line');

# A client killed during a statement: a child process holds the
# connection, runs SELECT SLEEP(5) and dies by SIGKILL.
pipe(my $rd, my $wr) or die "pipe: $!\n";
my $child = fork() // die "fork: $!\n";
if ($child == 0) {
	close $rd;
	my $c = $t->dbh() or _exit(1);
	syswrite $wr, "$c->{mariadb_thread_id}\n";
	$c->selectrow_array('SELECT SLEEP(5)');
	_exit(0);
}
close $wr;
my $cid = <$rd> // '';
chomp $cid;
sleep(0.5);
kill 'KILL', $child;
waitpid($child, 0);
$t->waitfor(sub { $lines_of->($cid) }, 5);
my @l = $lines_of->($cid);
is(scalar @l, 1, 'client killed during a statement: one line');
like($l[0] // '', qr/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\] \[\d+\]\[Y[0-9A-F]+-[0-9A-F]{16}\] \[CONNECTION\]\(trace_type="CLIENT_VC_TRACE", /,
	'  ODP\'s header and trace type');
like($l[0] // '', qr/request_cmd:"OB_MYSQL_COM_QUERY".*user_sql:"SELECT SLEEP\(5\)"/,
	'  the statement it was running');
like($l[0] // '', qr/server_addr:"\Q$server\E"/, '  and its server');

# An idle client that vanishes (no COM_QUIT).
my $idle = $t->dbh() or die $t->dbi_error() . "\n";
my $iid = $idle->{mariadb_thread_id};
$idle->selectrow_array('SELECT 1');
{
	# the socket under DBI shut down, as a client that vanished
	my $fd = $idle->{mariadb_sockfd};
	open(my $s, '+<&=', $fd) or die "fd $fd: $!\n";
	shutdown($s, 2);
}
$t->waitfor(sub { $lines_of->($iid) }, 5);
@l = $lines_of->($iid);
is(scalar @l, 1, 'an idle client gone: one line');
like($l[0] // '', qr/trace_type="CLIENT_VC_TRACE".*request_cmd:"OB_MYSQL_COM_SLEEP"/,
	'  CLIENT_VC_TRACE, between statements');

# KILL from another session.
my $killer = $t->dbh() or die $t->dbi_error() . "\n";
my $victim = $t->dbh() or die $t->dbi_error() . "\n";
my $vid = $victim->{mariadb_thread_id};
$victim->selectrow_array('SELECT 1');
$killer->do("KILL $vid");
$t->waitfor(sub { $lines_of->($vid) }, 5);
@l = $lines_of->($vid);
is(scalar @l, 1, 'KILL: one line');
like($l[0] // '', qr/vc_event:"KILL"/, '  saying KILL');

# wait_timeout: the proxy's ERR, then a TIMEOUT_TRACE line.
my $sleepy = $t->dbh() or die $t->dbi_error() . "\n";
my $sid = $sleepy->{mariadb_thread_id};
$sleepy->do('SET SESSION wait_timeout = 1');
$t->waitfor(sub { $lines_of->($sid) }, 6);
@l = $lines_of->($sid);
is(scalar @l, 1, 'wait_timeout: one line');
like($l[0] // '', qr/trace_type="TIMEOUT_TRACE".*error_code:4031.*timeout_event:"CLIENT_WAIT_TIMEOUT"/,
	'  TIMEOUT_TRACE, 4031');

# The server killed under two idle sessions holding a connection to it.
my @held = map { $t->dbh() or die $t->dbi_error() . "\n" } 1 .. 2;
$_->selectrow_array('SELECT 1') for @held;
my @hid = map { $_->{mariadb_thread_id} } @held;
$t->stop_mariadb(1, 'KILL');
$t->waitfor(sub { (grep { $lines_of->($_) } @hid) == 2 }, 10);
my @srv = map { $lines_of->($_) } @hid;
is(scalar @srv, 2, 'server killed: one line per session');
is(scalar(grep { /trace_type="SERVER_VC_TRACE".*server_addr:"\Q$server\E"/ }
	@srv), 2, '  SERVER_VC_TRACE with the server');
is(scalar(grep { /server_session_id:[1-9]\d*,/ } @srv), 2,
	'  and the server\'s connection id');

$t->stop();
