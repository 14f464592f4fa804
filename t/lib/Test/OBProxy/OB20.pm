package Test::OBProxy::OB20;

# An OceanBase 2.0 peer for tests, written from the specification (the
# OceanBase documentation's "Protocols" page and ODP-REFERENCE 10.1), not
# from the proxy's code: it frames MySQL packets as a client would,
# checks every frame it reads (both checksums, magic, version, lengths,
# request id, sequence) and builds the bad frames a real client never
# sends.  It rides on a Test::OBProxy::Raw connection logged in with the
# __proxy_capability_flag connect attribute.

use warnings;
use strict;

use Exporter 'import';

use Test::OBProxy::Raw;

our @EXPORT_OK = qw/crc16 crc32c frame/;

use constant {
	MAGIC => 0x20AB, VERSION => 20,
	EXTRA_INFO_EXIST => 1, IS_LAST_PACKET => 2, IS_NEW_EXTRA_INFO => 8,
	CAP_OB_PROTOCOL_V2 => 1 << 8, CAP_NEW_EXTRA_INFO => 1 << 15,
	CONNECT_ATTRS => 0x100000, SESSION_TRACK => 0x800000,
};

# CRC-16/ARC (reflected 0xA001, from 0, no xor) and CRC-32C (reflected
# 0x82F63B78, from 0, no xor), one table each, built bit by bit.
my (@t16, @t32);
for my $i (0 .. 255) {
	my ($a, $b) = ($i, $i);
	for (1 .. 8) {
		$a = ($a >> 1) ^ ($a & 1 ? 0xA001 : 0);
		$b = ($b >> 1) ^ ($b & 1 ? 0x82F63B78 : 0);
	}
	($t16[$i], $t32[$i]) = ($a, $b);
}

sub crc16 {
	my $c = 0;
	$c = ($c >> 8) ^ $t16[($c ^ $_) & 0xff] for unpack('C*', $_[0]);
	return $c;
}

sub crc32c {
	my $c = 0;
	$c = ($c >> 8) ^ $t32[($c ^ $_) & 0xff] for unpack('C*', $_[0]);
	return $c;
}

sub _u24 { substr(pack('V', $_[0]), 0, 3) }

