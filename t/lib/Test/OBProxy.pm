package Test::OBProxy;

# The harness of the integration tests, in the shape of nginx-tests'
# Test::Nginx.  Each test gets a temporary root directory, starts MariaDB
# servers and obproxy inside it, talks to the proxy through the mariadb
# client or DBI, and stops every process it started by pid with bounded
# waits.  Two closing checks, "no alerts" and "no sanitizer errors", are
# counted in the plan; the second fails on any report of AddressSanitizer,
# LeakSanitizer or UBSan, and stop() lets a sanitized obproxy's processes
# exit by themselves, so that LeakSanitizer reports at each exit.
#
# TEST_OBPROXY_DIRECT=1 points the client helpers at the first MariaDB
# server instead of the proxy, in the tests that declare can_direct();
# the others are skipped.  A test checks its own expectations that way.

use warnings;
use strict;

use Cwd qw/abs_path/;
use Digest::SHA qw/sha1_hex/;
use File::Basename qw/dirname/;
use File::Path qw/make_path remove_tree/;
use File::Temp qw/tempdir/;
use IO::Socket::INET;
use POSIX qw/WNOHANG _exit/;
use Scalar::Util qw/weaken/;
use Socket qw/AF_UNIX SOCK_STREAM pack_sockaddr_un/;
use Test::More ();
use Time::HiRes qw/sleep time/;

our $USER = 'obtest';
our $PASSWORD = 'obtest-pw';

# The proxy's service account on every server (ODP's proxyro); the proxy
# is given the SHA1 of its password as observer_sys_password.
our $SERVICE_USER = 'proxyro';
our $SERVICE_PASSWORD = 'proxyro-test-pw';

# Debian's interpreter, which sees the python3-pymysql and python3-mysqldb
# packages (another python3 may come first in PATH).
our $PYTHON = '/usr/bin/python3';

# t/, found from this file, so the tests work from any directory.
my $TDIR = dirname(dirname(dirname(abs_path(__FILE__))));

# Harness objects still to be finished by the END block (weak references).
my %live;

