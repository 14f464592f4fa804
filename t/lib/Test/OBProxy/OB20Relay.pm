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
#
# Session sync (OB_CAP_PROXY_SESSION_SYNC, bit 13) and new-format extra
# info (OB_CAP_PROXY_NEW_EXTRA_INFO, bit 15) are granted when asked,
# within the option grant (a mask, both by default).  With new extra
# info granted the relay's frames carry extra info in the new format
# (type:2 length:4 value items), else in the old one (varchar object
# pairs).  A statement holding 'sess:T=V,T=V' has a SESS_INFO item (2002,
# or key "sess_inf") attached to its answer: fields of type T, value V.
# 'badsess' attaches one whose field runs past the item, 'bigsess' one
# with a 5000-byte field, and a reroute answer carries a
# FEEDBACK_PROXY_INFO item (1001) in the new format.  Every request
# whose first frame carries extra info appends "extra ID FMT ITEMS" to
# the log, FMT new or old, ITEMS the SESS_INFO fields as "T=V" joined by
# commas ("-" when it has none).
#
# The zlib variant (OB_CAP_OB_PROTOCOL_V2_COMPRESS, bit 22) is granted
# when asked, within grant too: then every frame both ways is the frame
# from byte 7 on (header checksum over its own 22 bytes) deflated, with
# the inflated size as the MySQL compressed header's uncompressed length,
# or stored (uncompressed length 0).  Each frame from the proxy is
# inflated and its size checked against the header's before the usual
# checks; the connection's line then ends "zip DEFLATED STORED ZBYTES
# UBYTES": frames deflated and stored, and the bytes the deflated ones
# took and gave.  The relay stores what deflate does not shrink.  A
# statement holding 'zbad' is answered with a corrupt deflate stream,
# one holding 'zlen' with an inflated size one too large (the
# stream's check value spoiled, or the size announced).

use warnings;
use strict;

use IO::Select;
use IO::Socket::INET;

use Compress::Zlib qw/compress uncompress/;
use Test::OBProxy::OB20 qw/crc16 crc32c frame/;

use Test::OBProxy::Relay qw/relay_start relay_log send_all lenenc
	lenenc_take/;

use constant {
	CAP_OB_PROTOCOL_V2 => 1 << 8, SESSION_TRACK => 0x800000,
	STATE_CHANGED => 0x4000, IDLE_LIMIT => 120, PROXY_REROUTE => 4,
	ERR_REROUTE => 5727, CAP_SESSION_SYNC => 1 << 13,
	CAP_NEW_EXTRA_INFO => 1 << 15, EXTRA_INFO => 1, NEW_EXTRA => 8,
	SESS_INFO => 2002, FEEDBACK => 1001, CAP_ZIP => 1 << 22,
};

