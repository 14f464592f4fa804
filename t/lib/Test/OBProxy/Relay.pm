package Test::OBProxy::Relay;

# What the harness's relays (LoginRelay, OB20Relay) share: a listener in
# a child process that forks one process per connection, the log file,
# whole writes and MySQL length-encoded integers.

use warnings;
use strict;

use Exporter qw/import/;
use IO::Socket::INET;
use POSIX qw/_exit/;

our @EXPORT_OK = qw/relay_start relay_log send_all lenenc lenenc_take/;

# Listens on 127.0.0.1:<port> in a child process; each connection is
# served by <serve>(socket, %o) in a process of its own, a failure
# logged as "BAD: why" to <log>.  Returns the listener's pid.
sub relay_start {
	my (%o) = @_;
	my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
		LocalPort => $o{port}, Listen => 64, ReuseAddr => 1,
		Proto => 'tcp') or die "relay: listen on $o{port}: $!\n";
	my $pid = fork() // die "fork: $!\n";
	if ($pid) {
		close $l;
		return $pid;
	}
	# the test's handlers and END blocks are not the relay's
	$SIG{$_} = sub { _exit(0) } for qw/TERM INT HUP/;
	$SIG{PIPE} = 'IGNORE';
	$SIG{CHLD} = 'IGNORE';
	for (1 .. 100000) {
		my $c = $l->accept() or next;
		my $kid = fork();
		if (defined $kid && $kid == 0) {
			close $l;
			eval { $o{serve}->($c, %o) };
			relay_log($o{log}, "BAD: $@") if $@;
			_exit(0);
		}
		close $c;
	}
	_exit(0);
}

# Appends <line> to <file>.
sub relay_log {
	my ($file, $line) = @_;
	open my $fh, '>>', $file or return;
	print $fh "$line\n";
	close $fh;
}

# Writes all of <bytes> to <h>; dies when the peer is gone.
sub send_all {
	my ($h, $bytes) = @_;
	my $off = 0;
	while ($off < length $bytes) {
		my $n = syswrite($h, $bytes, length($bytes) - $off, $off);
		die "write: $!\n" unless defined $n;
		$off += $n;
	}
}

# Takes a length-encoded integer off the front of $$str.
sub lenenc_take {
	my ($str) = @_;
	my $b = ord substr($$str, 0, 1, '');
	return $b if $b < 0xfb;
	my $n = $b == 0xfc ? 2 : $b == 0xfd ? 3 : 8;
	return unpack('Q<', substr($$str, 0, $n, '') . "\0" x (8 - $n));
}

# <n> as a length-encoded integer.
sub lenenc {
	my ($n) = @_;
	return chr($n) if $n < 0xfb;
	return "\xfc" . pack('v', $n) if $n < 1 << 16;
	return "\xfd" . substr(pack('V', $n), 0, 3) if $n < 1 << 24;
	return "\xfe" . pack('Q<', $n);
}

1;
