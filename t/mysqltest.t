#!/usr/bin/perl

# MariaDB's own test suite (mysqltest, Debian package mariadb-test, run
# against an external server): tests that print column metadata give the
# same output through the proxy as from the server directly, format=json
# of MariaDB's extended metadata included.  Each run records its output
# into a fresh database "test".

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $SUITE = '/usr/share/mysql/mysql-test';
my @TESTS = qw/type_json last_value/;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	mysqltest/);
plan(skip_all => "no $SUITE/main (Debian package mariadb-test)")
	unless -d "$SUITE/main";
$t->plan(2 * @TESTS + 1)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 1
EOF

# mysqltest's recorded output of <test> through <port>, or its error.
sub record {
	my ($test, $port, $name) = @_;
	$t->mariadb('DROP DATABASE IF EXISTS test; CREATE DATABASE test',
		port => $t->server_port(1), database => undef);
	my $file = $t->testdir() . "/$test.$name";
	my ($rc, $out) = $t->run_cmd([ 'mysqltest', '--no-defaults',
		'-h127.0.0.1', "-P$port", '-u' . $t->user(),
		'-p' . $t->password(), '--database=test', '--silent',
		"--basedir=$SUITE", "--test-file=$SUITE/main/$test.test",
		"--result-file=$file", '--record',
		'--tmpdir=' . $t->testdir() ], timeout => 300);
	return $rc ? "mysqltest failed ($rc): $out"
		: $t->read_file("$test.$name") // '';
}

my $json = 0;
for my $test (@TESTS) {
	my $direct = record($test, $t->server_port(1), 'direct');
	my $proxy = record($test, $t->port(2883), 'proxy');
	unlike($direct, qr/^mysqltest failed/, "$test: runs on the server");
	ok($proxy eq $direct, "$test: the same output through the proxy")
		or diag(length($proxy) . " bytes through the proxy, "
			. length($direct) . " directly");
	$json += () = $proxy =~ /format=json/g;
}
cmp_ok($json, '>', 0, 'column metadata says format=json');