# One frame: conn, req, seq, flags, payload; to build bad ones, any of
# magic, version, payload_len, comp_len, hdr_crc, tail_crc overrides
# what the specification says.
sub frame {
	my (%f) = @_;
	my $pay = $f{payload} // '';
	my $seq = $f{seq} // 0;
	my $comp = _u24($f{comp_len} // 24 + length($pay) + 4) . chr($seq)
		. _u24(0);
	my $hdr = pack('v v V', $f{magic} // MAGIC, $f{version} // VERSION,
		$f{conn} // 0) . _u24($f{req} // 0) . chr($seq)
		. pack('V V v', $f{payload_len} // length $pay, $f{flags} // 0, 0);
	return $comp . $hdr . pack('v', $f{hdr_crc} // crc16($comp . $hdr))
		. $pay . pack('V', $f{tail_crc} // crc32c($pay));
}

# New-format extra info item; old-format varchar object pair.
sub extra_new { pack('v V', $_[0], length $_[1]) . $_[1] }

sub _varchar { pack('C4 C', 22, 2, 63, 0, length $_[0]) . "$_[0]\0" }
sub extra_old { _varchar($_[0]) . _varchar($_[1]) }

# Logs <raw> (a Test::OBProxy::Raw) in asking for OB 2.0 with <caps>
# (the OB 2.0 and new extra info bits by default), into database <db>
# ('test'; undef: none).  Returns the peer, or
# undef with {error} set on <raw> when the login or the grant failed.
sub login {
	my ($class, $raw, %o) = @_;
	my $h = $raw->handshake() // return undef;
	my $want = $o{ob_caps} // (CAP_OB_PROTOCOL_V2 | CAP_NEW_EXTRA_INFO);
	my $attrs = join '', map { chr(length $_) . $_ }
		'__proxy_capability_flag', "$want";
	my $p = $raw->response_packet(%o, caps => Test::OBProxy::Raw::DEFAULT_CAPS
		| CONNECT_ATTRS | SESSION_TRACK,
		db => exists $o{db} ? $o{db} : 'test')
		. chr(length $attrs) . $attrs;
	$raw->send_packet($p, 1) or return undef;
	my $ok = $raw->read_packet() // return undef;
	return $raw->_fail('login refused: ' . substr($ok, 9))
		if ord($ok) != 0;
	my ($granted) = $ok =~ /\x12ob_capability_flag.(\d+)/s;
	return bless { raw => $raw, conn => $h->{id}, req => 7,
		granted => $granted, ok => $ok }, $class;
}

sub granted { $_[0]->{granted} }

# Sends <bytes> as they are.
sub send_raw { $_[0]->{raw}->send_raw($_[1]) }

# Sends MySQL packet <payload> (sequence 0) as a new request's first
# frame; <extra> (optional) is extra info, new format unless <old>.
sub request {
	my ($self, $payload, %o) = @_;
	$self->{req} = ($self->{req} + 1) & 0xffffff;
	$self->{seq} = 0;
	my $mysql = _u24(length $payload) . "\0" . $payload;
	my $flags = 0;
	if (defined $o{extra}) {
		$flags |= EXTRA_INFO_EXIST | ($o{old} ? 0 : IS_NEW_EXTRA_INFO);
		$mysql = pack('V', length $o{extra}) . $o{extra} . $mysql;
	}
	return $self->send_raw(frame(conn => $self->{conn}, req => $self->{req},
		seq => $self->{seq}++, flags => $flags, payload => $mysql));
}

# Reads one frame and checks it all.  Returns {flags, mysql} or undef
# with {error} saying what was wrong.
sub read_frame {
	my ($self) = @_;
	my $raw = $self->{raw};
	my $head = $raw->read_raw(31) // return $self->_bad($raw->{error});
	my ($clen, $cseq, $ulen) = (unpack('V', substr($head, 0, 3) . "\0"),
		ord substr($head, 3, 1), unpack('V', substr($head, 4, 3) . "\0"));
	my ($magic, $ver, $conn, $req, $seq, $plen, $flags, undef, $crc) =
		unpack('v v V a3 C V V v v', substr($head, 7));
	$req = unpack('V', "$req\0");
	return $self->_bad('header checksum') if $crc
		&& $crc != crc16(substr($head, 0, 29));
	return $self->_bad("magic $magic, version $ver") if $magic != MAGIC
		|| $ver != VERSION;
	return $self->_bad("lengths $clen, $plen") if $ulen != 0
		|| $clen != 24 + $plen + 4;
	return $self->_bad("connection id $conn") if $conn != $self->{conn};
	return $self->_bad("request id $req") if $req != $self->{req};
	return $self->_bad("sequence $seq, $cseq") if $seq != $self->{seq}
		|| $cseq != $seq;
	$self->{seq} = ($seq + 1) & 0xff;
	my $rest = $raw->read_raw($plen + 4) // return $self->_bad($raw->{error});
	my ($pay, $tail) = (substr($rest, 0, $plen), unpack('V', substr($rest,
		$plen)));
	return $self->_bad('payload checksum') if $tail
		&& $tail != crc32c($pay);
	$self->{frames}++;
	return { flags => $flags, mysql => $pay };
}

sub _bad { $_[0]->{error} = $_[1]; return undef }

# One response's frames: their MySQL bytes joined (up to an OK or ERR
# first, else the result set's second EOF, or an ERR), or undef.  Sets
# {frames} (frames read), {last} (the final one's OB_IS_LAST_PACKET) and
# {lasts} (how many said OB_IS_LAST_PACKET).
sub read_response {
	my ($self) = @_;
	my ($bytes, $eofs) = ('', 0);
	$self->{frames} = $self->{lasts} = 0;
	for (1 .. 100000) {
		my $f = $self->read_frame() // return undef;
		$bytes .= $f->{mysql};
		$self->{last} = $f->{flags} & IS_LAST_PACKET;
		$self->{lasts}++ if $self->{last};
		my @p = packets($bytes);
		next unless @p;
		return $bytes if $p[0] =~ /^[\x00\xff]/
			|| grep({ /^\xff/ } @p)
			|| grep({ /^\xfe/ && length $_ < 9 } @p) >= 2;
	}
	return $self->_bad('no end of response');
}

# The whole MySQL packets' payloads in <bytes>.
sub packets {
	my ($bytes) = @_;
	my @p;
	while (length $bytes >= 4) {
		my $len = unpack('V', substr($bytes, 0, 3) . "\0");
		last if length $bytes < 4 + $len;
		push @p, substr($bytes, 4, $len);
		substr($bytes, 0, 4 + $len, '');
	}
	return @p;
}

1;
