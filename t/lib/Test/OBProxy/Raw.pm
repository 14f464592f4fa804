package Test::OBProxy::Raw;

# A MySQL client at the packet level, for tests that need the wire: read
# the handshake, log in with a chosen plugin, capabilities and database,
# answer an auth switch, send any bytes, send a command and read its
# response to the end.  Every read waits at most <timeout> seconds; a
# read that times out or finds the connection closed returns undef and
# says why in $r->{error}.

use warnings;
use strict;

use Digest::SHA qw/sha1 sha256/;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw/time/;

# Capability flags (protocol values).
use constant {
	LONG_PASSWORD => 0x1, FOUND_ROWS => 0x2, LONG_FLAG => 0x4,
	CONNECT_WITH_DB => 0x8, LOCAL_FILES => 0x80, PROTOCOL_41 => 0x200,
	TRANSACTIONS => 0x2000, SECURE_CONNECTION => 0x8000,
	MULTI_STATEMENTS => 0x10000, MULTI_RESULTS => 0x20000,
	PS_MULTI_RESULTS => 0x40000, PLUGIN_AUTH => 0x80000,
	DEPRECATE_EOF => 0x1000000, MORE_RESULTS => 0x0008,
};

use constant DEFAULT_CAPS => LONG_PASSWORD | FOUND_ROWS | LONG_FLAG
	| PROTOCOL_41 | TRANSACTIONS | SECURE_CONNECTION | MULTI_STATEMENTS
	| MULTI_RESULTS | PS_MULTI_RESULTS | PLUGIN_AUTH;

# Connects to 127.0.0.1:<port>.  Options: host, local (the address to
# connect from), timeout (per read, 5 s).
# Returns undef when the connection fails ($@ says why).
sub new {
	my ($class, %o) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => $o{host} // '127.0.0.1',
		PeerPort => $o{port}, Proto => 'tcp', Timeout => 5,
		$o{local} ? (LocalAddr => $o{local}) : ());
	unless ($s) {
		$@ = "connect to port $o{port}: $!";
		return undef;
	}
	binmode $s;
	return bless { s => $s, timeout => $o{timeout} // 5, buf => '',
		seq => 0, caps => DEFAULT_CAPS, local_port => $s->sockport() },
		$class;
}

# The local port, which the proxy's log lines name (kept after close).
sub local_port { $_[0]->{local_port} }

sub close {
	my ($self) = @_;
	close $self->{s} if $self->{s};
	delete $self->{s};
}

###############################################################################
# Bytes and packets.

sub send_raw {
	my ($self, $bytes) = @_;
	my $s = $self->{s} or return undef;
	local $SIG{PIPE} = 'IGNORE';
	my $off = 0;
	my $sel = IO::Select->new($s);
	while ($off < length $bytes) {
		return $self->_fail('write timed out')
			unless $sel->can_write($self->{timeout});
		my $n = syswrite($s, $bytes, length($bytes) - $off, $off);
		return $self->_fail("write: $!") unless defined $n;
		$off += $n;
	}
	return 1;
}

# One packet with <seq> (else the next sequence number); a payload over
# 16 MiB - 1 goes as a chain.
sub send_packet {
	my ($self, $payload, $seq) = @_;
	$self->{seq} = $seq if defined $seq;
	my $out = '';
	for (0 .. 1000) {
		my $chunk = substr($payload, 0, 0xffffff, '');
		$out .= pack('V', length $chunk) =~ s/.$//sr
			. chr($self->{seq}++ & 0xff) . $chunk;
		last if length $chunk < 0xffffff;
	}
	return $self->send_raw($out);
}

# Reads at least <n> bytes into the buffer before <deadline>.
sub _fill {
	my ($self, $n, $deadline) = @_;
	return 1 if length $self->{buf} >= $n;
	my $s = $self->{s} or return $self->_fail('not connected');
	my $sel = IO::Select->new($s);
	while (length $self->{buf} < $n) {
		my $left = $deadline - time();
		return $self->_fail('read timed out')
			if $left <= 0 || !$sel->can_read($left);
		my $r = sysread($s, $self->{buf}, 1 << 20, length $self->{buf});
		return $self->_fail("read: $!") unless defined $r;
		return $self->_fail('closed by peer', 1) if $r == 0;
	}
	return 1;
}

sub _fail {
	my ($self, $why, $eof) = @_;
	$self->{error} = $why;
	$self->{eof} = 1 if $eof || $why =~ /reset|broken/i;
	return undef;
}

