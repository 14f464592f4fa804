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

use Test::OBProxy::Relay qw/relay_start relay_log send_all lenenc
	lenenc_take/;

use constant { IDLE_LIMIT => 120, TENANT_NOT_IN_SERVER => 5150,
	SESSION_TRACK => 0x800000, STATE_CHANGED => 0x4000,
	GVARS => 'ob_proxy_global_variables_version' };

# Listens on 127.0.0.1:<port> in a child process relaying to <server>
# (port of MariaDB); returns the child's pid.  <log> is the file.
sub start {
	my ($class, %o) = @_;
	return relay_start(%o, serve => \&_serve);
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

sub _lenstr { lenenc(length $_[0]) . $_[0] }

# Login OK packet <p> (session-track format) with GVARS = <version>
# added to its session track.
sub _with_gvars {
	my ($p, $version) = @_;
	my $rest = substr($p, 5);
	my $body = "\0";
	$body .= lenenc(lenenc_take(\$rest)) for 1 .. 2;
	my ($status, $warnings) = unpack('v v', substr($rest, 0, 4, ''));
	my ($info, $track) = ('', '');
	$info = substr($rest, 0, lenenc_take(\$rest), '') if length $rest;
	$track = substr($rest, 0, lenenc_take(\$rest), '')
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
	relay_log($o{log}, "greet $id $scramble");
	send_all($c, $hs . substr($sbuf, 0, length $sbuf, ''));
	my $login = _read_packet($c, \$cbuf) // return;
	if (-e "$o{log}.refuse") {
		send_all($c, _refusal((ord(substr($login, 3, 1)) + 1) & 0xff));
		relay_log($o{log}, "refused $id");
		return;
	}
	send_all($s, $login . substr($cbuf, 0, length $cbuf, ''));
	if (defined $o{gvars}
		&& unpack('V', substr($login, 4, 4)) & SESSION_TRACK) {
		my $ok = _read_packet($s, \$sbuf) // return;
		$ok = _with_gvars($ok, $o{gvars}) if substr($ok, 4, 1) eq "\0";
		send_all($c, $ok . substr($sbuf, 0, length $sbuf, ''));
	}
	my $sel = IO::Select->new($c, $s);
	while (my @ready = $sel->can_read(IDLE_LIMIT)) {
		for my $h (@ready) {
			sysread($h, my $chunk, 1 << 16) or return;
			send_all($h == $c ? $s : $c, $chunk);
		}
	}
}

1;
