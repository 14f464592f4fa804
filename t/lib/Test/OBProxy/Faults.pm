package Test::OBProxy::Faults;

# Faults under load, shared by t/faults.t and contrib/chaos/run.pl: the
# network namespace a script runs itself in, the injectors (a server
# stopped, blackholed, slowed, reset, killed), writers that record every
# acknowledged COMMIT, and the check of what the servers hold against
# those records.
#
# Every rule lives in the namespace: nft table inet obpf (chain out on
# the output hook) and an htb qdisc on lo whose class 1:10 slows what
# tc filters send there.

use warnings;
use strict;

use POSIX qw/_exit WNOHANG/;
use Test::More ();
use Time::HiRes qw/time sleep/;

###############################################################################
# The namespace.

# Outside the namespace: makes one, with lo up, the nft table and the htb
# qdisc, and runs <script> (with <args>) in it under perl, then removes
# the namespace whatever happened (a TERM, HUP or INT reaching this
# process is passed on and waited for).  Returns (exit code of the run)
# or (undef, why) when faults cannot be injected here.  Inside (the
# environment names the namespace): returns ().
sub in_namespace {
	my ($class, $script, @args) = @_;
	return () if $ENV{OBP_FAULTS_NS};
	my $ns = "obpf$$";
	my $why = $> != 0 ? 'not root'
		: grep({ system("command -v $_ >/dev/null 2>&1") } qw/ip nft tc/)
		? 'ip, nft or tc missing'
		: system("ip netns add $ns 2>/dev/null") ? 'ip netns not permitted'
		: system("ip netns exec $ns ip link set lo up 2>/dev/null"
			. " && ip netns exec $ns nft add table inet obpf 2>/dev/null"
			. " && ip netns exec $ns tc qdisc add dev lo root handle"
			. " 1: htb default 1 2>/dev/null"
			. " && ip netns exec $ns tc class add dev lo parent 1: classid"
			. " 1:1 htb rate 10gbit 2>/dev/null")
		? 'nft or tc (htb) refused in a namespace'
		: '';
	if ($why) {
		system("ip netns del $ns 2>/dev/null");
		return (undef, $why);
	}
	local $ENV{OBP_FAULTS_NS} = $ns;
	my $pid = fork() // die "fork: $!\n";
	if ($pid == 0) {
		{ exec('ip', 'netns', 'exec', $ns, $^X, $script, @args) }
		_exit(127);
	}
	local @SIG{qw/TERM HUP/} = (sub { kill 'TERM', $pid }) x 2;
	# Ctrl-C reaches the child too: it stops by itself.
	local $SIG{INT} = 'IGNORE';
	my $rc;
	for (1 .. 1_000_000) {
		my $r = waitpid($pid, 0);
		next if $r == -1 && $!{EINTR};
		$rc = $r == $pid ? $? >> 8 || ($? & 127 ? 1 : 0) : 1;
		last;
	}
	system("ip netns del $ns 2>/dev/null");
	return ($rc // 1);
}

###############################################################################
# Injectors, on the servers of harness <t>.

sub new {
	my ($class, $t) = @_;
	my $self = bless { t => $t }, $class;
	$self->sh('nft add chain inet obpf out { type filter hook output'
		. ' priority 0 \; }');
	return $self;
}

# Runs a command line; says so when it fails.
sub sh {
	my ($self, $cmd) = @_;
	return 1 if system("$cmd >/dev/null 2>&1") == 0;
	Test::More::diag("failed: $cmd");
	return 0;
}

sub _nft {
	my ($self, $n, $dirn, $verdict) = @_;
	return $self->sh("nft add rule inet obpf out tcp $dirn "
		. $self->{t}->server_port($n) . " $verdict");
}

# SIGSTOP to server <n>, then until every thread of it is stopped.
sub stop {
	my ($self, $n) = @_;
	$self->{stopped}{$n} = 1;
	return $self->{t}->pause_mariadb($n);
}

sub cont {
	my ($self, $n) = @_;
	delete $self->{stopped}{$n} or return 0;
	return $self->{t}->cont_mariadb($n);
}

# Every packet to and from server <n> dropped.
sub blackhole {
	my ($self, $n) = @_;
	return $self->_nft($n, 'dport', 'drop')
		&& $self->_nft($n, 'sport', 'drop');
}

# Every packet to server <n> answered by a TCP reset: the sessions on it
# die, in the middle of results too.
sub reset {
	my ($self, $n) = @_;
	return $self->_nft($n, 'dport', 'reject with tcp reset');
}

# Server <n>'s traffic through a 512 kbit/s class, 200 ms later where the
# kernel has netem, and 5% of its packets lost either way (by nft, which
# needs no netem).
sub slow {
	my ($self, $n) = @_;
	$self->sh('tc class add dev lo parent 1: classid 1:10 htb rate'
		. ' 512kbit') unless defined $self->{netem};
	$self->{netem} //= system('tc qdisc add dev lo parent 1:10 handle'
		. ' 10: netem delay 200ms >/dev/null 2>&1') == 0;
	my $port = $self->{t}->server_port($n);
	my $ok = 1;
	for my $dirn (qw/sport dport/) {
		$ok &&= $self->sh('tc filter add dev lo parent 1: protocol ip'
			. " prio 1 u32 match ip $dirn $port 0xffff flowid 1:10");
		$ok &&= $self->_nft($n, $dirn, "numgen random mod 100 '<' 5"
			. ' drop');
	}
	return $ok;
}

