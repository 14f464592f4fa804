#!/usr/bin/perl

# Tests for the commands a client sends after login: COM_QUERY with
# several statements and results, COM_INIT_DB, COM_PING, COM_STATISTICS,
# COM_FIELD_LIST, COM_RESET_CONNECTION, COM_SET_OPTION, KILL QUERY and
# COM_PROCESS_KILL (of the proxy's connection ids), an unknown command, and
# COM_QUIT.  Where the point is fidelity, the answer is compared with the
# server's own.

use warnings;
use strict;

use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-admin
	mariadb-install-db DBD::MariaDB/)->can_direct()->plan(22)
	->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF
my $direct = $t->server_port(1);

# COM_QUERY: several statements, several results.

my $dbh = $t->dbh(dsn => 'mariadb_multi_statements=1');
my $sth = $dbh && $dbh->prepare('SELECT 1; SELECT 2, 3');
my @sets;
if ($sth && $sth->execute()) {
	for (1 .. 10) {
		push @sets, join ',', map { @$_ } @{$sth->fetchall_arrayref()};
		last unless $sth->more_results();
	}
}
is(join('|', @sets), '1|2,3', 'dbi: two statements, two results')
	or diag($t->dbi_error() || ($dbh && $dbh->errstr));
is($t->mariadb('select 1; select 2'), "1\n2\n", 'cli: two results');
my $sql = 'SELECT 1; SELECT nosuchcol; SELECT 3';
is(join(' ', reverse $t->mariadb($sql)),
	join(' ', reverse $t->mariadb($sql, port => $direct)),
	'cli: an error ends the statements as on the server');

# COM_INIT_DB.

is($t->mariadb('USE mysql; SELECT DATABASE()'), "mysql\n", 'cli: USE');
is($dbh && $dbh->do('USE mysql') && $dbh->selectrow_array('SELECT DATABASE()'),
	'mysql', 'dbi: USE then DATABASE()');
my $r = $t->raw_login() or diag($@);
is(err_of($r && $r->command(0x02, 'nosuchdb')),
	err_of(raw_direct()->command(0x02, 'nosuchdb')),
	'COM_INIT_DB unknown database: the server\'s error');
is(value($r, 'SELECT DATABASE()'), 'test', 'COM_INIT_DB failed: database kept');

# COM_PING and COM_STATISTICS.

my ($rc, $out) = $t->mariadb_admin('ping', 'status');
like("$rc $out", qr/^0 .*is alive.*\nUptime: \d+ +Threads: \d+/s,
	'mariadb-admin ping status');
