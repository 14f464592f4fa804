#!/usr/bin/perl

# Fault tests under load, in a network namespace the test makes (the
# test runs itself again inside it, so the servers, the proxy, the
# clients and every rule live and die there): four writers commit
# two-row transactions through the proxy and record each acknowledged
# COMMIT (two of them go on with the transaction's next statements
# after an error, as a careless application does: a server session lost
# in a transaction must not be replaced under them), a reader checks
# that every result it gets is whole, and the server that takes every
# new session (the first of rootservice_list) is, in turn, stopped
# (SIGSTOP), blackholed (nft drop), slowed (an htb class of 512 kbit/s,
# netem's 200 ms delay where the kernel has netem, 5% loss by nft),
# reset (nft reject with tcp reset, in the
# middle of results), and killed (SIGKILL) and restarted.  Afterwards,
# read straight from both servers: no acknowledged transaction lost,
# none doubled, none committed by half, no short result passed as
# whole, and each writer stalled no longer than the bounds allow
# (server_query_timeout 1 s + observer_query_timeout_delta 1 s, then
# connect_server_timeout 1 s to pass the server over).  Skipped when
# namespaces, nft or tc cannot be used here.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time sleep/;
use POSIX qw/_exit WNOHANG/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

# Outside the namespace: make it, run this file inside it, remove it.
unless ($ENV{OBP_FAULTS_NS}) {
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
		plan(skip_all => "no fault injection here: $why");
	}
	$ENV{OBP_FAULTS_NS} = $ns;
	system('ip', 'netns', 'exec', $ns, $^X, "$FindBin::Bin/$FindBin::Script");
	my $rc = $? >> 8 || ($? & 127 ? 1 : 0);
	system("ip netns del $ns 2>/dev/null");
	exit($rc);
}

use lib 'lib';
use Test::OBProxy;

my $WRITERS = 4;     # even ones go on after an error
my $ROWS = 3000;        # the reader's table

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(9);
# a killed server keeps what it acknowledged (the log reaches the OS)
$t->mariadbd_options('--innodb-flush-log-at-trx-commit=2')->run_mariadb(2);
$t->write_file_expand('obproxy.yaml', <<'EOF2')->run();
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 2
connect_server_timeout: 1s
server_query_timeout: 1s
observer_query_timeout_delta: 1s
server_session_pool_size: 0
enable_congestion: false
EOF2

for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n) or die "server $n: "
		. $t->dbi_error();
	$d->do('CREATE TABLE w (id INT AUTO_INCREMENT PRIMARY KEY, '
		. 'writer INT, seq INT, part INT)') or die $d->errstr;
	$d->do('CREATE TABLE big (id INT PRIMARY KEY)') or die $d->errstr;
	$d->do('INSERT INTO big SELECT seq FROM seq_1_to_' . $ROWS)
		or die $d->errstr;
	$d->disconnect();
}

my $P1 = $t->server_port(1);
my $dir = $t->testdir();
my $stop = "$dir/faults.stop";

# A client loop in a child process until the stop file appears (at most
# 90 s); it reconnects after every error and every ten transactions, so
# new sessions keep going to server 1 whenever it answers.
sub child {
	my ($name, $body) = @_;
	my $pid = fork() // die "fork: $!\n";
	return $pid if $pid;
	open my $fh, '>>', "$dir/$name.out" or _exit(2);
	$fh->autoflush(1);
	my ($dbh, $n) = (undef, 0);
	my $until = time() + 90;
	while (!-e $stop && time() < $until) {
		$dbh = undef if $n++ % 10 == 0;
		$dbh //= $t->dbh();
		unless ($dbh) {
			sleep 0.1;
			next;
		}
		$body->($dbh, $fh) or $dbh = undef;
		sleep 0.02;     # load, not a CPU hog beside other tests
	}
	close $fh;
	_exit(0);
}