sub new {
	my ($class) = @_;
	my $self = bless {}, $class;

	$self->{_owner} = $$;
	$self->{_testdir} = tempdir('obproxy-test-XXXXXXXX', TMPDIR => 1);
	$self->{_ports} = {};
	$self->{_mariadb} = {};
	$self->{_templates} = {};
	$self->{_binary} = _abs($ENV{TEST_OBPROXY_BINARY}
		// "$TDIR/../master/obproxy");
	$self->{_ctl_binary} = _abs($ENV{TEST_OBPROXYCTL_BINARY}
		// "$TDIR/../master/obproxyctl");
	$self->{_seq} = 0;

	$live{"$self"} = $self;
	weaken($live{"$self"});

	# Interrupted, or its output cut, a test still stops what it started
	# (END runs on exit).
	for my $sig (qw/INT TERM HUP PIPE/) {
		$SIG{$sig} = sub { Test::More::diag("got SIG$sig"); exit 1 }
			unless $SIG{$sig};
	}
	return $self;
}

sub _abs {
	my ($path) = @_;
	return $path if $path =~ m{^/};
	return abs_path(dirname($path)) . '/' . (split m{/}, $path)[-1];
}

sub testdir { $_[0]->{_testdir} }
sub binary { $_[0]->{_binary} }
sub ctl_binary { $_[0]->{_ctl_binary} }
sub user { $USER }
sub password { $PASSWORD }
sub service_password_sha1 { sha1_hex($SERVICE_PASSWORD) }

###############################################################################
# Plan and prerequisites.

# Skips the whole test, with the reason, when a program or a Perl module
# it needs is missing.
sub has {
	my ($self, @features) = @_;

	for my $f (@features) {
		my $ok = $f =~ /::/ ? eval "require $f; 1" : _find_program($f);
		Test::More::plan(skip_all => "no $f") unless $ok;
	}
	return $self;
}

sub _find_program {
	my ($name) = @_;
	for my $dir (split(/:/, $ENV{PATH} // ''), qw{/usr/sbin /usr/local/sbin
		/usr/bin /usr/local/bin})
	{
		return "$dir/$name" if $dir ne '' && -f "$dir/$name"
			&& -x "$dir/$name";
	}
	return undef;
}

sub _program {
	my ($name) = @_;
	return _find_program($name) // die "$name not found\n";
}

# True when /usr/bin/python3 can import <module>.
sub python_module {
	my ($self, $m) = @_;
	return 0 unless -x $PYTHON;
	my ($rc) = $self->run_cmd([ $PYTHON, '-c', "import $m" ],
		timeout => 30);
	return $rc == 0;
}

# Declares that the test's client-side checks hold against a server as
# well, so TEST_OBPROXY_DIRECT=1 runs it (before plan()).
sub can_direct {
	my ($self) = @_;
	$self->{_can_direct} = 1;
	return $self;
}

# True when the clients talk to the first server instead of the proxy:
# checks of the proxy itself are then skipped.
sub direct { $ENV{TEST_OBPROXY_DIRECT} && $_[0]->{_can_direct} ? 1 : 0 }

# The two closing checks are part of every plan.
sub plan {
	my ($self, $n) = @_;
	Test::More::plan(skip_all => 'TEST_OBPROXY_DIRECT: this test checks '
		. 'the proxy itself') if $ENV{TEST_OBPROXY_DIRECT}
		&& !$self->{_can_direct};
	Test::More::plan(tests => $n + 2);
	$self->{_planned} = 1;
	return $self;
}

###############################################################################
# Files and ports.

sub write_file {
	my ($self, $name, $content) = @_;
	my $path = "$self->{_testdir}/$name";
	make_path(dirname($path));
	open my $fh, '>', $path or die "cannot write $path: $!\n";
	binmode $fh;
	print $fh $content;
	close $fh or die "cannot write $path: $!\n";
	return $self;
}

sub write_file_expand {
	my ($self, $name, $content) = @_;
	$self->{_templates}{$name} = $content;
	return $self->write_file($name, $self->expand($content));
}

# obproxy.yaml for the usual test: the proxy on %%PORT_2883%% of 127.0.0.1
# in front of every server started, then <more> (YAML lines, may be '').
sub write_conf {
	my ($self, $more) = @_;
	return $self->write_file_expand('obproxy.yaml', <<'EOF' . ($more // ''));
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
EOF
}

sub expand {
	my ($self, $text) = @_;
	$text =~ s/%%TESTDIR%%/$self->{_testdir}/g;
	$text =~ s/%%PORT_(\d+)%%/$self->port($1)/ge;
	$text =~ s/%%SERVERS%%/$self->servers()/ge;
	$text =~ s/%%SERVER_(\d+)%%/$self->server($1)/ge;
	return $text;
}

sub read_file {
	my ($self, $name) = @_;
	my $path = $name =~ m{^/} ? $name : "$self->{_testdir}/$name";
	open my $fh, '<', $path or return undef;
	binmode $fh;
	local $/;
	my $content = <$fh>;
	close $fh;
	return $content // '';
}

sub log { $_[0]->read_file('log/obproxy.log') // '' }
# WARN and above (obproxy.log.wf); obproxy_error.log is a request log.
sub error_log { $_[0]->read_file('log/obproxy.log.wf') // '' }
# One of ODP's request logs: error, digest, slow, stat, diagnosis.
sub odp_log { $_[0]->read_file("log/obproxy_$_[1].log") // '' }

# A free TCP port on 127.0.0.1 per name, kept for the whole test.
sub port {
	my ($self, $name) = @_;
	return $self->{_ports}{$name} //= $self->_free_port();
}

# Ports come from below the kernel's ephemeral range, so no outgoing
# connection takes one before its server binds it.  A port is reserved
# against concurrent tests by an abstract unix socket named after it,
# which the kernel releases when this process exits.
sub _free_port {
	my ($self) = @_;
	my $low = 32768;
	if (open my $fh, '<', '/proc/sys/net/ipv4/ip_local_port_range') {
		($low) = split ' ', <$fh>;
		close $fh;
	}
	$low = 32768 if $low < 12000;

	for (1 .. 500) {
		my $port = 10000 + int(rand($low - 10000));
		socket(my $lock, AF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
		next unless bind($lock,
			pack_sockaddr_un("\0obproxy-test-port-$port"));
		my $probe = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
			LocalPort => $port, Proto => 'tcp') or next;
		close $probe;
		push @{$self->{_port_locks}}, $lock;
		return $port;
	}
	die "no free port found\n";
}

###############################################################################
# MariaDB servers.

sub servers {
	my ($self) = @_;
	my @n = sort { $a <=> $b } keys %{$self->{_mariadb}};
	die "no MariaDB server started\n" unless @n;
	return join ';', map { $self->server($_) } @n;
}

sub server {
	my ($self, $n) = @_;
	my $m = $self->{_mariadb}{$n} or die "no MariaDB server $n\n";
	return "127.0.0.1:$m->{port}";
}

sub server_port { $_[0]->{_mariadb}{$_[1]}{port} }

# The process id of server <n>, to signal it (STOP, CONT), or undef.
sub mariadb_pid { $_[0]->{_mariadb}{$_[1]}{pid} }

# More mariadbd options for the servers started from now on.
sub mariadbd_options {
	my ($self, @opts) = @_;
	push @{$self->{_mariadbd_opts}}, @opts;
	return $self;
}

# A self-signed certificate for 127.0.0.1 and its key, made once per
# test with the openssl program: (certificate, key), absolute paths.
sub tls_files {
	my ($self) = @_;
	my ($cert, $key) = map { "$self->{_testdir}/$_" } qw/cert.pem key.pem/;
	return ($cert, $key) if -f $cert;
	my ($rc, $out) = $self->run_cmd([ _program('openssl'), 'req', '-x509',
		'-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
		'-nodes', '-days', '2', '-subj', '/CN=127.0.0.1',
		'-keyout', $key, '-out', $cert ], timeout => 30);
	die "openssl req failed ($rc):\n$out" if $rc;
	return ($cert, $key);
}

# Starts <n> servers, numbered from 1, each with the test account, the
# service account and the database "test".
sub run_mariadb {
	my ($self, $n) = @_;
	$self->start_mariadb($_) for 1 .. $n;
	return $self;
}

sub start_mariadb {
	my ($self, $n) = @_;
	my $dir = "$self->{_testdir}/mdb$n";
	my $m = $self->{_mariadb}{$n} //= { dir => $dir };

	$self->_install_mariadb($n) unless -d $dir;
	for my $try (1 .. 5) {
		$m->{port} //= $self->_free_port();
		$m->{pid} = $self->_spawn($self->_mariadbd_cmd($n),
			out => "$dir.out");
		return $self->_setup_mariadb($n)
			if $self->_wait_listen($m->{port}, 30, $m->{pid});
		my $err = $self->read_file("$dir.err") // '';
		$self->stop_mariadb($n);
		die "mariadbd $n did not start:\n" . _tail($err, 20)
			unless $err =~ /Address already in use/ && !$m->{ready};
		delete $m->{port};
	}
	die "mariadbd $n: no free port after 5 tries\n";
}

sub _install_mariadb {
	my ($self, $n) = @_;
	my $dir = $self->{_mariadb}{$n}{dir};

	# Bootstraps sharing a temporary directory crash each other.
	make_path("$dir.tmp");
	my @cmd = (_program('mariadb-install-db'), '--no-defaults',
		($> == 0 ? '--user=root' : ()), "--datadir=$dir",
		"--tmpdir=$dir.tmp",
		'--auth-root-authentication-method=normal', '--skip-test-db',
		'--skip-name-resolve', '--innodb-log-file-size=4M',
		'--innodb-buffer-pool-size=16M');
	my ($rc, $out) = $self->run_cmd(\@cmd, timeout => 120);
	die "mariadb-install-db failed ($rc):\n" . _tail($out, 60) if $rc;
}

# Small and fast: little memory, no binary log, no durability.
sub _mariadbd_cmd {
	my ($self, $n) = @_;
	my $m = $self->{_mariadb}{$n};
	my $dir = $m->{dir};
	return [ _program('mariadbd'), '--no-defaults',
		($> == 0 ? '--user=root' : ()), "--datadir=$dir",
		"--port=$m->{port}", '--bind-address=127.0.0.1',
		"--socket=$dir.sock", "--pid-file=$dir.pid",
		"--log-error=$dir.err", "--tmpdir=$dir.tmp",
		'--skip-log-bin', '--skip-name-resolve',
		'--innodb-buffer-pool-size=16M', '--innodb-log-file-size=4M',
		'--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0',
		'--performance-schema=OFF', '--max-connections=500',
		'--max-allowed-packet=64M', '--local-infile=1',
		'--key-buffer-size=1M', '--loose-feedback=OFF',
		@{$self->{_mariadbd_opts} // []}, @{$m->{opts} // []} ];
}

sub _setup_mariadb {
	my ($self, $n) = @_;
	my $m = $self->{_mariadb}{$n};
	return $self if $m->{ready}++;

	my $sql = "DELETE FROM mysql.global_priv WHERE User = '';"
		. " FLUSH PRIVILEGES;"
		. " CREATE USER '$USER'\@'%' IDENTIFIED BY '$PASSWORD';"
		. " GRANT ALL PRIVILEGES ON *.* TO '$USER'\@'%'"
		. " WITH GRANT OPTION;"
		. " CREATE USER '$SERVICE_USER'\@'%'"
		. " IDENTIFIED BY '$SERVICE_PASSWORD';"
		. " GRANT SELECT ON mysql.* TO '$SERVICE_USER'\@'%';"
		. " CREATE DATABASE test;";
	return $self->_root_sql($n, $sql, 'account setup');
}

# Runs <sql> on server <n> as root through its socket; dies with <what>
# when it fails.
sub _root_sql {
	my ($self, $n, $sql, $what) = @_;
	# on stdin: a statement of many rows may exceed an argument's limit
	my ($rc, $out) = $self->run_cmd([ _program('mariadb'), '--no-defaults',
		"--socket=$self->{_mariadb}{$n}{dir}.sock", '-uroot' ],
		stdin => $sql, timeout => 30);
	die "mariadb $n: $what failed ($rc):\n$out" if $rc;
	return $self;
}

# Stops server <n> with <sig> (TERM; KILL after 30 s); it can be started
# again on the same port with start_mariadb(<n>).
sub stop_mariadb {
	my ($self, $n, $sig) = @_;
	my $m = $self->{_mariadb}{$n} or return $self;
	$self->cont_mariadb($n);
	my $pid = delete $m->{pid} or return $self;
	$self->_stop_pid($pid, $sig // 'TERM', 30);
	return $self;
}

# SIGSTOP to server <n> (a hung server: a stuck disk, a blackholed
# network), then until every thread of it is stopped, as kill() returns
# before a busy thread stops; false when it did not stop within 5 s.
# cont_mariadb(<n>) continues it, and so do stop_mariadb() and the end
# of the test.
sub pause_mariadb {
	my ($self, $n) = @_;
	my $pid = $self->mariadb_pid($n) or return 0;
	kill 'STOP', $pid;
	$self->{_mariadb}{$n}{paused} = 1;
	return $self->waitfor(sub { !grep { !_stopped_task($_) }
		glob("/proc/$pid/task/*/stat") }, 5);
}

sub _stopped_task {
	open my $fh, '<', $_[0] or return 1;
	return (<$fh> // '') =~ /\) [Tt] /;
}

sub cont_mariadb {
	my ($self, $n) = @_;
	my $m = $self->{_mariadb}{$n} or return 0;
	delete $m->{paused} or return 0;
	return $m->{pid} ? kill('CONT', $m->{pid}) : 0;
}

# The number of the server whose port <dbh>'s session is on (@@port), or
# undef.
sub server_of {
	my ($self, $dbh) = @_;
	my $port = $dbh ? $dbh->selectrow_array('SELECT @@port') // 0 : 0;
	my ($n) = grep { $self->server_port($_) == $port }
		sort keys %{$self->{_mariadb}};
	return $n;
}

# Runs <sql> on DBI handle <dbh> without waiting more than <max>
# seconds: ("ok", or "code message", or "no answer"; seconds taken).
sub timed_query {
	my ($self, $dbh, $sql, $max) = @_;
	my $t0 = time();
	my $sth = $dbh && $dbh->prepare($sql, { mariadb_async => 1 });
	return ('no statement', 0) unless $sth && $sth->execute();
	$self->waitfor(sub { $sth->mariadb_async_ready() }, $max)
		or return ('no answer', time() - $t0);
	my $res = $sth->mariadb_async_result();
	return (defined $res ? 'ok' : ($dbh->err // '') . ' '
		. ($dbh->errstr // ''), time() - $t0);
}

###############################################################################
# Replication: server 1 a primary, servers 2 .. n+1 its replicas.

# Starts server <first> (option, 1) with a binary log (row format,
# GTIDs are MariaDB's own) and <n> replicas of it, numbered after it
# (read_only, each its own server id), each following the primary from
# the position reached after the harness's account setup
# (MASTER_USE_GTID=slave_pos), and waits until they have caught up.  A
# replica's Com_insert and the like count the changes it applies too;
# user_writes() counts only the test account's, and a change a client
# makes on a replica lands in its own binary log.
sub run_replication {
	my ($self, $n, %o) = @_;
	my $d = $self->{_testdir};
	my $p = $o{first} // 1;
	for my $i ($p .. $p + $n) {
		$self->{_mariadb}{$i} = { dir => "$d/mdb$i", opts => [
			"--server-id=$i",
			"--log-bin=$d/mdb$i-bin", '--binlog-format=ROW',
			'--userstat=1',
			($i > $p ? ('--read-only=1', '--skip-slave-start')
				: ()) ] };
		$self->start_mariadb($i);
	}
	$self->_root_sql($p, "SET sql_log_bin = 0; CREATE USER 'repl'\@'%'"
		. " IDENTIFIED BY 'repl-pw'; GRANT REPLICATION SLAVE ON *.*"
		. " TO 'repl'\@'%'", 'replication account');
	my $pos = $self->root_query($p, 'SELECT @@gtid_binlog_pos');
	my $port = $self->server_port($p);
	for my $i ($p + 1 .. $p + $n) {
		$self->_root_sql($i, "SET GLOBAL gtid_slave_pos = '$pos';"
			. " CHANGE MASTER TO MASTER_HOST = '127.0.0.1',"
			. " MASTER_PORT = $port, MASTER_USER = 'repl',"
			. " MASTER_PASSWORD = 'repl-pw',"
			. " MASTER_USE_GTID = slave_pos; START SLAVE",
			'replication start');
		$self->{_replicas}{$i} = $p;
	}
	return $self->sync_replicas();
}

# Waits (at most 20 s each) until every replica has applied what its
# primary has logged; dies when one has not.
sub sync_replicas {
	my ($self) = @_;
	my %pos;
	for my $i (sort { $a <=> $b } keys %{$self->{_replicas} // {}}) {
		my $p = $self->{_replicas}{$i};
		$pos{$p} //= $self->root_query($p, 'SELECT @@gtid_binlog_pos');
		my $r = $self->root_query($i,
			"SELECT MASTER_GTID_WAIT('$pos{$p}', 20)");
		die "replica $i did not reach $pos{$p}: "
			. $self->root_query($i, 'SHOW SLAVE STATUS\G')
			unless defined $r && $r eq '0';
	}
	return $self;
}

# The value of the first column of the first row of <sql> on server <n>
# as root (undef when it fails).
sub root_query {
	my ($self, $n, $sql) = @_;
	my ($rc, $out) = $self->run_cmd([ _program('mariadb'),
		'--no-defaults', "--socket=$self->{_mariadb}{$n}{dir}.sock",
		'-uroot', '-N', '-B', '-e', $sql ], timeout => 30);
	return undef if $rc;
	chomp $out;
	return $out;
}

# The first indented example of README after the text <after>, without
# its indentation, each address 10.0.0.N:3306 replaced by server N's.
sub readme_example {
	my ($self, $after) = @_;
	my $readme = $self->read_file("$TDIR/../README") // die "no README\n";
	my ($block) = $readme =~ /\Q$after\E.*?\n\n((?: {4}[^\n]*\n)+)/s
		or die "README: no example after '$after'\n";
	$block =~ s/^ {4}//mg;
	$block =~ s/10\.0\.0\.(\d+):3306/$self->server($1)/ge;
	return $block;
}

# The writes (INSERT, UPDATE, DELETE and the like) the test account (or
# <user>) made on server <n> (userstat, which run_replication() turns on).
sub user_writes {
	my ($self, $n, $user) = @_;
	$user //= $USER;
	return $self->root_query($n, 'SELECT IFNULL(SUM(UPDATE_COMMANDS), 0)'
		. " FROM information_schema.USER_STATISTICS WHERE USER = '$user'");
}

# The SELECTs the test account (or <user>) ran on server <n> (userstat):
# unlike Com_select, without the proxy monitor's probes and root's
# queries.
sub user_selects {
	my ($self, $n, $user) = @_;
	$user //= $USER;
	return $self->root_query($n, 'SELECT IFNULL(SUM(SELECT_COMMANDS), 0)'
		. " FROM information_schema.USER_STATISTICS WHERE USER = '$user'");
}

# Server <n>'s global status counters named in <names>: a hash.
sub server_status {
	my ($self, $n, @names) = @_;
	my $list = join ',', map { "'$_'" } @names;
	my $out = $self->root_query($n, 'SELECT VARIABLE_NAME, VARIABLE_VALUE'
		. ' FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME'
		. " IN ($list)") // '';
	my %v = map { my ($k, $v) = split /\t/; (lc $k, $v) }
		split /\n/, $out;
	return { map { ($_, $v{lc $_} // 0) } @names };
}

###############################################################################
# A routing cluster: three servers holding one schema, and its topology.

# The tables of database "rt" on every server (plain MariaDB tables: which
# server holds which partition is the topology's business), each row
# marked with its server's name in column srv ('s1', 's2', 's3'), the same
# keys on every server, so a result shows which server answered:
#   t_hash   id BIGINT: ids 1 to 6       HASH(id), 3 partitions
#   t_key    name VARCHAR(32): ROUTING_NAMES   KEY(name), 3 partitions
#   t_range  id INT: 50, 150, 250        RANGE COLUMNS(id): p0 < 100,
#                                        p1 < 200, p2 MAXVALUE
#   t_plain  id INT: 1, 2, 3             not partitioned
our @ROUTING_NAMES = qw/alice bob carol dave erin frank/;

# Starts servers 1 to 3 (those not running yet), creates database "rt" on
# each as above, and returns the topology (YAML lines for write_conf).
# Options: tenant (app).
sub run_routing_cluster {
	my ($self, %o) = @_;
	for my $n (1 .. 3) {
		$self->start_mariadb($n)
			unless $self->{_mariadb}{$n} && $self->{_mariadb}{$n}{pid};
		$self->_routing_schema($n);
	}
	return $self->routing_topology(%o);
}

sub _routing_schema {
	my ($self, $n) = @_;
	my $cs = 'DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci';
	my $rows = sub {
		my ($keys) = @_;
		return join ', ', map { "($_, 's$n')" } @$keys;
	};
	my $sql = "DROP DATABASE IF EXISTS rt; CREATE DATABASE rt $cs; USE rt;"
		. " CREATE TABLE t_hash (id BIGINT PRIMARY KEY,"
		. " srv VARCHAR(8) NOT NULL) $cs;"
		. " CREATE TABLE t_key (name VARCHAR(32) PRIMARY KEY,"
		. " srv VARCHAR(8) NOT NULL) $cs;"
		. " CREATE TABLE t_range (id INT PRIMARY KEY,"
		. " srv VARCHAR(8) NOT NULL) $cs;"
		. " CREATE TABLE t_plain (id INT PRIMARY KEY,"
		. " srv VARCHAR(8) NOT NULL) $cs;"
		. ' INSERT INTO t_hash VALUES ' . $rows->([ 1 .. 6 ]) . ';'
		. ' INSERT INTO t_key VALUES '
		. $rows->([ map { "'$_'" } @ROUTING_NAMES ]) . ';'
		. ' INSERT INTO t_range VALUES ' . $rows->([ 50, 150, 250 ])
		. ';'
		. ' INSERT INTO t_plain VALUES ' . $rows->([ 1, 2, 3 ]) . ';';
	return $self->_root_sql($n, $sql, 'routing schema');
}

# The topology of the routing cluster: zones z1 (region r1, idc idc1), z2
# (r1, idc2), z3 (r2, idc3); server sN (server N) in zone zN; one tenant
# on the three, primary zone "z1;z2;z3"; partition pI of each table led
# by server I+1 (p0 by s1, p1 by s2, p2 by s3), the two others following
# (the next ones first); t_plain led by s1.
sub routing_topology {
	my ($self, %o) = @_;
	my $tenant = $o{tenant} // 'app';
	my @s = map { $self->server($_) } 1 .. 3;
	my $parts = join '', map {
		my @f = map { 's' . (($_ % 3) + 1) } $_ + 1, $_ + 2;
		"            p$_: [s" . ($_ + 1) . " leader, $f[0] follower,"
		. " $f[1] follower]\n"
	} 0 .. 2;
	return <<"EOF";
zones:
  z1: {region: r1, idc: idc1}
  z2: {region: r1, idc: idc2}
  z3: {region: r2, idc: idc3}
servers:
  s1: {address: "$s[0]", zone: z1}
  s2: {address: "$s[1]", zone: z2}
  s3: {address: "$s[2]", zone: z3}
tenants:
  $tenant:
    primary_zone: "z1;z2;z3"
    servers: [s1, s2, s3]
    replicas: [s1 leader, s2 follower, s3 follower]
    databases:
      rt:
        t_hash:
          partition: HASH
          columns: [id BIGINT]
          partitions: 3
          replicas:
$parts        t_key:
          partition: KEY
          columns: [name VARCHAR(32) utf8mb4_general_ci]
          partitions: 3
          replicas:
$parts        t_range:
          partition: RANGE COLUMNS
          columns: [id INT]
          partitions: {p0: 100, p1: 200, p2: MAXVALUE}
          replicas:
$parts        t_plain: ~
EOF
}

###############################################################################
# obproxy.

# Starts obproxy in the foreground (-N) with OBPROXY_ROOT set to the test
# directory and -f obproxy.yaml when the test wrote that file, and waits
# until its listening port (the -p argument, else port 2883) accepts and
# the pid file and the control socket exist.  The service account's
# observer_sys_password comes first, so a test's own -o overrides it (it
# is left out for a binary that does not know the parameter).
sub run {
	my ($self, @extra) = @_;
	die "obproxy is already running\n" if $self->{_obproxy_pid};
	die "no obproxy binary at $self->{_binary}: run make first\n"
		unless -x $self->{_binary};

	my $dir = $self->{_testdir};
	my $listen = _option(\@extra, '-p');
	for my $try (1 .. 3) {
		my @cmd = ($self->{_binary}, '-N');
		push @cmd, '-f', "$dir/obproxy.yaml"
			if -e "$dir/obproxy.yaml"
			&& !defined _option(\@extra, '-f')
			&& !defined _option(\@extra, '--config');
		push @cmd, $self->_service_opts(), @extra;

		my $port = $listen // $self->port(2883);
		my $mark = -s "$dir/obproxy.stderr" // 0;
		my $pid = $self->_spawn(\@cmd, out => 'obproxy.stderr',
			env => $self->_obproxy_env());
		if ($self->_wait_listen($port, 20, $pid)
			&& $self->waitfor(sub { $self->_ready($pid) }, 10))
		{
			$self->{_obproxy_pid} = $pid;
			return $self;
		}
		$self->_stop_pid($pid, 'TERM', 5);
		my $err = substr($self->read_file('obproxy.stderr') // '',
			$mark);
		die "obproxy did not start:\n" . _tail($err, 20)
			unless $err =~ /Address already in use/
			&& !defined $listen && %{$self->{_templates}};
		$self->_new_ports();
	}
	die "obproxy: no free port after 3 tries\n";
}

# Besides its port: the pid file names <pid> and the control socket
# listens.
sub _ready {
	my ($self, $pid) = @_;
	return ($self->read_file('run/obproxy.pid') // '') eq "$pid\n"
		&& _unix_listening("$self->{_testdir}/run/obproxy.sock");
}

# A port taken by something else meanwhile: new ports for every name and
# the templated files written again.
sub _new_ports {
	my ($self) = @_;
	$self->{_ports}{$_} = $self->_free_port() for keys %{$self->{_ports}};
	$self->write_file($_, $self->expand($self->{_templates}{$_}))
		for keys %{$self->{_templates}};
}

# True when the obproxy binary lists parameter <name> (--help-params).
my %params_of;
sub knows_param {
	my ($self, $name) = @_;
	my $list = $params_of{$self->{_binary}} //= do {
		my ($rc, $out) = $self->run_cmd([ $self->{_binary},
			'--help-params' ], timeout => 30,
			env => $self->_obproxy_env());
		+{ map { $_ => 1 } $out =~ /^(\w+)$/mg };
	};
	return $list->{$name} ? 1 : 0;
}

# The service account's password for a binary that knows the parameter,
# and a /metrics port of the test's own (never ODP's 2884, which tests
# running at once would share).
sub _service_opts {
	my ($self) = @_;
	my @opts;
	push @opts, '-o', 'observer_sys_password='
		. $self->service_password_sha1()
		if $self->knows_param('observer_sys_password');
	push @opts, '-l', $self->port('prometheus')
		if $self->knows_param('enable_prometheus');
	return @opts;
}

sub _option {
	my ($args, $name) = @_;
	for my $i (0 .. $#$args - 1) {
		return $args->[$i + 1] if $args->[$i] eq $name;
	}
	return undef;
}

sub _obproxy_env {
	my ($self) = @_;
	my $s = "$self->{_testdir}/sanitizer";
	return {
		OBPROXY_ROOT => $self->{_testdir},
		ASAN_OPTIONS => "log_path=$s:detect_leaks=1",
		UBSAN_OPTIONS =>
			"log_path=$s:print_stacktrace=1:halt_on_error=1",
	};
}

# Sends <sig> to the master and waits <timeout> seconds (10) for it to
# exit, then kills it and its workers.  Without <sig>: TERM, or QUIT for
# a sanitized binary (_stop_master).  Returns the wait status.
sub stop {
	my ($self, $sig, $timeout) = @_;
	my $pid = delete $self->{_obproxy_pid};
	return undef unless $pid;
	my @workers = grep { defined $_->[1] }
		map { [ $_, _start_time($_) ] } _children($pid);
	my $status = $self->_stop_master($pid, $sig, $timeout // 10);

	# Workers outlive a killed master; end them, if still the same ones.
	for my $w (@workers) {
		next if $self->waitfor(sub {
			(_start_time($w->[0]) // '') ne $w->[1] }, 5);
		Test::More::diag("worker $w->[0] outlived the master; "
			. 'killing it');
		kill 'KILL', $w->[0];
	}
	return $status;
}

# LeakSanitizer reports when a process exits by itself, but a fast stop
# kills the workers still busy after delay_exit_time (100 ms).  Unless
# <sig> says otherwise, a sanitized master is stopped gracefully: each
# worker ends its sessions, exits and reports, then the master does.  A
# session that keeps a transaction open holds a graceful stop for
# hot_upgrade_exit_timeout: after $SANITIZED_GRACE seconds the stop turns
# fast, and the workers it kills report nothing.
our $SANITIZED_GRACE = 5;

sub _stop_master {
	my ($self, $pid, $sig, $timeout) = @_;
	return $self->_stop_pid($pid, $sig // 'TERM', $timeout)
		if defined $sig || !$self->sanitized();
	kill 'QUIT', $pid;
	my ($gone, $status) = _wait_exit($pid, $SANITIZED_GRACE);
	return $status if $gone;
	Test::More::diag("obproxy $pid still stopping gracefully after "
		. "${SANITIZED_GRACE}s; stopping fast");
	return $self->_stop_pid($pid, 'TERM', $timeout);
}

# True when the obproxy binary is built with AddressSanitizer: it names
# the runtime's entry point.
my %sanitized_binary;
sub sanitized {
	my ($self) = @_;
	return $sanitized_binary{$self->{_binary}} //=
		index($self->read_file($self->{_binary}) // '', '__asan_init')
		>= 0 ? 1 : 0;
}

sub pid { $_[0]->{_obproxy_pid} }

# The pid that run/obproxy.pid names, 0 when none (a daemon's master).
sub pidfile_pid {
	my ($self) = @_;
	return ($self->read_file('run/obproxy.pid') // '') =~ /^(\d+)$/m
		? $1 : 0;
}

# The pid of a process that has exited, for a stale pid file.
sub dead_pid {
	my $pid = fork() // die "fork: $!\n";
	_exit(0) if $pid == 0;
	waitpid($pid, 0);
	return $pid;
}

# After a hot upgrade: waits (<timeout> seconds, 30) until the pid file
# names another master and the one we started has exited, then follows
# the new one (not our child: running() and stop() poll it).  Returns its
# pid, or 0.
sub follow_upgrade {
	my ($self, $timeout) = @_;
	my $old = $self->{_obproxy_pid} or return 0;
	my $new = 0;
	$self->waitfor(sub {
		my ($p) = ($self->read_file('run/obproxy.pid') // '') =~ /^(\d+)$/;
		$new = $p if $p && $p != $old;
		$new && _gone($old);
	}, $timeout // 30) or return 0;
	$self->{_obproxy_pid} = $new;
	return $new;
}

# True once <pid> has exited: reaped if it is our child.
sub _gone {
	my ($pid) = @_;
	my $r = waitpid($pid, WNOHANG);
	return 1 if $r == $pid;
	return $r == -1 && !alive($pid) ? 1 : 0;
}

# The worker among <pids> (default: ours) holding the proxy's end of the
# client connection <sock> (a handle, or a DBD::MariaDB handle): the
# client's local port leads to the socket's inode in /proc/net/tcp, and
# the inode to the worker's descriptor.  undef when none does.
sub worker_of {
	my ($self, $sock, @pids) = @_;
	@pids = $self->workers() unless @pids;
	if (ref $sock ne 'GLOB' && !eval { $sock->can('sockport') }) {
		open(my $dup, '+<&', $sock->{mariadb_sockfd}) or return undef;
		$sock = $dup;
	}
	my ($port) = Socket::sockaddr_in(getsockname($sock) // return undef);
	my $want = sprintf '0100007F:%04X 0100007F:%04X', $self->client_port(),
		$port;
	open my $fh, '<', '/proc/net/tcp' or return undef;
	my ($inode) = map { (split ' ')[9] } grep { /^\s*\d+: \Q$want\E / }
		<$fh>;
	close $fh;
	return undef unless $inode;
	for my $pid (@pids) {
		for my $fd (glob "/proc/$pid/fd/*") {
			return $pid if (readlink($fd) // '') eq "socket:[$inode]";
		}
	}
	return undef;
}

# The monitor's process name (monitor/monitor.c).
our $MONITOR_COMM = 'obp_monitor';

# The worker processes of <master> (the one we run by default): its
# children but the monitor.
sub workers {
	my ($self, $master) = @_;
	$master //= $self->{_obproxy_pid} or return ();
	return grep { _comm($_) ne $MONITOR_COMM } _children($master);
}

# The monitor process of <master> (the one we run by default): its
# child named $MONITOR_COMM, or undef.
sub monitor {
	my ($self, $master) = @_;
	$master //= $self->{_obproxy_pid} or return undef;
	my ($pid) = grep { _comm($_) eq $MONITOR_COMM } _children($master);
	return $pid;
}

sub _comm {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/comm" or return '';
	my $comm = <$fh> // '';
	chomp $comm;
	return $comm;
}

# The workers' resident memory, VmRSS summed, in bytes.
sub workers_rss {
	my ($self) = @_;
	my $kb = 0;
	for my $pid ($self->workers()) {
		my $st = $self->read_file("/proc/$pid/status") // next;
		$kb += $1 if $st =~ /^VmRSS:\s+(\d+) kB/m;
	}
	return $kb * 1024;
}

# Established TCP connections from the workers to the servers' ports,
# counted from the kernel's tables: what server_active should say.
sub server_sockets {
	my ($self) = @_;
	my %ports = map { sprintf('%04X', $_->{port}) => 1 }
		grep { $_->{port} } values %{$self->{_mariadb}};
	my %inodes;
	for my $pid ($self->workers()) {
		for my $fd (glob "/proc/$pid/fd/*") {
			my $l = readlink($fd) // next;
			$inodes{$1} = 1 if $l =~ /^socket:\[(\d+)\]$/;
		}
	}
	my $n = 0;
	for my $line (split /\n/, $self->read_file('/proc/net/tcp') // '') {
		my @f = split ' ', $line;
		next unless @f > 9 && $f[3] eq '01';
		my ($port) = $f[2] =~ /:([0-9A-F]{4})$/;
		$n++ if $port && $ports{$port} && $inodes{$f[9]};
	}
	return $n;
}

# True while the master runs; once it has exited, reaps it and keeps the
# wait status for exit_status().
sub running {
	my ($self) = @_;
	my $pid = $self->{_obproxy_pid} or return 0;
	my $r = waitpid($pid, WNOHANG);
	return 1 if $r == 0 || ($r == -1 && alive($pid));
	$self->{_exit_status} = $r == -1 ? undef : $?;
	delete $self->{_obproxy_pid};
	return 0;
}

sub exit_status { $_[0]->{_exit_status} }

# Sends SIGHUP to the master and waits (10 s) for the outcome line,
# "configuration reloaded" unless <want> says otherwise, and then for
# <workers> more "applied a new configuration" lines; true when they came.
sub reload {
	my ($self, $want, $workers) = @_;
	my $applied = qr/worker \d+ applied a new configuration/;
	$want //= qr/configuration reloaded/;
	my $before = () = $self->log() =~ /$want/g;
	my $wbefore = () = $self->log() =~ /$applied/g;
	kill 'HUP', $self->pid();
	return $self->waitfor(sub {
		my $log = $self->log();
		(() = $log =~ /$want/g) > $before
			&& (() = $log =~ /$applied/g) >= $wbefore + ($workers // 0);
	}, 10);
}

# Runs obproxy to completion (-t, -V, a refused start, daemon mode) with the
# test environment, the service account's password first, as run() does.
# Returns (exit code, stdout and stderr).
sub obproxy {
	my ($self, @args) = @_;
	return $self->run_cmd([ $self->{_binary}, $self->_service_opts(),
		@args ], timeout => 30, env => $self->_obproxy_env());
}

sub ctl {
	my ($self, @args) = @_;
	return $self->run_cmd([ $self->{_ctl_binary}, '-d', $self->{_testdir},
		@args ], timeout => 30, env => $self->_obproxy_env());
}

# obproxyctl status as a hash: "key: value" lines, worker lines under
# {worker}{slot} = {pid, state, restarts}, and {ok} when it ended "ok".
sub status {
	my ($self) = @_;
	my ($rc, $out) = $self->ctl('status');
	my %s = (rc => $rc, text => $out);
	for (split /\n/, $out) {
		if (/^worker (\d+): pid (\d+), state (\w+), restarts (\d+)/) {
			$s{worker}{$1} = { pid => $2, state => $3,
				restarts => $4 };
		} elsif (/^([\w ]+):\s*(.*)$/) {
			$s{$1} = $2;
		} elsif (/^ok$/) {
			$s{ok} = 1;
		}
	}
	return \%s;
}

###############################################################################
# Clients.

# Where clients connect: the proxy, or the first server in direct mode.
sub client_port {
	my ($self) = @_;
	return $self->direct() ? $self->server_port(1) : $self->port(2883);
}

sub mariadb_cmd {
	my ($self, $sql, %o) = @_;
	return [ _program('mariadb'), '--no-defaults', '-h127.0.0.1',
		'-P' . ($o{port} // $self->client_port()),
		'-u' . ($o{user} // $USER), '-p' . ($o{password} // $PASSWORD),
		'--batch', '--skip-column-names', '--connect-timeout=10',
		(exists $o{database} ? (defined $o{database}
			? ("-D$o{database}") : ()) : ('-Dtest')),
		@{$o{args} // []},
		(defined $sql ? ('-e', $sql) : ()) ];
}

# Runs <sql> with the mariadb client through the proxy.  Returns the
# output (stdout and stderr), and in list context also the exit code.
# Options: port, user, password, database (undef for none), args (more
# client options), stdin (SQL text too long for an argument), timeout
# (30 s).
sub mariadb {
	my ($self, $sql, %o) = @_;
	my ($rc, $out) = $self->run_cmd($self->mariadb_cmd($sql, %o),
		timeout => $o{timeout} // 30, stdin => $o{stdin});
	return wantarray ? ($out, $rc) : $out;
}

# The same as one of the proxy's own accounts (root@proxysys unless the
# option user says another), without a database and with column names
# (--column-names), for the admin commands; give the password.
sub mariadb_proxysys {
	my ($self, $sql, %o) = @_;
	return $self->mariadb($sql, database => undef, %o,
		user => $o{user} // 'root@proxysys',
		args => [ '--column-names', @{$o{args} // []} ]);
}

# The same in the background: returns a handle for mariadb_wait().
sub mariadb_bg {
	my ($self, $sql, %o) = @_;
	my $out = $self->_scratch('bg');
	my $pid = $self->_spawn($self->mariadb_cmd($sql, %o), out => $out);
	return { pid => $pid, out => $out };
}

sub mariadb_wait {
	my ($self, $h, $timeout) = @_;
	my $rc = $self->_reap($h->{pid}, $timeout // 30);
	my $out = $self->read_file($h->{out}) // '';
	unlink "$self->{_testdir}/$h->{out}";
	return wantarray ? ($out, $rc) : $out;
}

# "code message" of the last dbh() that failed, '' after a success.
sub dbi_error { $_[0]->{_dbi_error} }

# A DBI handle through the proxy, or undef ($DBI::errstr tells why).
# Options: port, user, password, database (undef for none), dsn (more
# "key=value;..." attributes).
sub dbh {
	my ($self, %o) = @_;
	require DBI;
	my $dsn = 'DBI:MariaDB:host=127.0.0.1;port='
		. ($o{port} // $self->client_port())
		. (exists $o{database} ? (defined $o{database}
			? ";database=$o{database}" : '') : ';database=test')
		. ';mariadb_connect_timeout=10;mariadb_read_timeout=60'
		. ';mariadb_write_timeout=60'
		. (defined $o{dsn} ? ";$o{dsn}" : '');
	my $dbh = DBI->connect($dsn, $o{user} // $USER,
		$o{password} // $PASSWORD,
		{ RaiseError => 0, PrintError => 0, AutoCommit => 1 });
	$self->{_dbi_error} = $dbh ? '' : "$DBI::err $DBI::errstr";
	return $dbh;
}

# A DBI handle straight to server <n> (1), for comparisons.
sub direct_dbh {
	my ($self, %o) = @_;
	return $self->dbh(%o, port => $self->server_port($o{server} // 1));
}

# How many server threads belong to users LIKE <pattern>, as <dbh> (a
# direct handle, its own thread aside) sees them.
sub server_threads {
	my ($self, $dbh, $pattern) = @_;
	return $dbh->selectrow_array('SELECT COUNT(*) FROM '
		. 'information_schema.PROCESSLIST WHERE USER LIKE ? '
		. 'AND ID <> CONNECTION_ID()', undef, $pattern);
}

# A raw protocol client (Test::OBProxy::Raw) connected to the proxy, or
# undef.  Options: port, timeout (per read).
sub raw {
	my ($self, %o) = @_;
	require Test::OBProxy::Raw;
	return Test::OBProxy::Raw->new(%o,
		port => $o{port} // $self->client_port());
}

# A raw client logged in as the test account into "test": the client,
# or undef with the reason in $@.
sub raw_login {
	my ($self, %o) = @_;
	my $r = $self->raw(%o) or return undef;
	my $res = $r->login(user => $USER, password => $PASSWORD,
		db => 'test', %o);
	return $r if $res && $res->{ok};
	$@ = $res ? "login failed: " . ($res->{message} // 'no OK')
		: "login failed: $r->{error}";
	return undef;
}

# mariadb-admin with <args> through the proxy: (exit code, output).
sub mariadb_admin {
	my ($self, @args) = @_;
	return $self->run_cmd([ _program('mariadb-admin'), '--no-defaults',
		'-h127.0.0.1', '-P' . $self->client_port(), "-u$USER",
		"-p$PASSWORD", '--connect-timeout=10', @args ], timeout => 30);
}

# Runs python code <code> with /usr/bin/python3 and arguments <args>;
# OBP_HOST, OBP_PORT, OBP_USER, OBP_PASSWORD and OBP_DB in its
# environment say where to connect.  Returns (exit code, output).
sub python {
	my ($self, $code, %o) = @_;
	return $self->run_cmd([ $PYTHON, '-c', $code, @{$o{args} // []} ],
		timeout => $o{timeout} // 60, env => $self->_python_env(%o));
}

sub _python_env {
	my ($self, %o) = @_;
	return { OBP_HOST => '127.0.0.1',
		OBP_PORT => $o{port} // $self->client_port(),
		OBP_USER => $o{user} // $USER,
		OBP_PASSWORD => $o{password} // $PASSWORD,
		OBP_DB => $o{database} // 'test',
		PYTHONDONTWRITEBYTECODE => 1 };
}

# The same in the background, with a file the code may write (its path
# is the first argument, {file} of the handle, relative to the test
# directory): a handle for python_wait().
sub python_bg {
	my ($self, $code, %o) = @_;
	my $file = $self->_scratch('pyfile');
	my $out = $self->_scratch('pybg');
	my $pid = $self->_spawn([ $PYTHON, '-c', $code, $file,
		@{$o{args} // []} ], out => $out, env => $self->_python_env(%o));
	return { pid => $pid, out => $out, file => $file };
}

# Waits for python_bg() handle <h> (<timeout> seconds, 60): its output,
# and in list context also its exit code.
sub python_wait {
	my ($self, $h, $timeout) = @_;
	my $rc = $self->_reap($h->{pid}, $timeout // 60);
	my $out = $self->read_file($h->{out}) // '';
	unlink map { "$self->{_testdir}/$_" } $h->{out}, $h->{file};
	return wantarray ? ($out, $rc) : $out;
}

###############################################################################
# Processes.

# Starts <cmd> (array ref) in the background, output to a scratch file;
# a handle for daemon_stop(), which the end of the test calls for any
# still running.
sub daemon {
	my ($self, $cmd) = @_;
	my $out = $self->_scratch('daemon');
	my $pid = $self->_spawn($cmd, out => $out);
	my $h = { pid => $pid, out => $out };
	push @{$self->{_daemons}}, $h;
	return $h;
}

# Stops daemon() handle <h> (TERM, then KILL after 10 s): its output.
sub daemon_stop {
	my ($self, $h) = @_;
	if ($h->{pid}) {
		$self->_stop_pid($h->{pid}, 'TERM', 10);
		$h->{pid} = 0;
	}
	return $self->read_file($h->{out}) // '';
}

# Polls <sub> every 0.1 s for at most <seconds>; returns its last value.
sub waitfor {
	my ($self, $sub, $seconds) = @_;
	my $deadline = time() + ($seconds // 10);
	my $r;
	for (1 .. 100000) {
		$r = $sub->();
		return $r if $r || time() >= $deadline;
		sleep 0.1;
	}
	return $r;
}

# Runs <cmd> (array ref) to completion, killing it after <timeout>
# seconds.  Returns (exit code, or 128 + signal, or -1 on timeout; output).
sub run_cmd {
	my ($self, $cmd, %o) = @_;
	my $out = $self->_scratch('cmd');
	my $in;
	if (defined $o{stdin}) {
		$in = $self->_scratch('in');
		$self->write_file($in, $o{stdin});
	}
	my $pid = $self->_spawn($cmd, out => $out, env => $o{env},
		stdin => $in);
	my $rc = $self->_reap($pid, $o{timeout} // 30);
	my $text = $self->read_file($out) // '';
	unlink "$self->{_testdir}/$out";
	unlink "$self->{_testdir}/$in" if defined $in;
	return ($rc, $text);
}

sub _scratch {
	my ($self, $what) = @_;
	return sprintf 'tmp.%s.%d.%d', $what, $$, ++$self->{_seq};
}

# Forks and execs <cmd> in the test directory with stdout and stderr
# appended to <out>, stdin from <stdin> or /dev/null.
sub _spawn {
	my ($self, $cmd, %o) = @_;
	my $dir = $self->{_testdir};
	my $out = $o{out} =~ m{^/} ? $o{out} : "$dir/$o{out}";
	my $in = defined $o{stdin} ? "$dir/$o{stdin}" : '/dev/null';

	my $pid = fork() // die "fork: $!\n";
	return $pid if $pid;

	# The child: nothing of the parent's END blocks may run here.
	eval {
		chdir $dir or die "chdir $dir: $!\n";
		open STDIN, '<', $in or die "$in: $!\n";
		open STDOUT, '>>', $out or die "$out: $!\n";
		open STDERR, '>&', \*STDOUT or die "dup: $!\n";
		$ENV{$_} = $o{env}{$_} for keys %{$o{env} // {}};
		exec { $cmd->[0] } @$cmd or die "exec $cmd->[0]: $!\n";
	};
	print STDERR $@;
	_exit(127);
}

# Waits for <pid> at most <timeout> seconds, then kills it.  Returns the
# exit code, 128 + signal, or -1 when it had to be killed.
sub _reap {
	my ($self, $pid, $timeout) = @_;
	my $deadline = time() + $timeout;
	while (time() < $deadline) {
		my $r = waitpid($pid, WNOHANG);
		return _code($?) if $r == $pid;
		return -1 if $r == -1;
		sleep 0.02;
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
	return -1;
}

sub _code {
	my ($status) = @_;
	return $status & 127 ? 128 + ($status & 127) : $status >> 8;
}

# Signals <pid>, waits <timeout> seconds for it, then KILLs it.  Returns
# the wait status (undef when it is not our child).
sub _stop_pid {
	my ($self, $pid, $sig, $timeout) = @_;
	kill $sig, $pid;
	my ($gone, $status) = _wait_exit($pid, $timeout);
	return $status if $gone;
	Test::More::diag("pid $pid ignored SIG$sig for ${timeout}s; "
		. 'killing it');
	kill 'KILL', $pid;
	return undef if waitpid($pid, 0) == -1;
	return $?;
}

# Waits at most <timeout> seconds for <pid> to exit: (1, its wait status)
# once it has, the status undef when it is not our child (a master that
# came by a hot upgrade, a daemon); (0) while it runs.
sub _wait_exit {
	my ($pid, $timeout) = @_;
	my $deadline = time() + $timeout;
	while (1) {
		my $r = waitpid($pid, WNOHANG);
		return (1, $?) if $r == $pid;
		return (1, undef) if $r == -1 && !alive($pid);
		return (0) if time() >= $deadline;
		sleep 0.05;
	}
}

# True once <port> on 127.0.0.1 accepts a connection; false when <pid>
# exits first or after <timeout> seconds.
sub _wait_listen {
	my ($self, $port, $timeout, $pid) = @_;
	my $deadline = time() + $timeout;
	while (time() < $deadline) {
		return 0 if waitpid($pid, WNOHANG) != 0;
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
			PeerPort => $port, Proto => 'tcp', Timeout => 1);
		if ($s) {
			close $s;
			return 1;
		}
		sleep 0.05;
	}
	return 0;
}

# True when a unix socket bound to <path> listens (/proc/net/unix flag
# __SO_ACCEPTCON), found without connecting to it.
sub _unix_listening {
	my ($path) = @_;
	open my $fh, '<', '/proc/net/unix' or return -S $path;
	my $found = grep { my @f = split ' '; @f >= 8 && $f[7] eq $path
		&& hex($f[3]) & 0x10000 } <$fh>;
	close $fh;
	return $found;
}

sub _children {
	my ($ppid) = @_;
	my @kids;
	for my $stat (glob '/proc/[0-9]*/stat') {
		open my $fh, '<', $stat or next;
		my $line = <$fh> // '';
		close $fh;
		push @kids, $1 if $line =~ /^(\d+) \(.*\) \S (\d+) /s
			&& $2 == $ppid;
	}
	return sort { $a <=> $b } @kids;
}

# The start time of <pid>, which tells a process from a later one that
# reuses its pid; undef when there is no such process (or a zombie).
sub _start_time {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return undef;
	my $line = <$fh> // '';
	close $fh;
	my ($state, $rest) = $line =~ /^.*\) (\S) (.*)$/s or return undef;
	return undef if $state eq 'Z';
	return (split ' ', $rest)[18];
}

# True while <pid> names a process that has not exited (a function).
sub alive {
	my ($pid) = @_;
	return defined _start_time($pid);
}

sub _tail {
	my ($text, $n) = @_;
	my @lines = split /\n/, $text // '';
	splice @lines, 0, @lines - $n if @lines > $n;
	return join '', map { "$_\n" } @lines;
}

###############################################################################
# The end of a test.

# A daemonized obproxy of this test directory (pidfile.t), found through
# its pid file and recognised by its OBPROXY_ROOT.
sub _stop_daemon {
	my ($self) = @_;
	my $pid = ($self->read_file('run/obproxy.pid') // '') =~ /(\d+)/
		? $1 : return;
	open my $fh, '<', "/proc/$pid/environ" or return;
	local $/;
	my $env = <$fh> // '';
	close $fh;
	return unless grep { $_ eq "OBPROXY_ROOT=$self->{_testdir}" }
		split /\0/, $env;
	$self->_stop_master($pid, undef, 10);
}

sub _finish {
	my ($self) = @_;
	return if $self->{_finished} || $self->{_owner} != $$;
	$self->{_finished} = 1;
	local $?;

	$self->stop();
	$self->_stop_daemon();
	$self->daemon_stop($_) for @{$self->{_daemons} // []};
	$self->stop_mariadb($_) for keys %{$self->{_mariadb}};

	if ($self->{_planned}) {
		my $logs = join '', map { $self->read_file($_) // '' }
			glob "$self->{_testdir}/log/obproxy.log*";
		my @alerts = $logs =~ /^\[[^\]]*\] ALERT\b.*$/mg;
		Test::More::is(join("\n", @alerts), '', 'no alerts');

		my $san = join '', map { $self->read_file($_) // '' }
			glob "$self->{_testdir}/sanitizer.*";
		my $err = $self->read_file('obproxy.stderr') // '';
		$san .= join "\n", $err =~ /^.*(?:runtime\ error:
			|AddressSanitizer|LeakSanitizer).*$/mgx;
		Test::More::is($san, '', 'no sanitizer errors');
	}

	my $tb = Test::More->builder;
	$self->_dump() if $ENV{TEST_OBPROXY_VERBOSE} && !$tb->is_passing;
	Test::More::diag($self->log()) if $ENV{TEST_OBPROXY_CATLOG};

	if ($ENV{TEST_OBPROXY_LEAVE}) {
		Test::More::diag("test directory left: $self->{_testdir}");
	} else {
		remove_tree($self->{_testdir});
	}
	delete $live{"$self"};
}

sub _dump {
	my ($self) = @_;
	for my $f ('log/obproxy.log', 'obproxy.stderr',
		map { "mdb$_.err" } sort keys %{$self->{_mariadb}})
	{
		my $text = $self->read_file($f) // next;
		my $n = $f =~ /^mdb/ ? 20 : 200;
		Test::More::diag("--- $f\n" . _tail($text, $n));
	}
}

sub DESTROY { $_[0]->_finish() }

# Runs before Test::More's own END block (which is compiled earlier), so
# the closing checks count and processes never outlive the test.
END {
	$_->_finish() for grep { defined } values %live;
}

1;