ok($r && ($r->command(0x0e) // {})->{ok}, 'COM_PING: OK');
$r->send_command(0x09) if $r;
like($r && $r->read_packet() // '', qr/^Uptime: \d+ +Threads: \d+ /,
	'COM_STATISTICS: the server\'s status line');

# COM_FIELD_LIST: column definitions, then EOF.

$t->mariadb('CREATE TABLE fl (a INT, b VARCHAR(10))');
$r->send_command(0x04, "fl\0") if $r;
my $p = $r && $r->read_until_eof() // [];
is(join(',', map { Test::OBProxy::Raw->column_name($_) } @$p[0 .. $#$p - 1])
	. (@$p && $p->[-1] =~ /^\xfe/ ? ' EOF' : ' no EOF'), 'a,b EOF',
	'COM_FIELD_LIST: columns then EOF');

# COM_RESET_CONNECTION: user variables are gone.

value($r, 'SET @v = 5');
ok($r && ($r->command(0x1f) // {})->{ok}, 'COM_RESET_CONNECTION: OK');
is(join(',', map { $_ // 'NULL' } value($r, 'SELECT @v, DATABASE()')),
	'NULL,test', 'COM_RESET_CONNECTION: variable gone, database kept');

# COM_SET_OPTION: multi-statements off (1), then on (0).

my @steps;
for my $opt (1, 0) {
	push @steps, kind($r && $r->command(0x1b, pack('v', $opt)));
	my $res = $r && $r->query('SELECT 1; SELECT 2');
	my @v = ($res && !$res->{err}) ? ($res->{rows}[0][0]) : ();
	push @v, ($r->read_response() // {})->{rows}[0][0] // '?'
		if $res && $res->{more};
	push @steps, $res && $res->{err} ? "err $res->{err}" : join ',', @v;
}
is(join(' ', @steps), 'eof err 1064 eof 1,2',
	'COM_SET_OPTION: multi-statements off then on');

# KILL QUERY with the connection id the proxy gave the client ends its
# running SLEEP early (the server thread is watched by its own id).

my $victim = $t->dbh();
# @@pseudo_thread_id is the server's thread id, CONNECTION_ID() the proxy's
my $id = $victim
	&& $victim->selectrow_array('SELECT @@pseudo_thread_id');
my $pid = $victim && $victim->{mariadb_thread_id};
my $bg = $victim && $victim->prepare('SELECT SLEEP(20)',
	{ mariadb_async => 1 });
my $t0 = time();
$bg->execute() if $bg;
$t->waitfor(sub { threads($id, "AND info LIKE 'SELECT SLEEP%'") == 1 }, 10)
	or diag('no SLEEP on the server');
($out, $rc) = $t->mariadb('KILL QUERY ' . ($pid // 0));
$t->waitfor(sub { $bg && $bg->mariadb_async_ready() }, 15);
my $res = $bg && $bg->mariadb_async_result();
is(sprintf('%s %s', defined $res ? 'result' : $victim->err,
	time() - $t0 < 10 ? 'early' : 'late'), '1317 early',
	'KILL QUERY: the statement ended early with 1317') or diag($out);
is($victim && $victim->selectrow_array('SELECT 6'), 6,
	'KILL QUERY: the connection still serves');

# COM_PROCESS_KILL with another connection's proxy id: its server
# thread goes.

my $other = $t->raw_login();
my $oid = value($other, 'SELECT @@pseudo_thread_id');
my $opid = $other && $other->{handshake}{id};
ok($r && ($r->command(0x0c, pack('V', $opid // 0)) // {})->{ok},
	'COM_PROCESS_KILL: OK');
ok($t->waitfor(sub { threads($oid) == 0 }, 5),
	'COM_PROCESS_KILL: that server thread is gone');

# An unknown command: an error, and the connection goes on.

is(err_of($r && $r->command(0x99)), err_of(raw_direct()->command(0x99)),
	'unknown command: the server\'s error');
is(value($r, 'SELECT 7'), 7, 'unknown command: the connection still serves');

# COM_QUIT: the connection is closed, nothing sent back.

$r->send_command(0x01) if $r;
ok($r && $r->closed(5) && $r->{rest} eq '', 'COM_QUIT: closed, no answer');

SKIP: {
	skip 'direct: the proxy\'s counters', 1 if $t->direct();
	undef $_ for $dbh, $sth, $bg, $other;
	ok($t->waitfor(sub { ($t->status()->{client_active} // -1) == 1 }, 5),
		'client_active counts the one client left')
		or diag($t->status()->{text});
}
undef $victim;

###############################################################################

# How many threads of the server have id <id> (and <more> holds).
sub threads {
	my ($id, $more) = @_;
	my $n = $t->mariadb('SELECT COUNT(*) FROM information_schema'
		. '.processlist WHERE id = ' . ($id // 0) . ' ' . ($more // ''),
		port => $direct);
	return $n =~ /^(\d+)$/ ? $1 : -1;
}

# A raw client logged in to the server itself.
sub raw_direct {
	return $t->raw_login(port => $direct) // die "direct login: $@\n";
}

sub err_of {
	my ($res) = @_;
	return 'no answer' unless $res;
	return $res->{err} ? "$res->{err} $res->{state} $res->{message}"
		: 'no error';
}

sub kind {
	my ($res) = @_;
	return !$res ? 'none' : $res->{err} ? "err $res->{err}"
		: $res->{eof} ? 'eof' : $res->{ok} ? 'ok' : 'other';
}

# The first row of <sql>'s result on raw client <r> (its first value in
# scalar context).
sub value {
	my ($r, $sql) = @_;
	my $res = $r && $r->query($sql) or return;
	my @row = @{$res->{rows}[0] // []};
	return wantarray ? @row : $row[0];
}