my @kids;
for my $w (1 .. $WRITERS) {
	my $seq = 0;
	push @kids, child("writer$w", sub {
		my ($dbh, $fh) = @_;
		$seq++;
		my $ok = 1;
		for my $sql ('BEGIN', map({ "INSERT INTO w (writer, seq, part)"
			. " VALUES ($w, $seq, $_)" } 1, 2), 'COMMIT')
		{
			my $done = $dbh->do($sql);
			$ok &&= $done;
			# a failed BEGIN opened nothing to go on with
			last unless $done || ($w % 2 == 0 && $sql ne 'BEGIN');
		}
		printf $fh "%s %d %d %.3f %s\n", $ok ? 'ack' : 'err', $w, $seq,
			time(), $ok ? '' : ($dbh->err // '') . ' '
			. ($dbh->errstr // '');
		return $ok;
	});
}
push @kids, child('reader', sub {
	my ($dbh, $fh) = @_;
	my $rows = $dbh->selectall_arrayref('SELECT id FROM big');
	printf $fh "%s %d %.3f %s\n", !$rows ? 'err' : @$rows == $ROWS
		? 'whole' : 'short', $rows ? scalar @$rows : 0, time(),
		$rows ? '' : ($dbh->err // '') . ' ' . ($dbh->errstr // '');
	return $rows;
});

sub ns { system("@_ >/dev/null 2>&1") == 0 or diag("failed: @_") }
sub nft { ns("nft add rule inet obpf out tcp $_[0] $P1 $_[1]") }

# SIGSTOP, then until every thread of server 1 is stopped.
sub stop1 {
	my $pid = $t->mariadb_pid(1);
	kill 'STOP', $pid;
	$t->waitfor(sub { !grep { !stopped($_) }
		glob("/proc/$pid/task/*/stat") }, 5);
}

sub stopped {
	open my $fh, '<', $_[0] or return 1;
	return (<$fh> // '') =~ /\) [Tt] /;
}

# Server 1's traffic through a 512 kbit/s class, 200 ms later where the
# kernel has netem, and 5% of its packets lost either way.
my $netem;
sub slow {
	ns('tc class add dev lo parent 1: classid 1:10 htb rate 512kbit')
		unless defined $netem;
	$netem //= system('tc qdisc add dev lo parent 1:10 handle 10: netem'
		. ' delay 200ms >/dev/null 2>&1') == 0;
	for my $dirn (qw/sport dport/) {
		ns('tc filter add dev lo parent 1: protocol ip prio 1 u32'
			. " match ip $dirn $P1 0xffff flowid 1:10");
		nft($dirn, "numgen random mod 100 '<' 5 drop");
	}
}

# The faults, each on server 1 for a few seconds under load.
my @phases = (
	[ 'SIGSTOP 4 s', \&stop1, 4,
		sub { kill 'CONT', $t->mariadb_pid(1) } ],
	[ 'blackhole 4 s', sub { nft('dport', 'drop'); nft('sport', 'drop') },
		4, sub { ns('nft flush chain inet obpf out') } ],
	[ 'slowed 3 s', \&slow, 3, sub { ns('tc filter del dev lo parent 1:');
		ns('nft flush chain inet obpf out') } ],
	[ 'reset 1 s', sub { nft('dport', 'reject with tcp reset') }, 1,
		sub { ns('nft flush chain inet obpf out') } ],
	[ 'SIGKILL, restart', sub { $t->stop_mariadb(1, 'KILL') }, 1,
		sub { $t->start_mariadb(1) } ],
);
ns('nft add chain inet obpf out { type filter hook output priority 0 \; }');
END { kill 'CONT', $t->mariadb_pid(1) if $t && $t->mariadb_pid(1) }

sleep 2;
my @marks;
for my $p (@phases) {
	my ($name, $on, $secs, $off) = @$p;
	push @marks, [ $name, time() ];
	$on->();
	sleep $secs;
	$off->();
	sleep 2;
}
my $last_fault = time();
sleep 2;
open my $sf, '>', $stop or die "$stop: $!\n";
close $sf;
my $deadline = time() + 30;
while (@kids && time() < $deadline) {
	@kids = grep { waitpid($_, WNOHANG) == 0 } @kids;
	sleep 0.1;
}
kill 'KILL', @kids if @kids;
ok(!@kids, 'every client stopped');

# What the clients saw.
my (%acked, %errs, $acks, $after);
my $gap = 0;
for my $w (1 .. $WRITERS) {
	my $prev;
	for (split /\n/, $t->read_file("writer$w.out") // '') {
		my ($kind, undef, $seq, $at, $err) = split / /, $_, 5;
		if ($kind eq 'ack') {
			$acked{"$w $seq"} = 1;
			$acks++;
			$after++ if $at > $last_fault;
			$gap = $at - $prev if defined $prev && $at - $prev > $gap;
			$prev = $at;
		} else {
			my ($code) = ($err // '') =~ /^(\d*)/;
			$errs{$code || 'none'}++;
		}
	}
}
my $reads = $t->read_file('reader.out') // '';
my $whole = () = $reads =~ /^whole /mg;
my $short = () = $reads =~ /^short /mg;
diag(sprintf('%d acknowledged commits, errors by code: %s; reader: %d '
	. 'whole results, %d short; longest wait between two commits of '
	. 'a writer: %.1f s', $acks // 0, join(', ', map { "$_ x$errs{$_}" }
	sort keys %errs) || 'none', $whole, $short, $gap));
ok(($acks // 0) > 50, 'the writers committed under the faults');
ok(($after // 0) > 0, '  and after the last one');
ok(keys %errs, '  the faults reached them (errors seen)');
ok($gap < 7, '  no writer waited 7 s for a commit') or diag("$gap s");
is($short, 0, 'no short result passed as whole');

# What the servers hold.
my (%rows, @dup);
for my $n (1, 2) {
	my $d = $t->direct_dbh(server => $n) or next;
	my $r = $d->selectall_arrayref('SELECT writer, seq, part, COUNT(*) '
		. 'FROM w GROUP BY writer, seq, part') or next;
	for (@$r) {
		my ($w, $seq, $part, $c) = @$_;
		push @dup, "$w/$seq/$part" if $c > 1 || $rows{"$w $seq"}{$part};
		$rows{"$w $seq"}{$part} += $c;
	}
}
my @lost = grep { !$rows{$_} || keys %{$rows{$_}} != 2 } sort keys %acked;
my @half = grep { keys %{$rows{$_}} != 2 } sort keys %rows;
is("@lost", '', 'no acknowledged transaction lost');
is("@dup", '', 'none doubled');
is("@half", '', 'none committed by half');
diag(join '; ', map { "$_->[0] at +" . sprintf('%.1f s', $_->[1]
	- $marks[0][1]) } @marks) unless Test::More->builder->is_passing;

$t->stop();
