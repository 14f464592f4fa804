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
#
# Two OBServer answers are played for marked statements.  With reroute_to
# (a port on 127.0.0.1), a COM_QUERY holding the string literal
# 'reroute' in a frame flagged OB_IS_PROXY_REROUTE is not run: it is
# answered with OB_ERR_REROUTE and an OK whose session track carries
# ob_client_reroute_info naming that server (line "reroute ID").  A
# statement holding 'miss' has ob_proxy_partition_hit "0" added to
# its OK's session track.

use warnings;
use strict;

use IO::Select;
use IO::Socket::INET;
use POSIX qw/_exit/;

use Test::OBProxy::OB20 qw/crc16 crc32c frame/;

use constant {
	CAP_OB_PROTOCOL_V2 => 1 << 8, SESSION_TRACK => 0x800000,
	STATE_CHANGED => 0x4000, IDLE_LIMIT => 120, PROXY_REROUTE => 4,
	ERR_REROUTE => 5727,
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
		reroute_to => $o{reroute_to},
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
	return "\xfd" . substr(pack('V', $n), 0, 3) if $n < 1 << 24;
	return "\xfe" . pack('Q<', $n);
}

# The login OK with ob_capability_flag granted in its session track.
sub _grant {
	my ($st, $p) = @_;
	return _with_track($p, 'ob_capability_flag', CAP_OB_PROTOCOL_V2);
}

# OK packet <p> with system variable <name> = <value> added to its
# session track.
sub _with_track {
	my ($p, $name, $value) = @_;
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
	my $item = _lenenc(length $name) . $name . _lenenc(length $value)
		. $value;
	$track .= "\0" . _lenenc(length $item) . $item;
	my $body = $head . pack('v v', $status | STATE_CHANGED, $warnings)
		. _lenenc(length $info) . $info . _lenenc(length $track) . $track;
	return substr(pack('V', length $body), 0, 3) . substr($p, 3, 1) . $body;
}

# The answer of a server that does not lead the statement's partition:
# OB_ERR_REROUTE, then an OK naming the server to go to (OceanBase's
# ObFeedbackRerouteInfo: its length, then address version 4, the IPv4
# address, port, role 1 leader, replica type 0 full, table name, schema
# version, each a length-encoded integer or string).
sub _reroute_answer {
	my ($st) = @_;
	my $err = "\xff" . pack('v', ERR_REROUTE) . '#HY000'
		. 'reroute to another server';
	my $info = join '', map { _lenenc($_) } 4, 0x7f000001,
		$st->{reroute_to}, 1, 0;
	$info .= _lenenc(6) . 't_hash' . _lenenc(1);
	my $ok = "\0\0\0" . pack('v v', 2, 0) . "\0";
	$ok = _with_track(substr(pack('V', length $ok), 0, 3) . "\2" . $ok,
		'ob_client_reroute_info', _lenenc(length $info) . $info);
	return substr(pack('V', length $err), 0, 3) . "\1" . $err . $ok;
}

# The first whole packet of MariaDB's answer, an OK, with
# ob_proxy_partition_hit "0"; false while it has not come whole.
sub _miss {
	my ($st) = @_;
	my @p = _packets(\$st->{sbuf}) or return 0;
	$p[0] = _with_track($p[0], 'ob_proxy_partition_hit', '0')
		if substr($p[0], 4, 1) eq "\0";
	$st->{sbuf} = join('', @p) . $st->{sbuf};
	$st->{miss} = 0;
	return 1;
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
		if ($fresh && $st->{reroute_to} && $flags & PROXY_REROUTE
			&& $pay =~ m{^....\x03.*'reroute'}s) {
			_log($st->{log}, "reroute $st->{id}");
			$st->{sbuf} .= _reroute_answer($st);
			next;
		}
		$st->{miss} = 1 if $fresh && $pay =~ m{^....\x03.*'miss'}s;
		_send($st->{s}, $pay);
	}
	return 1 if $st->{miss} && !_miss($st);
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
