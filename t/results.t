#!/usr/bin/perl

# Tests for results and data through the proxy: a 1,000,000-row result
# read slowly while the workers' memory stays bounded (the proxy streams,
# it never holds a result); a 32 MiB value both ways; prepared statements
# over every common column type, NULLs included, as the server gives them;
# LOAD DATA LOCAL INFILE with the mariadb client and DBI.

use warnings;
use strict;

use Data::Dumper;
use Digest::SHA qw/sha1_hex/;
use Test::More;

use Time::HiRes qw/sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->can_direct()->plan(15)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF
my $MiB = 1024 * 1024;

# 1,000,000 rows of about 110 bytes (more than the workers may hold), read
# by a raw client with a pause every 100,000 rows (DBD::MariaDB 1.22's
# mariadb_use_result reads nothing): the workers' memory must not follow
# the result.  The mariadb client counts the rows too.

my $base = $t->workers_rss();
my $peak = $base;
my $r = $t->raw_login() or diag($@);
my $res = $r && $r->query("SELECT seq, REPEAT('x', 100) FROM"
	. ' seq_1_to_1000000', count_only => 1, each_row => sub {
		return if $_[0] % 10000;
		my $rss = $t->workers_rss();
		$peak = $rss if $rss > $peak;
		sleep 0.2 unless $_[0] % 100000;
	});
is($res && $res->{nrows}, 1000000, 'slow reader: 1,000,000 rows');
my ($out, $rc) = $t->mariadb('SELECT seq FROM seq_1_to_1000000',
	args => [ '--quick' ], timeout => 60);