# The next <n> bytes as they come (another framing's), or undef.
# Options: timeout.
sub read_raw {
	my ($self, $n, %o) = @_;
	$self->_fill($n, time() + ($o{timeout} // $self->{timeout}))
		or return undef;
	return substr($self->{buf}, 0, $n, '');
}

# The next packet's payload, a chain of 16 MiB packets joined; in list
# context also its sequence number.  Options: timeout.
sub read_packet {
	my ($self, %o) = @_;

	# The common case, a whole small packet already buffered.
	if (length $self->{buf} >= 4) {
		my $head = unpack('V', $self->{buf});
		my ($len, $seq) = ($head & 0xffffff, $head >> 24);
		if ($len < 0xffffff && length $self->{buf} >= 4 + $len) {
			my $payload = substr($self->{buf}, 4, $len);
			substr($self->{buf}, 0, 4 + $len, '');
			$self->{seq} = ($seq + 1) & 0xff;
			return wantarray ? ($payload, $seq) : $payload;
		}
	}
	my $deadline = time() + ($o{timeout} // $self->{timeout});
	my $payload = '';
	my $seq;
	for (0 .. 1000) {
		$self->_fill(4, $deadline) or return;
		my $len = unpack('V', substr($self->{buf}, 0, 3) . "\0");
		$seq = ord substr($self->{buf}, 3, 1);
		$self->_fill(4 + $len, $deadline) or return;
		$payload .= substr($self->{buf}, 4, $len);
		substr($self->{buf}, 0, 4 + $len, '');
		last if $len < 0xffffff;
	}
	$self->{seq} = ($seq + 1) & 0xff;
	return wantarray ? ($payload, $seq) : $payload;
}

# True when the peer closes the connection within <timeout> seconds;
# whatever it sent before is kept in $r->{rest}.
sub closed {
	my ($self, $timeout) = @_;
	my $deadline = time() + ($timeout // $self->{timeout});
	$self->{rest} = $self->{buf};
	$self->{buf} = '';
	my $s = $self->{s} or return 1;
	my $sel = IO::Select->new($s);
	for (1 .. 100000) {
		my $left = $deadline - time();
		return 0 if $left <= 0 || !$sel->can_read($left);
		my $r = sysread($s, my $chunk, 65536);
		return 1 if !defined $r || $r == 0;
		$self->{rest} .= $chunk;
	}
	return 0;
}

###############################################################################
# Handshake and login.

# Reads the server's first packet.  Returns {protocol, version, id,
# scramble, caps, charset, status, plugin}, or the parsed ERR packet
# ({err, state, message}) when the server refused at once.
sub handshake {
	my ($self) = @_;
	my $p = $self->read_packet() // return undef;
	return _err($p) if ord($p) == 0xff;
	my %h = (protocol => ord $p);
	my $pos = 1;
	my $nul = index($p, "\0", $pos);
	return $self->_fail('handshake: no version end') if $nul < 0;
	$h{version} = substr($p, $pos, $nul - $pos);
	$pos = $nul + 1;
	return $self->_fail('handshake: short') if length $p < $pos + 31;
	($h{id}, my $s1, my $caps_lo, $h{charset}, $h{status}, my $caps_hi,
		my $slen) = unpack('V a8 x v C v v C', substr($p, $pos, 21));
	$h{caps} = $caps_lo | ($caps_hi << 16);
	# MariaDB's extended capabilities, without CLIENT_LONG_PASSWORD
	$h{ext_caps} = $h{caps} & 1 ? 0
		: unpack('V', substr($p, $pos + 21 + 6, 4));
	$pos += 21 + 10;
	my $n2 = $slen > 8 ? $slen - 8 : 13;
	$n2 = 13 if $n2 < 13;
	my $s2 = substr($p, $pos, $n2);
	$s2 =~ s/\0.*\z//s;
	$pos += $n2;
	$h{scramble} = $s1 . $s2;
	($h{plugin}) = substr($p, $pos) =~ /^([^\0]*)/;
	$self->{handshake} = \%h;
	return \%h;
}

# mysql_native_password: SHA1(pw) XOR SHA1(scramble . SHA1(SHA1(pw))).
sub native_token {
	my ($password, $scramble) = @_;
	return '' if $password eq '';
	my $h1 = sha1($password);
	return $h1 ^ sha1(substr($scramble, 0, 20) . sha1($h1));
}

# caching_sha2_password: SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) . scramble).
sub sha2_token {
	my ($password, $scramble) = @_;
	return '' if $password eq '';
	my $h1 = sha256($password);
	return $h1 ^ sha256(sha256($h1) . substr($scramble, 0, 20));
}

# The handshake response: user, password, db (none by default), plugin
# (mysql_native_password), caps (DEFAULT_CAPS; CONNECT_WITH_DB is added
# with db), charset (45), token (instead of the one the plugin computes).
sub response_packet {
	my ($self, %o) = @_;
	my $h = $self->{handshake} // {};
	my $plugin = $o{plugin} // 'mysql_native_password';
	my $caps = $o{caps} // DEFAULT_CAPS;
	$caps |= CONNECT_WITH_DB if defined $o{db};
	my $pw = $o{password} // '';
	my $token = $o{token} // ($plugin eq 'caching_sha2_password'
		? sha2_token($pw, $h->{scramble} // '')
		: native_token($pw, $h->{scramble} // ''));
	$self->{caps} = $caps;
	return pack('V V C x23', $caps, 1 << 24, $o{charset} // 45)
		. ($o{user} // '') . "\0" . chr(length $token) . $token
		. (defined $o{db} ? "$o{db}\0" : '') . "$plugin\0";
}

# Reads the handshake (unless done), sends the response and follows auth
# switches (mysql_native_password only) to the end.  Returns the final
# packet parsed ({ok => 1, ...} or {err, state, message}) with
# {switched} listing the plugins the server switched to; undef when the
# connection failed ($r->{error}).
sub login {
	my ($self, %o) = @_;
	$self->{handshake} // $self->handshake() // return undef;
	return $self->{handshake} if $self->{handshake}{err};
	$self->send_packet($self->response_packet(%o), 1) or return undef;
	return $self->_auth_rounds(%o);
}

# COM_CHANGE_USER to user, password, db (none by default), with the
# handshake's scramble (or <token>), charset (45) and plugin
# (mysql_native_password); auth switches are followed as at login.
# Returns the final packet parsed, as login() does.
sub change_user {
	my ($self, %o) = @_;
	my $plugin = $o{plugin} // 'mysql_native_password';
	my $token = $o{token} // native_token($o{password} // '',
		$self->{handshake}{scramble} // '');
	my $p = "\x11" . ($o{user} // '') . "\0" . chr(length $token) . $token
		. ($o{db} // '') . "\0" . pack('v', $o{charset} // 45)
		. "$plugin\0";
	$self->send_packet($p, 0) or return undef;
	return $self->_auth_rounds(%o);
}

# The answers after a login or change user packet: auth switches, then
# OK or ERR.
sub _auth_rounds {
	my ($self, %o) = @_;
	my @switched;
	for (1 .. 4) {
		my $p = $self->read_packet() // return undef;
		my $first = ord $p;
		if ($first == 0xfe && length $p > 1) {
			my ($plugin, $data) = $p =~ /^\xfe([^\0]*)\0(.*)\z/s;
			$plugin //= '';
			push @switched, $plugin;
			return { switch_refused => $plugin,
				switched => \@switched }
				if $plugin ne 'mysql_native_password';
			$data =~ s/\0\z//;
			$self->send_packet(native_token($o{password} // '',
				$data)) or return undef;
			next;
		}
		my $r = $first == 0xff ? _err($p) : $first == 0 ? _ok($p)
			: { unexpected => $p };
		$r->{switched} = \@switched;
		return $r;
	}
	return $self->_fail('too many auth rounds');
}

###############################################################################
# Commands and responses.

# Sends command <cmd> (a byte) with <arg> as a new request (sequence 0).
sub send_command {
	my ($self, $cmd, $arg) = @_;
	return $self->send_packet(chr($cmd) . ($arg // ''), 0);
}

# A COM_QUERY and its first response (see read_response).
sub query {
	my ($self, $sql, %o) = @_;
	$self->send_command(0x03, $sql) or return undef;
	return $self->read_response(%o);
}

# A command and its first response.
sub command {
	my ($self, $cmd, $arg, %o) = @_;
	$self->send_command($cmd, $arg) or return undef;
	return $self->read_response(%o);
}

# One response: {ok => 1, affected, insert_id, status, warnings, info},
# {err, state, message}, {eof => 1, status}, {infile => name}, or a
# result set {columns => [names], rows => [[values]], status} (rows are
# only counted in {nrows} with count_only).  {more} is set when another
# result follows.  Options: count_only, each_row (called with the count
# after every row, to read slowly), timeout (per packet).
sub read_response {
	my ($self, %o) = @_;
	my $p = $self->read_packet(%o) // return undef;
	my $first = ord $p;
	return _err($p) if $first == 0xff;
	return _more(_ok($p)) if $first == 0x00;
	return _more(_eof($p)) if $first == 0xfe && length $p < 9;
	return { infile => substr($p, 1) } if $first == 0xfb;

	my ($ncols) = _lenenc(\$p, 0);
	my %rs = (columns => [], rows => [], nrows => 0);
	for (1 .. $ncols) {
		my $c = $self->read_packet(%o) // return undef;
		push @{$rs{columns}}, _column($c)->{name};
	}
	unless ($self->{caps} & DEPRECATE_EOF) {
		my $e = $self->read_packet(%o) // return undef;
		return $self->_fail('no EOF after the columns')
			unless ord($e) == 0xfe;
	}
	for (1 .. 100_000_000) {
		my $row = $self->read_packet(%o) // return undef;
		my $f = ord $row;
		return _err($row) if $f == 0xff;
		my $deprecate = $self->{caps} & DEPRECATE_EOF;
		if ($f == 0xfe && length $row < ($deprecate ? 0xffffff : 9)) {
			my $end = $deprecate ? _ok($row) : _eof($row);
			$rs{status} = $end->{status};
			return _more(\%rs);
		}
		$rs{nrows}++;
		push @{$rs{rows}}, _text_row($row, $ncols)
			unless $o{count_only};
		$o{each_row}->($rs{nrows}) if $o{each_row};
	}
	return $self->_fail('result without end');
}

# Packets until an EOF or ERR packet (COM_FIELD_LIST): returns the list
# of payloads, the last being the EOF or ERR one; undef on a timeout.
sub read_until_eof {
	my ($self, %o) = @_;
	my @p;
	for (1 .. 100000) {
		my $p = $self->read_packet(%o) // return undef;
		push @p, $p;
		return \@p if ord($p) == 0xff
			|| (ord($p) == 0xfe && length $p < 9);
	}
	return undef;
}

# The name of a column definition packet (protocol 4.1).
sub column_name { _column($_[1])->{name} }

sub _more {
	my ($r) = @_;
	$r->{more} = 1 if ($r->{status} // 0) & MORE_RESULTS;
	return $r;
}

sub _lenenc {
	my ($ref, $pos) = @_;
	my $b = ord substr($$ref, $pos, 1);
	return (undef, $pos + 1) if $b == 0xfb;
	return ($b, $pos + 1) if $b < 0xfb;
	my $n = $b == 0xfc ? 2 : $b == 0xfd ? 3 : 8;
	my $v = unpack('Q<', substr($$ref, $pos + 1, $n) . "\0" x (8 - $n));
	return ($v, $pos + 1 + $n);
}

sub _lenstr {
	my ($ref, $pos) = @_;
	my ($len, $p) = _lenenc($ref, $pos);
	return (undef, $p) unless defined $len;
	return (substr($$ref, $p, $len), $p + $len);
}

sub _ok {
	my ($p) = @_;
	my ($affected, $pos) = _lenenc(\$p, 1);
	my $insert_id;
	($insert_id, $pos) = _lenenc(\$p, $pos);
	my ($status, $warnings) = unpack('v v', substr($p, $pos, 4));
	return { ok => 1, affected => $affected, insert_id => $insert_id,
		status => $status, warnings => $warnings,
		info => substr($p, $pos + 4) };
}

sub _eof {
	my ($p) = @_;
	my ($warnings, $status) = unpack('v v', substr($p, 1, 4) . "\0" x 4);
	return { eof => 1, warnings => $warnings, status => $status };
}

sub _err {
	my ($p) = @_;
	my $code = unpack('v', substr($p, 1, 2));
	my ($state, $msg) = substr($p, 3, 1) eq '#'
		? (substr($p, 4, 5), substr($p, 9)) : ('', substr($p, 3));
	return { err => $code, state => $state, message => $msg };
}

sub _column {
	my ($p) = @_;
	my $pos = 0;
	my %c;
	for my $f (qw/catalog schema table org_table name org_name/) {
		($c{$f}, $pos) = _lenstr(\$p, $pos);
	}
	return \%c;
}

sub _text_row {
	my ($p, $ncols) = @_;
	my ($pos, @v) = (0);
	for (1 .. $ncols) {
		(my $v, $pos) = _lenstr(\$p, $pos);
		push @v, $v;
	}
	return \@v;
}

1;
