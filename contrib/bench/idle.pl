#!/usr/bin/perl
# Idle clients for the memory test of run.sh: opens COUNT connections to
# HOST:PORT one after the other, completes the MySQL login on each
# (mysql_native_password, done here by hand so that no client library is
# involved), prints "open COUNT" and then holds them, sending nothing,
# until it gets TERM or HOLD seconds have passed.  On a failure it prints
# "failed after N connections: why" and exits 1.
#
# Usage: perl idle.pl HOST PORT USER PASSWORD DATABASE COUNT HOLD

use strict;
use warnings;

use Digest::SHA qw/sha1/;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw/sleep time/;

my ($host, $port, $user, $password, $db, $count, $hold) = @ARGV;
die "usage: idle.pl HOST PORT USER PASSWORD DATABASE COUNT HOLD\n"
	unless defined $hold && $count =~ /^\d+$/ && $hold =~ /^\d+$/;

# Seconds one connect or one packet may take, so no login hangs the test.
my $TIMEOUT = 10;

# Client capabilities: LONG_PASSWORD, LONG_FLAG, CONNECT_WITH_DB,
# PROTOCOL_41, TRANSACTIONS, SECURE_CONNECTION, PLUGIN_AUTH.
my $CAPS = 0x1 | 0x4 | 0x8 | 0x200 | 0x2000 | 0x8000 | 0x80000;

$| = 1;
my $stop = 0;
$SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
$SIG{PIPE} = 'IGNORE';

my @conns;
for my $n (1 .. $count) {
	last if $stop;
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
		Proto => 'tcp', Timeout => $TIMEOUT);
	unless ($sock) {
		print "failed after ", $n - 1, " connections: connect: $@\n";
		exit 1;
	}
	unless (eval { login($sock); 1 }) {
		print "failed after ", $n - 1, " connections: login: $@";
		exit 1;
	}
	push @conns, $sock;
}
print "open $count\n" unless $stop;

my $deadline = time() + $hold;
sleep(0.2) while !$stop && time() < $deadline;

# COM_QUIT on each, so that the server does not log aborted connections.
for my $sock (@conns) {
	eval { write_packet($sock, 0, "\x01") };
	close $sock;
}
exit 0;

sub login {
	my ($sock) = @_;
	my ($seq, $p) = read_packet($sock);
	die error_text($p) if ord($p) == 0xff;
	die "protocol version " . ord($p) . ", not 10\n" unless ord($p) == 10;

	# Handshake v10: version string, then thread id (4), scramble part 1
	# (8), filler, capabilities low (2), charset, status (2),
	# capabilities high (2), scramble length, 10 reserved bytes, part 2.
	my $at = index($p, "\0", 1) + 1;
	die "short handshake\n" if $at == 0 || length($p) < $at + 31 + 12;
	my $salt = substr($p, $at + 4, 8) . substr($p, $at + 31, 12);
	my $server_caps = unpack('v', substr($p, $at + 13, 2))
		| unpack('v', substr($p, $at + 18, 2)) << 16;
	my $caps = $CAPS & $server_caps;
	die "server without PROTOCOL_41\n" unless $caps & 0x200;

	my $auth = scramble($salt);
	my $reply = pack('VVCx23', $caps, 1 << 24, 33) . "$user\0"
		. chr(length $auth) . $auth;
	$reply .= "$db\0" if $caps & 0x8;
	$reply .= "mysql_native_password\0" if $caps & 0x80000;
	write_packet($sock, $seq + 1, $reply);

	# OK, ERR, or an auth switch (at most one here) to a new scramble.
	for (1 .. 2) {
		($seq, $p) = read_packet($sock);
		my $type = ord $p;
		return if $type == 0x00;
		die error_text($p) if $type == 0xff;
		die sprintf("unexpected packet 0x%02x\n", $type)
			unless $type == 0xfe;
		my ($plugin, $data) = substr($p, 1) =~ /^([^\0]*)\0(.*)$/s
			or die "bad auth switch\n";
		die "auth switch to $plugin\n"
			unless $plugin eq 'mysql_native_password';
		write_packet($sock, $seq + 1, scramble(substr($data, 0, 20)));
	}
	die "no OK after the auth switch\n";
}

# mysql_native_password: SHA1(pw) XOR SHA1(salt . SHA1(SHA1(pw))).
sub scramble {
	my ($salt) = @_;
	return '' if $password eq '';
	my $h1 = sha1($password);
	return $h1 ^ sha1($salt . sha1($h1));
}

sub error_text {
	my ($p) = @_;
	return sprintf("error %d: %s\n", unpack('v', substr($p, 1, 2)),
		length($p) > 9 ? substr($p, 9) : '');
}

sub read_packet {
	my ($sock) = @_;
	my ($lo, $hi, $seq) = unpack('vCC', read_n($sock, 4));
	my $len = $lo | $hi << 16;
	die "empty packet\n" if $len == 0;
	return ($seq, read_n($sock, $len));
}

sub read_n {
	my ($sock, $n) = @_;
	my $buf = '';
	my $sel = IO::Select->new($sock);
	my $deadline = time() + $TIMEOUT;
	while (length($buf) < $n) {
		my $left = $deadline - time();
		die "timed out reading\n" if $left <= 0 || !$sel->can_read($left);
		my $r = sysread($sock, $buf, $n - length($buf), length($buf));
		die "read: $!\n" unless defined $r;
		die "connection closed by the peer\n" if $r == 0;
	}
	return $buf;
}

sub write_packet {
	my ($sock, $seq, $payload) = @_;
	my $len = length $payload;
	my $buf = pack('vCC', $len & 0xffff, $len >> 16, $seq & 0xff) . $payload;
	while (length $buf) {
		my $w = syswrite($sock, $buf);
		die "write: $!\n" unless defined $w;
		substr($buf, 0, $w, '');
	}
}