sub netem { $_[0]->{netem} }

# Every rule and filter gone, every stopped server continued.
sub clear {
	my ($self) = @_;
	system('tc filter del dev lo parent 1: >/dev/null 2>&1');
	$self->sh('nft flush chain inet obpf out');
	$self->cont($_) for keys %{$self->{stopped} // {}};
	return 1;
}

# SIGKILL to server <n>; restart() starts it again on its port.
sub kill_server {
	my ($self, $n) = @_;
	$self->{t}->stop_mariadb($n, 'KILL');
	return 1;
}

sub restart {
	my ($self, $n) = @_;
	$self->{t}->start_mariadb($n);
	return 1;
}

# obproxy.yaml for faults: two workers, each step toward a server bounded
# by a second (connect, its silence, the delta over it), no congestion
# (a server that fails is tried again at once), then <more> YAML lines.
sub write_conf {
	my ($class, $t, $more) = @_;
	return $t->write_file_expand('obproxy.yaml', <<'EOF' . ($more // ''));
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 2
connect_server_timeout: 1s
server_query_timeout: 1s
observer_query_timeout_delta: 1s
enable_congestion: false
EOF
}

###############################################################################
# Clients.

# Table w of every server, which the writers fill.
sub create_table {
	my ($class, $dbh) = @_;
	return $dbh->do('CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, '
		. 'writer INT, seq INT, part INT)');
}

# A client loop in a child process, through the proxy of harness <t>,
# until file <stop> appears or <until> seconds (90) have passed: <body>
# gets a handle and the log file <name>.out (in the test directory) and
# returns false after an error.  The loop reconnects after every error
# and every ten calls, so new sessions keep going to the server that
# takes them.  Returns the child's pid.
sub client {
	my ($class, $t, $name, $body, %o) = @_;
	my $dir = $t->testdir();
	my $pid = fork() // die "fork: $!\n";
	return $pid if $pid;
	open my $fh, '>>', "$dir/$name.out" or _exit(2);
	$fh->autoflush(1);
	my ($dbh, $n) = (undef, 0);
	my $until = time() + ($o{until} // 90);
	while (!-e $o{stop} && time() < $until) {
		$dbh = undef if $n++ % 10 == 0;
		$dbh //= $t->dbh();
		unless ($dbh) {
			printf $fh "err 0 0 %.3f %s\n", time(), $t->dbi_error()
				if $o{log_connect};
			sleep 0.1;
			next;
		}
		$body->($dbh, $fh) or $dbh = undef;
		sleep 0.02;     # load, not a CPU hog
	}
	close $fh;
	_exit(0);
}

# Writer <w>: transactions of two rows (writer, seq, part 1 and 2) into
# table w, each line of writer<w>.out "ack W SEQ TIME" after its COMMIT
# was acknowledged, "err W SEQ TIME CODE MESSAGE" otherwise.  With
# <careless>, it goes on with the transaction's next statements after an
# error (not after a failed BEGIN: nothing was opened).  Options as for
# client(), and log_connect: a failed connection logged as an error of
# seq 0.
sub writer {
	my ($class, $t, $w, %o) = @_;
	my $seq = 0;
	return $class->client($t, "writer$w", sub {
		my ($dbh, $fh) = @_;
		$seq++;
		my $ok = 1;
		for my $sql ('BEGIN', map({ "INSERT INTO w (writer, seq, part)"
			. " VALUES ($w, $seq, $_)" } 1, 2), 'COMMIT')
		{
			my $done = $dbh->do($sql);
			$ok &&= $done;
			last unless $done || ($o{careless} && $sql ne 'BEGIN');
		}
		printf $fh "%s %d %d %.3f %s\n", $ok ? 'ack' : 'err', $w, $seq,
			time(), $ok ? '' : ($dbh->err // '') . ' '
			. ($dbh->errstr // '');
		return $ok;
	}, %o);
}

# Writer <w>'s records: [ kind (ack, err), seq, time, error code ].
sub writer_log {
	my ($class, $t, $w) = @_;
	my @r;
	for (split /\n/, $t->read_file("writer$w.out") // '') {
		my ($kind, undef, $seq, $at, $err) = split / /, $_, 5;
		my ($code) = ($err // '') =~ /^(\d*)/;
		push @r, [ $kind, $seq, $at, $code || 'none' ];
	}
	return @r;
}

# Touches file <stop>, then waits at most <secs> (30) for <pids> to exit,
# and kills those that did not.  Returns how many had to be killed.
sub stop_clients {
	my ($class, $stop, $secs, @pids) = @_;
	open my $sf, '>', $stop or die "$stop: $!\n";
	close $sf;
	my $deadline = time() + ($secs // 30);
	while (@pids && time() < $deadline) {
		@pids = grep { waitpid($_, WNOHANG) == 0 } @pids;
		sleep 0.1;
	}
	kill 'KILL', @pids if @pids;
	waitpid($_, 0) for @pids;
	return scalar @pids;
}

# What servers <ns> of harness <t> hold, read straight from each, against
# <acked> ({ "W SEQ" => 1 } for each acknowledged COMMIT): (the
# acknowledged transactions lost, the rows doubled as "W/SEQ/PART", the
# transactions committed by half), each a list reference, and the number
# of servers that could not be read (undef when all could).
sub check {
	my ($class, $t, $ns, $acked) = @_;
	my (%rows, @dup, @unread);
	for my $n (@$ns) {
		my $d = $t->direct_dbh(server => $n);
		my $r = $d && $d->selectall_arrayref('SELECT writer, seq, part,'
			. ' COUNT(*) FROM w GROUP BY writer, seq, part');
		unless ($r) {
			push @unread, $n;
			next;
		}
		for (@$r) {
			my ($w, $seq, $part, $c) = @$_;
			push @dup, "$w/$seq/$part" if $c > 1
				|| $rows{"$w $seq"}{$part};
			$rows{"$w $seq"}{$part} += $c;
		}
	}
	my @lost = grep { !$rows{$_} || keys %{$rows{$_}} != 2 }
		sort keys %$acked;
	my @half = grep { keys %{$rows{$_}} != 2 } sort keys %rows;
	return (\@lost, \@dup, \@half, @unread ? scalar @unread : undef);
}

1;
