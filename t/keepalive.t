#!/usr/bin/perl

# Tests for the TCP options of the proxy's sockets, read on the worker's
# live sockets (getsockopt on a copy taken with pidfd_getfd, and ss's
# keepalive timer): client sockets get client_tcp_keepidle, keepintvl,
# keepcnt and client_tcp_user_timeout, server sockets the server_tcp_*
# values, each with TCP_NODELAY and SO_KEEPALIVE as the flag parameters
# say (client_sock_option_flag_out, sock_option_flag_out); a reload
# changes the options of clients accepted afterwards.

use warnings;
use strict;

use Test::More;
use Socket qw/IPPROTO_TCP SOL_SOCKET SO_KEEPALIVE TCP_NODELAY TCP_KEEPIDLE
	TCP_KEEPINTVL TCP_KEEPCNT TCP_USER_TIMEOUT sockaddr_family
	unpack_sockaddr_in AF_INET/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;
use POSIX ();

use constant { SYS_pidfd_open => 434, SYS_pidfd_getfd => 438 };

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(9)->run_mariadb(1);
my $conf = <<'EOF2';
automatic_match_work_thread: false
work_thread_num: 1
client_tcp_keepidle: 7
client_tcp_keepintvl: 3
client_tcp_keepcnt: 4
client_tcp_user_timeout: 9
server_tcp_keepidle: 13
server_tcp_keepintvl: 6
server_tcp_keepcnt: 2
server_tcp_user_timeout: 11
EOF2
$t->write_conf($conf)->run();
my ($worker) = $t->workers();

# The worker's sockets as (local port, peer port, handle of a copy).
sub worker_sockets {
	my $pidfd = syscall(SYS_pidfd_open, $worker + 0, 0);
	return () if $pidfd < 0;
	my @s;
	for my $path (glob "/proc/$worker/fd/*") {
		next unless (readlink($path) // '') =~ /^socket:/;
		my ($n) = $path =~ /(\d+)$/;
		my $fd = syscall(SYS_pidfd_getfd, $pidfd, $n + 0, 0);
		next if $fd < 0;
		open(my $fh, '+<&=', $fd) or next;
		my ($me, $peer) = (getsockname($fh), getpeername($fh));
		next unless $me && $peer && sockaddr_family($me) == AF_INET;
		push @s, [ (unpack_sockaddr_in($me))[0],
			(unpack_sockaddr_in($peer))[0], $fh ];
	}
	POSIX::close($pidfd);
	return @s;
}

sub opts {
	my ($fh) = @_;
	my $int = sub { unpack('i', getsockopt($fh, $_[0], $_[1]) // "\0" x 4) };
	return join ' ', $int->(IPPROTO_TCP, TCP_NODELAY) ? 'nodelay' : '-',
		$int->(SOL_SOCKET, SO_KEEPALIVE) ? 'keepalive' : '-',
		map { $int->(IPPROTO_TCP, $_) } TCP_KEEPIDLE, TCP_KEEPINTVL,
		TCP_KEEPCNT, TCP_USER_TIMEOUT;
}

sub client_opts {
	my ($r) = @_;
	my ($s) = grep { $_->[1] == $r->local_port() } worker_sockets();
	return $s ? opts($s->[2]) : 'no such socket';
}

my $r = $t->raw_login() or diag($@);
is($r && client_opts($r), 'nodelay keepalive 7 3 4 9000',
	'a client socket: client_tcp_* (user timeout in ms)');
my $sport = $t->server_port(1);
my ($srv) = grep { $_->[1] == $sport } worker_sockets();
is($srv ? opts($srv->[2]) : 'none', 'nodelay keepalive 13 6 2 11000',
	'a server socket: server_tcp_*');

SKIP: {
	skip('no ss', 2) unless `ss -V 2>&1` =~ /iproute/;
	my $port = $r ? $r->local_port() : 0;
	# once the last packet is acknowledged, the keepalive timer runs
	my $ss = '';
	$t->waitfor(sub {
		$ss = `ss -tno state established '( dport = :$port )' 2>&1`;
		$ss =~ /keepalive/;
	}, 3);
	like($ss, qr/timer:\(keepalive,[\d.]+(?:ms|sec),0\)/,
		'ss: a keepalive timer on the client socket');
	# seconds, which some ss versions print as "6.884ms"
	my ($left) = $ss =~ /timer:\(keepalive,([\d.]+)/;
	ok(defined $left && $left <= 7 && $left > 5,
		'  within client_tcp_keepidle (7 s)') or diag($ss);
}

# The flags: NODELAY only for clients, nothing for servers.
$conf =~ s/^client_tcp_user_timeout: 9$/client_tcp_user_timeout: 0/m;
$t->write_conf($conf . "client_sock_option_flag_out: 1\n"
	. "sock_option_flag_out: 0\n");
ok($t->reload(undef, 1), 'reloaded with the flags changed');
is(client_opts($r), 'nodelay keepalive 7 3 4 9000',
	'  a client already there keeps its options');
my $r2 = $t->raw_login() or diag($@);
like($r2 && client_opts($r2), qr/^nodelay - .* 0$/,
	'  a new client: TCP_NODELAY, no SO_KEEPALIVE, no user timeout');
my %opts = map { $_->[1] == $sport ? (opts($_->[2]) => 1) : () }
	worker_sockets();
ok(grep({ /^- - \d+ \d+ \d+ 11000$/ } keys %opts),
	'  its new server socket: neither flag') or diag(join '; ', keys %opts);
ok($r2 && $r2->query('SELECT 1'), '  and it serves');

$t->stop();
