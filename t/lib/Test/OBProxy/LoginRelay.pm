package Test::OBProxy::LoginRelay;

# An OBServer's login answers for tests: a relay in front of a real
# MariaDB, written from the MySQL protocol.  It passes the server's
# handshake on and appends "greet ID SCRAMBLE" to the log file (the
# server's connection id, its 20-byte scramble in hex).  While the file
# <log>.refuse exists, the login that follows is not forwarded: it is
# answered as an OBServer that does not host the tenant answers
# (OB_TENANT_NOT_IN_SERVER: error 5150, SQLSTATE HY000, "Tenant not in
# this server"), the line "refused ID" is appended and the connection
# closes.  Otherwise the login and everything after it are relayed as
# they are, but for option gvars: a login OK gets that value as the
# system variable ob_proxy_global_variables_version in its session track
# (when the login asked for CLIENT_SESSION_TRACK), as OBServer reports
# its global variables version.

use warnings;
use strict;

use IO::Select;
use IO::Socket::INET;
use POSIX qw/_exit/;

use constant { IDLE_LIMIT => 120, TENANT_NOT_IN_SERVER => 5150,
	SESSION_TRACK => 0x800000, STATE_CHANGED => 0x4000,
	GVARS => 'ob_proxy_global_variables_version' };

# Listens on 127.0.0.1:<port> in a child process relaying to <server>
# (port of MariaDB); returns the child's pid.  <log> is the file.
sub start {
	my ($class, %o) = @_;
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
			eval { _serve($c, %o) };
			_log($o{log}, "BAD: $@") if $@;
			_exit(0);
		}
		close $c;
	}
	_exit(0);
}

sub _log {
	my ($file, $line) = @_;
	open my $fh, '>>', $file or return;
	print $fh "$line\n";
	close $fh;
}

sub _send {
	my ($h, $bytes) = @_;
	my $off = 0;
	while ($off < length $bytes) {
		my $n = syswrite($h, $bytes, length($bytes) - $off, $off);
		die "write: $!\n" unless defined $n;
		$off += $n;
	}
}

# One whole packet (header included) read from <h>, or undef at the end.
sub _read_packet {
	my ($h, $buf) = @_;
	my $sel = IO::Select->new($h);
	while (length $$buf < 4
		|| length $$buf < 4 + unpack('V', substr($$buf, 0, 3) . "\0")) {
		$sel->can_read(IDLE_LIMIT) or return undef;
		sysread($h, my $chunk, 1 << 16) or return undef;
		$$buf .= $chunk;
	}
	my $len = unpack('V', substr($$buf, 0, 3) . "\0");
	return substr($$buf, 0, 4 + $len, '');
}

# The connection id and the 20-byte scramble of handshake packet <p>.
sub _greeting {
	my ($p) = @_;
	my $v = index($p, "\0", 5);
	my $id = unpack('V', substr($p, $v + 1, 4));
	my $part1 = substr($p, $v + 5, 8);
	my $part2 = substr($p, $v + 5 + 8 + 1 + 2 + 1 + 2 + 2 + 1 + 10, 12);
	return ($id, unpack('H*', $part1 . $part2));
}

# OBServer's ERR for a tenant it does not host, sequence <seq>.
sub _refusal {
	my ($seq) = @_;
	my $body = "\xff" . pack('v', TENANT_NOT_IN_SERVER) . '#HY000'
		. 'Tenant not in this server';
	return substr(pack('V', length $body), 0, 3) . chr($seq) . $body;
}

# A length-encoded integer taken off the front of <$str>, and one made.
sub _lenenc_take {
	my ($str) = @_;
	my $b = ord substr($$str, 0, 1, '');
	return $b if $b < 0xfb;
	my $n = $b == 0xfc ? 2 : $b == 0xfd ? 3 : 8;
	return unpack('Q<', substr($$str, 0, $n, '') . "\0" x (8 - $n));
}

sub _lenenc {
	my ($n) = @_;
	return chr($n) if $n < 0xfb;
	return "\xfc" . pack('v', $n) if $n < 1 << 16;
	return "\xfd" . substr(pack('V', $n), 0, 3) if $n < 1 << 24;
	return "\xfe" . pack('Q<', $n);
}

sub _lenstr { _lenenc(length $_[0]) . $_[0] }

# Login OK packet <p> (session-track format) with GVARS = <version>
# added to its session track.
sub _with_gvars {
	my ($p, $version) = @_;
	my $rest = substr($p, 5);
	my $body = "\0";
	$body .= _lenenc(_lenenc_take(\$rest)) for 1 .. 2;
	my ($status, $warnings) = unpack('v v', substr($rest, 0, 4, ''));
	my ($info, $track) = ('', '');
	$info = substr($rest, 0, _lenenc_take(\$rest), '') if length $rest;
	$track = substr($rest, 0, _lenenc_take(\$rest), '')
		if $status & STATE_CHANGED && length $rest;
	$track .= "\0" . _lenstr(_lenstr(GVARS) . _lenstr($version));
	$body .= pack('v v', $status | STATE_CHANGED, $warnings)
		. _lenstr($info) . _lenstr($track);
	return substr(pack('V', length $body), 0, 3) . substr($p, 3, 1)
		. $body;
}

# One relayed connection.
sub _serve {
	my ($c, %o) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $o{server}, Proto => 'tcp') or die "connect: $!\n";
	binmode $_ for $c, $s;
	my ($cbuf, $sbuf) = ('', '');
	my $hs = _read_packet($s, \$sbuf) // return;
	my ($id, $scramble) = _greeting($hs);
	_log($o{log}, "greet $id $scramble");
	_send($c, $hs . substr($sbuf, 0, length $sbuf, ''));
	my $login = _read_packet($c, \$cbuf) // return;
	if (-e "$o{log}.refuse") {
		_send($c, _refusal((ord(substr($login, 3, 1)) + 1) & 0xff));
		_log($o{log}, "refused $id");
		return;
	}
	_send($s, $login . substr($cbuf, 0, length $cbuf, ''));
	if (defined $o{gvars}
		&& unpack('V', substr($login, 4, 4)) & SESSION_TRACK) {
		my $ok = _read_packet($s, \$sbuf) // return;
		$ok = _with_gvars($ok, $o{gvars}) if substr($ok, 4, 1) eq "\0";
		_send($c, $ok . substr($sbuf, 0, length $sbuf, ''));
	}
	my $sel = IO::Select->new($c, $s);
	while (my @ready = $sel->can_read(IDLE_LIMIT)) {
		for my $h (@ready) {
			sysread($h, my $chunk, 1 << 16) or return;
			_send($h == $c ? $s : $c, $chunk);
		}
	}
}

1;