is("$rc " . ($out =~ tr/\n//), '0 1000000', 'cli: 1,000,000 rows');
SKIP: {
	skip 'direct: the proxy\'s memory', 2 if $t->direct();
	diag(sprintf('workers RSS %.1f MiB, peak %.1f MiB', $base / $MiB,
		$peak / $MiB)) if $ENV{TEST_OBPROXY_VERBOSE};
	my $san = sanitized();
	cmp_ok(($peak - $base) / $MiB, '<', $san ? 64 : 16,
		'slow reader: workers grew by less than 16 MiB (64 with'
		. ' sanitizers)');
	cmp_ok($peak / $MiB, '<', $san ? 512 : 64,
		'slow reader: workers under 64 MiB (512 with sanitizers)');
}

# A 32 MiB value, inserted with a placeholder and read back, with
# placeholders done by the client and by the server.

open my $rnd, '<:raw', '/dev/urandom' or die "/dev/urandom: $!\n";
read($rnd, my $blob, 32 * $MiB) == 32 * $MiB or die "short read\n";
close $rnd;
$t->mariadb('CREATE TABLE blobs (id INT PRIMARY KEY, v LONGBLOB)');
for my $server_prepare (0, 1) {
	my $h = $t->dbh(dsn => "mariadb_server_prepare=$server_prepare");
	$h->{mariadb_max_allowed_packet} = 64 * $MiB if $h;
	my $ins = $h && $h->prepare('INSERT INTO blobs VALUES (?, ?)');
	$ins->bind_param(1, $server_prepare) if $ins;
	$ins->bind_param(2, $blob, DBI::SQL_BLOB()) if $ins;
	my ($back) = $ins && $ins->execute() && $h->selectrow_array(
		'SELECT v FROM blobs WHERE id = ?', undef, $server_prepare);
	is(defined $back ? length($back) . ' ' . sha1_hex($back) : 'nothing',
		length($blob) . ' ' . sha1_hex($blob),
		"32 MiB value, server_prepare=$server_prepare: same length and"
		. ' SHA1') or diag($h ? $h->errstr : $t->dbi_error());
}
undef $blob;

# Prepared statements over every common column type: rows written
# through the proxy equal rows written directly, and both read the same
# through the proxy and directly.

my $bin = { TYPE => DBI::SQL_VARBINARY() };
my @types = (
	[ ti => 'TINYINT', -128 ], [ tiu => 'TINYINT UNSIGNED', 255 ],
	[ si => 'SMALLINT', -32768 ], [ siu => 'SMALLINT UNSIGNED', 65535 ],
	[ mi => 'MEDIUMINT', -8388608 ], [ i => 'INT', -2147483648 ],
	[ iu => 'INT UNSIGNED', 4294967295 ],
	[ bi => 'BIGINT', '-9223372036854775808' ],
	[ biu => 'BIGINT UNSIGNED', '18446744073709551615' ],
	[ de => 'DECIMAL(30,10)', '-12345678901234567890.0123456789' ],
	[ f => 'FLOAT', 1.5 ], [ d => 'DOUBLE', '2.5e100' ],
	[ dt => 'DATE', '2024-02-29' ], [ tm => 'TIME(3)', '-838:59:58.999' ],
	[ dtm => 'DATETIME(6)', '2024-01-02 03:04:05.123456' ],
	[ ts => 'TIMESTAMP NULL', '2024-01-02 03:04:05' ],
	[ y => 'YEAR', 2024 ], [ c => 'CHAR(10)', 'abc' ],
	[ vc => 'VARCHAR(100)', "h\x{e9}llo w\x{f6}rld \x{263a}" ],
	[ bn => 'BINARY(4)', "\0\1\xfe\xff", $bin ],
	[ vb => 'VARBINARY(16)', "\xff\0\x80", $bin ],
	[ tx => 'TEXT', 'some text ' x 300 ],
	[ bl => 'BLOB', join('', map { chr($_ % 256) } 1 .. 3000), $bin ],
	[ en => "ENUM('a','b','c')", 'b' ], [ st => "SET('x','y','z')", 'x,z' ],
	[ js => 'JSON', '{"a": [1, 2, null], "b": "c"}' ],
);
my @names = map { $_->[0] } @types;
my $ps = 'mariadb_server_prepare=1;mariadb_server_prepare_disable_fallback=1';
my $proxy = $t->dbh(dsn => $ps);
my $server = $t->direct_dbh(dsn => $ps);
$proxy->do('CREATE TABLE types (id INT PRIMARY KEY, '
	. join(', ', map { "$_->[0] $_->[1]" } @types)
	. ", bt BIT(10)) CHARACTER SET utf8mb4") if $proxy;
my @done = map { insert_types(@$_) } [ $proxy, 1 ], [ $server, 2 ];
is("@done", '1 1', 'prepared inserts through the proxy and directly');

my $select = 'SELECT * FROM types WHERE id > ? ORDER BY id';
my $via_proxy = dump_rows($proxy, $select);
is($via_proxy, dump_rows($server, $select),
	'prepared SELECT: every type as the server gives it');
my @r = $proxy ? @{$proxy->selectall_arrayref($select, undef, 0) // []} : ();
my ($mine, $its) = map { dump_rows(undef, [ [ @{$_ // []}[1 .. @types + 1] ] ])
	} @r[0, 1];
is($mine, $its, 'prepared: the row written through the proxy equals the'
	. ' one written directly');
is(join(',', map { scalar grep { defined } @$_ } @r[2, 3]), '1,1',
	'prepared: NULLs come back as NULLs');
is(join(' ', map { $_ // 'undef' } @{$r[0] // []}[8, 9, 10, 15]),
	'-9223372036854775808 18446744073709551615 '
	. '-12345678901234567890.0123456789 2024-01-02 03:04:05.123456',
	'prepared: exact values of BIGINT, DECIMAL, DATETIME(6)');
is(dump_rows($t->dbh(), $select), dump_rows($t->direct_dbh(), $select),
	'text protocol: every type as the server gives it');

# LOAD DATA LOCAL INFILE.

my $file = $t->testdir() . '/rows.csv';
$t->write_file('rows.csv', join '', map { "$_,line $_\n" } 1 .. 3000);
my $load = "LOAD DATA LOCAL INFILE '$file' INTO TABLE li"
	. " FIELDS TERMINATED BY ','";
$t->mariadb('CREATE TABLE li (id INT, v VARCHAR(40))');
($out, $rc) = $t->mariadb($load, args => [ '--local-infile=1' ]);
is("$rc $out", '0 ', 'cli --local-infile: file loaded');
my $h = $t->dbh(dsn => 'mariadb_local_infile=1');
is($h && $h->do($load), 3000, 'dbi mariadb_local_infile: 3000 rows loaded')
	or diag($h ? $h->errstr : $t->dbi_error());
is($t->mariadb('SELECT COUNT(*), COUNT(DISTINCT id) FROM li'), "6000\t3000\n",
	'LOAD DATA LOCAL: every row counted');

###############################################################################

# Inserts through <h> the row <id> of @types values, bound with their
# types, and the row <id> + 10 of NULLs.  True, or the error.
sub insert_types {
	my ($h, $id) = @_;
	my $sth = $h && $h->prepare('INSERT INTO types (id, '
		. join(', ', @names) . ', bt) VALUES (?' . ', ?' x @names
		. ", b'1010101010')");
	return $h ? $h->errstr : 'no connection' unless $sth;
	$sth->bind_param(1, $id);
	$sth->bind_param($_ + 2, $types[$_][2], $types[$_][3] // ())
		for 0 .. $#types;
	return ($sth->execute()
		&& $h->do('INSERT INTO types (id) VALUES (?)', undef, $id + 10))
		|| $h->errstr;
}

# The rows of <sql> (prepared, with 0 bound) on <h>, or the rows given,
# one value a line, escaped.
sub dump_rows {
	my ($h, $sql) = @_;
	my $rows = ref $sql ? $sql
		: $h ? $h->selectall_arrayref($sql, undef, 0) : undef;
	return 'error: ' . ($h ? $h->errstr // ''
		: 'no connection: ' . $t->dbi_error()) unless $rows;
	local $Data::Dumper::Useqq = 1;
	local $Data::Dumper::Indent = 1;
	return join '', map { Dumper($_) } @$rows;
}

# True when the obproxy binary was built with a sanitizer (more memory).
sub sanitized {
	my $bin = $t->read_file($t->binary()) // '';
	return $bin =~ /__asan_init|__ubsan_handle/;
}