# Listens on 127.0.0.1:<port> in a child process relaying to <server>
# (port of MariaDB); returns the child's pid.  <log> is the file.
sub start {
	my ($class, %o) = @_;
	return relay_start(%o, serve => \&_serve);
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
		grant => $o{grant} // (CAP_SESSION_SYNC | CAP_NEW_EXTRA_INFO
			| CAP_ZIP),
		mode => 'greeting', in => 0, out => 0, reqs => 0, seq => 0,
		zin => 0, zstored => 0, zbytes => 0, ubytes => 0 };
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
	my $zip = $st->{granted} && $st->{granted} & CAP_ZIP
		? " zip $st->{zin} $st->{zstored} $st->{zbytes} $st->{ubytes}"
		: '';
	relay_log($o{log}, $st->{mode} eq 'ob20'
		? "conn $st->{id} ob20 $st->{in} $st->{out} $st->{reqs}$zip"
		: 'conn ' . ($st->{id} // '?') . ' mysql');
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
		send_all($st->{c}, $p);
	}
	for my $p (_packets(\$st->{cbuf})) {
		if ($st->{mode} eq 'login' && !defined $st->{caps}) {
			$st->{caps} = unpack('V', substr($p, 4, 4));
			my ($want) = $p =~ /\x17__proxy_capability_flag.(\d+)/s;
			$st->{asked} = ($want // 0) & CAP_OB_PROTOCOL_V2
				&& $st->{caps} & SESSION_TRACK;
			$st->{granted} = CAP_OB_PROTOCOL_V2
				| (($want // 0) & $st->{grant});
		}
		send_all($st->{s}, $p);
	}
	return 1;
}

# The login OK with ob_capability_flag granted in its session track.
sub _grant {
	my ($st, $p) = @_;
	return _with_track($p, 'ob_capability_flag', $st->{granted});
}

# OK packet <p> with system variable <name> = <value> added to its
# session track.
sub _with_track {
	my ($p, $name, $value) = @_;
	my $rest = substr($p, 5);
	my $head = "\0";
	$head .= lenenc(lenenc_take(\$rest)) for 1 .. 2;
	my ($status, $warnings) = unpack('v v', substr($rest, 0, 4, ''));
	my ($info, $track) = ('', '');
	if (length $rest) {
		$info = substr($rest, 0, lenenc_take(\$rest), '');
		$track = substr($rest, 0, lenenc_take(\$rest), '')
			if $status & STATE_CHANGED;
	}
	my $item = lenenc(length $name) . $name . lenenc(length $value)
		. $value;
	$track .= "\0" . lenenc(length $item) . $item;
	my $body = $head . pack('v v', $status | STATE_CHANGED, $warnings)
		. lenenc(length $info) . $info . lenenc(length $track) . $track;
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
	my $info = join '', map { lenenc($_) } 4, 0x7f000001,
		$st->{reroute_to}, 1, 0;
	$info .= lenenc(6) . 't_hash' . lenenc(1);
	my $ok = "\0\0\0" . pack('v v', 2, 0) . "\0";
	$ok = _with_track(substr(pack('V', length $ok), 0, 3) . "\2" . $ok,
		'ob_client_reroute_info', lenenc(length $info) . $info);
	$st->{attach} = pack('v V', FEEDBACK, 7) . pack('v V', 0, 1) . '0'
		if $st->{granted} & CAP_NEW_EXTRA_INFO;
	return substr(pack('V', length $err), 0, 3) . "\1" . $err . $ok;
}

# OceanBase's varint and a varchar object (meta, length, bytes, NUL).
sub _varint {
	my ($n) = @_;
	my $s = '';
	while ($n >= 0x80) {
		$s .= chr(($n & 0x7f) | 0x80);
		$n >>= 7;
	}
	return $s . chr($n);
}

sub _varchar { pack('C4', 22, 2, 63, 0) . _varint(length $_[0]) . "$_[0]\0" }

# The extra info item holding SESS_INFO value <v>, in the format granted.
sub _sess_item {
	my ($st, $v) = @_;
	return pack('v V', SESS_INFO, length $v) . $v
		if $st->{granted} & CAP_NEW_EXTRA_INFO;
	return _varchar('sess_inf') . _varchar($v);
}

# The SESS_INFO item a statement <pay> asks for, or undef.
sub _sess_for {
	my ($st, $pay) = @_;
	return _sess_item($st, pack('v V', 4, 100) . 'x' x 10)
		if $pay =~ /'badsess'/;
	return _sess_item($st, pack('v V', 4, 5000) . 'y' x 5000)
		if $pay =~ /'bigsess'/;
	my ($list) = $pay =~ /'sess:([^']*)'/ or return undef;
	my $v = '';
	for (split /,/, $list) {
		my ($t, $val) = split /=/, $_, 2;
		$v .= pack('v V', $t, length $val) . $val;
	}
	return _sess_item($st, $v);
}

# One varchar object taken off the front of <$buf>, or undef.
sub _varchar_take {
	my ($buf) = @_;
	return undef if length $$buf < 5 || ord($$buf) != 22;
	substr($$buf, 0, 4, '');
	my ($n, $shift) = (0, 0);
	while (length $$buf) {
		my $b = ord substr($$buf, 0, 1, '');
		$n |= ($b & 0x7f) << $shift;
		$shift += 7;
		last unless $b & 0x80;
	}
	return undef if length $$buf < $n + 1;
	my $s = substr($$buf, 0, $n, '');
	substr($$buf, 0, 1, '');
	return $s;
}

# The fields of SESS_INFO value <v> as "T=V" joined by commas.
sub _fields {
	my ($v) = @_;
	my @f;
	while (length $v >= 6) {
		my ($t, $n) = unpack('v V', substr($v, 0, 6, ''));
		push @f, "$t=" . substr($v, 0, $n, '');
	}
	return @f;
}

# The log line for a request's extra info <e> (flags <flags>).
sub _log_extra {
	my ($st, $e, $flags) = @_;
	my (@f, $fmt);
	if ($flags & NEW_EXTRA) {
		$fmt = 'new';
		while (length $e >= 6) {
			my ($t, $n) = unpack('v V', substr($e, 0, 6, ''));
			my $v = substr($e, 0, $n, '');
			push @f, _fields($v) if $t == SESS_INFO;
		}
	} else {
		$fmt = 'old';
		while (length $e) {
			my $k = _varchar_take(\$e) // last;
			my $v = _varchar_take(\$e) // last;
			push @f, _fields($v) if $k eq 'sess_inf';
		}
	}
	relay_log($st->{log}, "extra $st->{id} $fmt " . (join(',', @f) || '-'));
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

# The inflated frame of the zlib variant (<z>: the bytes after its 7-byte
# header, <ulen> the size it announces; 0: stored), or undef (logged).
sub _unzip {
	my ($st, $z, $ulen) = @_;
	if (!$ulen) {
		$st->{zstored}++;
		return $z;
	}
	my $b = uncompress($z);
	return _bad($st, 'deflate stream') || undef unless defined $b;
	return _bad($st, 'inflated length ' . length($b) . " not $ulen")
		|| undef if length $b != $ulen;
	$st->{zin}++;
	$st->{zbytes} += length $z;
	$st->{ubytes} += $ulen;
	return $b;
}

# A frame of the zlib variant: header checksum over its own 22 bytes,
# deflated, or stored when that does not shrink it; a 'zbad' or 'zlen'
# statement's answer spoiled as it asked.
sub _zframe {
	my ($st, %f) = @_;
	my $hdr = pack('v v V', 0x20AB, 20, $f{conn}) . substr(pack('V',
		$f{req}), 0, 3) . chr($f{seq}) . pack('V V v',
		length $f{payload}, $f{flags}, 0);
	my $body = $hdr . pack('v', crc16($hdr)) . $f{payload}
		. pack('V', crc32c($f{payload}));
	my $z = compress($body);
	my $ulen = length $body;
	my $fault = delete $st->{zfault} // '';
	($z, $ulen) = ($body, 0) if length $z >= length $body && !$fault;
	# 'zbad' spoils the stream's check value (adler32), its last 4 bytes
	substr($z, -4) ^= "\x5a\xa5\x5a\xa5" if $fault eq 'zbad';
	$ulen++ if $fault eq 'zlen';
	return substr(pack('V', length $z), 0, 3) . chr($f{seq})
		. substr(pack('V', $ulen), 0, 3) . $z;
}

sub _bad {
	my ($st, $why) = @_;
	relay_log($st->{log}, "BAD $st->{id}: $why");
	return 0;
}

# Frames from the proxy checked and unwrapped; MariaDB's bytes framed.
sub _step_ob20 {
	my ($st) = @_;
	while (length $st->{cbuf} >= 31) {
		my $b = $st->{cbuf};
		my ($clen, $cseq, $ulen) = (_u24($b), ord substr($b, 3, 1),
			_u24(substr($b, 4, 3)));
		my $zip = $st->{granted} & CAP_ZIP;
		if ($zip) {
			last if length $b < 7 + $clen;
			$b = _unzip($st, substr($b, 7, $clen), $ulen)
				// return 0;
		}
		my $h = $zip ? 0 : 7;
		my ($magic, $ver, $conn, $req, $seq, $plen, $flags, undef,
			$crc) = unpack('v v V a3 C V V v v', substr($b, $h, 24));
		$req = _u24($req);
		return _bad($st, 'header checksum') if $crc
			&& $crc != crc16(substr($b, 0, $h + 22));
		return _bad($st, 'magic or version') if $magic != 0x20AB
			|| $ver != 20;
		return _bad($st, 'lengths') if $zip ? length $b != 28 + $plen
			: $ulen || $clen != 28 + $plen;
		return _bad($st, "connection id $conn") if $conn != $st->{id};
		last if length $b < $h + 24 + $plen + 4;
		my $fresh = !defined $st->{req} || $req != $st->{req};
		return _bad($st, "sequence $seq of request $req")
			if $seq != ($fresh ? 0 : $st->{seq}) || $cseq != $seq;
		my $pay = substr($b, $h + 24, $plen);
		my $tail = unpack('V', substr($b, $h + 24 + $plen, 4));
		return _bad($st, 'payload checksum') if $tail
			&& $tail != crc32c($pay);
		substr($st->{cbuf}, 0, 7 + $clen, '');
		if ($flags & EXTRA_INFO) {
			my $e = unpack('V', $pay);
			_log_extra($st, substr($pay, 4, $e), $flags) if $fresh;
			$pay = substr($pay, 4 + $e);
		}
		$st->{reqs}++ if $fresh;
		($st->{req}, $st->{seq}) = ($req, ($seq + 1) & 0xff);
		$st->{in}++;
		if ($fresh && $st->{reroute_to} && $flags & PROXY_REROUTE
			&& $pay =~ m{^....\x03.*'reroute'}s) {
			relay_log($st->{log}, "reroute $st->{id}");
			$st->{sbuf} .= _reroute_answer($st);
			next;
		}
		$st->{miss} = 1 if $fresh && $pay =~ m{^....\x03.*'miss'}s;
		$st->{zfault} = $1
			if $fresh && $pay =~ m{^....\x03.*'(zbad|zlen)'}s;
		$st->{attach} = _sess_for($st, $pay) // $st->{attach}
			if $fresh && $pay =~ m{^....\x03}s;
		send_all($st->{s}, $pay);
	}
	return 1 if $st->{miss} && !_miss($st);
	while (length $st->{sbuf}) {
		my $chunk = substr($st->{sbuf}, 0, 16000, '');
		my $flags = length $st->{sbuf} ? 0 : 2;
		if (defined(my $e = delete $st->{attach})) {
			$chunk = pack('V', length $e) . $e . $chunk;
			$flags |= EXTRA_INFO;
			$flags |= NEW_EXTRA if $st->{granted} & CAP_NEW_EXTRA_INFO;
		}
		my %f = (conn => $st->{id}, req => $st->{req} // 0,
			seq => $st->{seq}, flags => $flags, payload => $chunk);
		send_all($st->{c}, $st->{granted} & CAP_ZIP ? _zframe($st, %f)
			: frame(%f));
		$st->{seq} = ($st->{seq} + 1) & 0xff;
		$st->{out}++;
	}
	return 1;
}

1;
