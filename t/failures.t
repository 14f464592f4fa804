#!/usr/bin/perl

# Tests for failures: the server serving a statement dies (the client gets
# 1158 and its next statement goes to the other server; the statement is
# no plain read, which would go again, t/stmt_timeout.t), and clients that
# misbehave on the wire (garbage, a 16 MiB length then nothing, a cut
# handshake response, silence past client_login_timeout, leaving in the
# middle of a result).  After each, a normal client is served, the log
# names the client, obproxyctl status counts agree with the sockets, and
# no worker died.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->can_direct()->plan(22)->run_mariadb(2);
my @timeout = $t->knows_param('client_login_timeout')
	? ('-o', 'client_login_timeout=1s') : ();
diag('obproxy has no parameter client_login_timeout') unless @timeout;
$t->write_file_expand('obproxy.yaml', <<'EOF')->run(@timeout);
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 2
EOF
my @workers;
$t->waitfor(sub { (@workers = $t->workers()) == 2 }, 10);
my %alive = map { $_ => 1 } 1, 2;

# The server of a statement in flight is killed.

SKIP: {
	skip 'direct: the proxy hides a dead server', 3 if $t->direct();
	my $dbh = $t->dbh();
	my $port = $dbh && $dbh->selectrow_array('SELECT @@port') // 0;
	my ($n) = grep { $t->server_port($_) == $port } 1, 2;
	my $sth = $dbh && $dbh->prepare('DO SLEEP(5)',
		{ mariadb_async => 1 });
	$sth->execute() if $sth;
	$t->waitfor(sub { running($n // 1, 'DO SLEEP') }, 10)
		or diag('no SLEEP on the server');
	$t->stop_mariadb($n // 1, 'KILL');
	delete $alive{$n // 1};
	$t->waitfor(sub { $sth && $sth->mariadb_async_ready() }, 10);
	my $res = $sth && $sth->mariadb_async_result();
	like(defined $res ? 'a result' : !$dbh ? 'no connection'
		: join(' ', $dbh->err // '', $dbh->state // '',
		$dbh->errstr // ''),
		qr/^1158\ 08S01\ \QLost connection to MySQL server during\E
		\Q query (server 127.0.0.1:$port: \E[^)]+\)$/x,
		'server killed: 1158 naming the server');
	my ($p, $db) = $dbh ? $dbh->selectrow_array('SELECT @@port, DATABASE()')
		: ();
	is($p, $t->server_port($n && $n == 1 ? 2 : 1),
		'server killed: next statement served by the other server')
		or diag($dbh && $dbh->errstr);
	is($db, 'test', 'server killed: the session\'s database kept');
}

# Clients that misbehave.  One client stays open throughout.

my $idle = $t->dbh() or diag($t->dbi_error());

my @cases = (
	[ 'garbage instead of a handshake response', sub {
		my $r = handshaken();
		$r->send_packet(join('', map { chr } 0 .. 255), 1);
		return ($r, closed_after_err($r));
	}, 'closed' ],
	[ 'length 0xffffff, then nothing and close', sub {
		my $r = handshaken();
		$r->send_raw("\xff\xff\xff\x01");
		return ($r);
	} ],
	[ 'a truncated handshake response', sub {
		my $r = handshaken();
		$r->send_packet(substr($r->response_packet(user => $t->user(),
			password => $t->password()), 0, 12), 1);
		return ($r, closed_after_err($r));
	}, 'closed' ],
	[ 'nothing after the handshake', sub {
		my $t0 = time();
		my $r = handshaken();
		return ($r) if $t->direct();
		my $closed = $r->closed(5);
		my $after = time() - $t0;
		my $how = $closed ? 'closed' : 'open';
		return ($r, $closed && $after > 0.8 && $after < 3 ? 'closed'
			: sprintf('%s after %.1f s', $how, $after));
	}, 'closed' ],
	[ 'leaving in the middle of a result', sub {
		my $r = $t->raw_login() or return (undef, "login: $@");
		$r->send_command(0x03, "SELECT seq, REPEAT('x', 100)"
			. ' FROM seq_1_to_1000000');
		$r->read_packet() for 1 .. 1000;
		$r->close();
		my $gone = $t->waitfor(sub { !grep { running($_, 'SELECT seq') }
			keys %alive }, 10);
		return ($r, $gone ? 'query ended' : 'query still running');
	}, 'query ended' ],
);

for my $case (@cases) {
	my ($name, $action, $want) = @$case;
	my $mark = length $t->log();
	my ($r, $outcome) = $action->();
	my $port = $r ? $r->local_port() : 'none';
	$r->close() if $r;
	if (defined $want) {
		SKIP: {
			skip 'direct: the proxy\'s own timeout', 1
				unless defined $outcome;
			is($outcome, $want, "$name: $want");
		}
	}

	is($t->mariadb('SELECT 1'), "1\n", "$name: a normal client served");
	SKIP: {
		skip 'direct: the proxy\'s log and counters', 2 if $t->direct();
		my $line = qr/^\[[^\]]+\]\ (?:ALERT|ERROR|WARN|INFO)\ .*
			\b127\.0\.0\.1:$port\b/mx;
		ok($t->waitfor(sub { substr($t->log(), $mark) =~ $line }, 5),
			"$name: logged, naming the client")
			or diag(substr($t->log(), $mark));
		$t->waitfor(sub { status_line() eq want_line() }, 5);
		is(status_line(), want_line(),
			"$name: status counts the sockets, workers unchanged");
	}
}
undef $idle;

###############################################################################

# A raw client that has read the proxy's handshake; its local port kept.
sub handshaken {
	my $r = $t->raw() or die "connect: $@\n";
	$r->handshake() or diag("no handshake: $r->{error}");
	return $r;
}

# "closed" when <r> is closed within 5 s, having sent nothing or an ERR
# packet first.
sub closed_after_err {
	my ($r) = @_;
	return 'still open' unless $r->closed(5);
	my $rest = $r->{rest};
	return 'closed' if $rest eq '' || substr($rest, 4, 1) eq "\xff";
	return 'closed after a packet that is no ERR';
}

# True when server <n> runs a statement starting with <prefix>.
sub running {
	my ($n, $prefix) = @_;
	return $t->mariadb('SELECT COUNT(*) FROM information_schema.processlist'
		. " WHERE info LIKE '$prefix%' AND id <> CONNECTION_ID()",
		port => $t->server_port($n)) =~ /^[1-9]/;
}

# What obproxyctl status says, and what it should say: the one client
# left open, the server connections the workers hold, the same workers.
sub status_line {
	my $s = $t->status();
	return sprintf 'clients %s, servers %s, workers %s',
		$s->{client_active} // '?', $s->{server_active} // '?',
		join ',', $t->workers();
}

sub want_line {
	return sprintf 'clients 1, servers %d, workers %s',
		$t->server_sockets(), join ',', @workers;
}
