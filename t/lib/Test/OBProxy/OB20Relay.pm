package Test::OBProxy::OB20Relay;

# An OceanBase 2.0 server for tests: a relay in front of a real MariaDB
# that plays OBServer's part of the protocol, written from the
# specification (Test::OBProxy::OB20's frames and checksums).  A login
# whose connect attributes ask for OB_PROTOCOL_V2 (__proxy_capability_flag)
# gets it granted in its OK's session-track ob_capability_flag; from then
# on every frame from the proxy is checked (both checksums, magic,
# version, lengths, connection id, request id and sequence), its MySQL
# packets go to MariaDB, and MariaDB's bytes come back framed with the
# request's id and the next sequences.  Logins that do not ask stay
# MySQL.  Each connection appends one line to the log file when it ends:
# "conn ID ob20 FRAMES_IN FRAMES_OUT REQUESTS" or "conn ID mysql", and
# "BAD ID: WHY" for a frame refused (the connection then closes).

use warnings;
use strict;

use IO::Select;
use IO::Socket::INET;
use POSIX qw/_exit/;

use Test::OBProxy::OB20 qw/crc16 crc32c frame/;

use constant {
	CAP_OB_PROTOCOL_V2 => 1 << 8, SESSION_TRACK => 0x800000,
	STATE_CHANGED => 0x4000, IDLE_LIMIT => 120,
};

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
			_log($o{log}, "BAD ?: $@") if $@;
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

sub _u24 { unpack('V', substr($_[0], 0, 3) . "\0") }

# One relayed connection.
sub _serve {
	my ($c, %o) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $o{server}, Proto => 'tcp') or die "connect: $!\n";
	binmode $_ for $c, $s;
	my $st = { c => $c, s => $s, cbuf => '', sbuf => '', log => $o{log},
		mode => 'greeting', in => 0, out => 0, reqs => 0, seq => 0 };
	my $sel = IO::Select->new($c, $s);
	while (1) {
		my @ready = $sel->can_read(IDLE_LIMIT) or last;
		my $open = 1;
		for my $h (@ready) {
			my $n = sysread($h, my $chunk, 1 << 16);
			$open = 0, last unless $n;
			$st->{$h == $c ? 'cbuf' : 'sbuf'} .= $chunk;
		}
		last unless _step($st) && $open;
	}
	_log($o{log}, $st->{mode} eq 'ob20'
		? "conn $st->{id} ob20 $st->{in} $st->{out} $st->{reqs}"
		: 'conn ' . ($st->{id} // '?') . ' mysql');
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

# Whole MySQL packets at the front of <buf>, taken off it.
sub _packets {
	my ($buf) = @_;
	my @p;
	while (length $$buf >= 4 && length $$buf >= 4 + _u24($$buf)) {
		push @p, substr($$buf, 0, 4 + _u24($$buf), '');
	}
	return @p;
}

# Handles what both buffers hold; false once the connection must end.
sub _step {
	my ($st) = @_;
	return _step_ob20($st) if $st->{mode} eq 'ob20';
	for my $p (_packets(\$st->{sbuf})) {
		if ($st->{mode} eq 'greeting') {
			my $v = index($p, "\0", 5);
			$st->{id} = unpack('V', substr($p, $v + 1, 4));
			$st->{mode} = 'login';
		} elsif ($st->{mode} eq 'login' && substr($p, 4, 1) eq "\0") {
			$p = _grant($st, $p) if $st->{asked};
			$st->{mode} = $st->{asked} ? 'ob20' : 'mysql';
		}
		_send($st->{c}, $p);
	}
	for my $p (_packets(\$st->{cbuf})) {
		if ($st->{mode} eq 'login' && !defined $st->{caps}) {
			$st->{caps} = unpack('V', substr($p, 4, 4));
			my ($want) = $p =~ /\x17__proxy_capability_flag.(\d+)/s;
			$st->{asked} = ($want // 0) & CAP_OB_PROTOCOL_V2
				&& $st->{caps} & SESSION_TRACK;
		}
		_send($st->{s}, $p);
	}
	return 1;
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
	return "\xfd" . substr(pack('V', $n), 0, 3);
}

# The login OK with ob_capability_flag granted in its session track.
sub _grant {
	my ($st, $p) = @_;
	my $rest = substr($p, 5);
	my $head = "\0";
	$head .= _lenenc(_lenenc_take(\$rest)) for 1 .. 2;
	my ($status, $warnings) = unpack('v v', substr($rest, 0, 4, ''));
	my ($info, $track) = ('', '');
	if (length $rest) {
		$info = substr($rest, 0, _lenenc_take(\$rest), '');
		$track = substr($rest, 0, _lenenc_take(\$rest), '')
			if $status & STATE_CHANGED;
	}
	my $item = chr(18) . 'ob_capability_flag' . chr(3) . CAP_OB_PROTOCOL_V2;
	$track .= "\0" . _lenenc(length $item) . $item;
	my $body = $head . pack('v v', $status | STATE_CHANGED, $warnings)
		. _lenenc(length $info) . $info . _lenenc(length $track) . $track;
	return substr(pack('V', length $body), 0, 3) . substr($p, 3, 1) . $body;
}

sub _bad {
	my ($st, $why) = @_;
	_log($st->{log}, "BAD $st->{id}: $why");
	return 0;
}

# Frames from the proxy checked and unwrapped; MariaDB's bytes framed.
sub _step_ob20 {
	my ($st) = @_;
	while (length $st->{cbuf} >= 31) {
		my $b = $st->{cbuf};
		my ($clen, $cseq, $ulen) = (_u24($b), ord substr($b, 3, 1),
			_u24(substr($b, 4, 3)));
		my ($magic, $ver, $conn, $req, $seq, $plen, $flags, undef,
			$crc) = unpack('v v V a3 C V V v v', substr($b, 7, 24));
		$req = _u24($req);
		return _bad($st, 'header checksum') if $crc
			&& $crc != crc16(substr($b, 0, 29));
		return _bad($st, 'magic or version') if $magic != 0x20AB
			|| $ver != 20;
		return _bad($st, 'lengths') if $ulen || $clen != 28 + $plen;
		return _bad($st, "connection id $conn") if $conn != $st->{id};
		last if length $b < 7 + $clen;
		my $fresh = !defined $st->{req} || $req != $st->{req};
		return _bad($st, "sequence $seq of request $req")
			if $seq != ($fresh ? 0 : $st->{seq}) || $cseq != $seq;
		my $pay = substr($b, 31, $plen);
		my $tail = unpack('V', substr($b, 31 + $plen, 4));
		return _bad($st, 'payload checksum') if $tail
			&& $tail != crc32c($pay);
		substr($st->{cbuf}, 0, 7 + $clen, '');
		if ($flags & 1) {
			my $e = unpack('V', $pay);
			$pay = substr($pay, 4 + $e);
		}
		$st->{reqs}++ if $fresh;
		($st->{req}, $st->{seq}) = ($req, ($seq + 1) & 0xff);
		$st->{in}++;
		_send($st->{s}, $pay);
	}
	while (length $st->{sbuf}) {
		my $chunk = substr($st->{sbuf}, 0, 16000, '');
		_send($st->{c}, frame(conn => $st->{id}, req => $st->{req} // 0,
			seq => $st->{seq}, flags => length $st->{sbuf} ? 0 : 2,
			payload => $chunk));
		$st->{seq} = ($st->{seq} + 1) & 0xff;
		$st->{out}++;
	}
	return 1;
}

1;
