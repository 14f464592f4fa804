#!/usr/bin/perl

# Tests that a client sees the servers behind the proxy as they are: the
# handshake's version string and capabilities are the servers' own
# (learnt at the workers' start, kept in the segment), MariaDB's extended
# metadata reaches the client (JSON columns say format=json), and an
# explicit mysql_version still wins.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(8)->run_mariadb(1);
$t->write_conf(<<'EOF')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF
my $direct = $t->server_port(1);

my $server = $t->raw(port => $direct)->handshake();
my $proxy = $t->raw()->handshake();

is($proxy->{version}, $server->{version},
	'the first client sees the server\'s version string');
is(sprintf('%#x', $proxy->{caps} & 1), sprintf('%#x', $server->{caps} & 1),
	'  and MariaDB\'s mark (no CLIENT_LONG_PASSWORD)');
is(sprintf('%#x', $proxy->{ext_caps}),
	sprintf('%#x', $server->{ext_caps} & 8),
	'  and the extended capabilities it relays (extended metadata)');
my @status = map { scalar $t->mariadb('status', port => $_) } $direct,
	$t->port(2883);
my @versions = map { /^Server version:\s*(.*)$/m ? $1 : 'none' } @status;
is($versions[1], $versions[0], 'mariadb status: the same server version');

# Column metadata with MariaDB's extended type information.
my $sql = "SELECT JSON_OBJECT('a', 1) AS j";
my @meta = map { scalar $t->mariadb($sql, port => $_, args =>
	[ '--column-type-info', '--table' ]) } $direct, $t->port(2883);
like($meta[0], qr/format=json/i, 'direct: a JSON column says format=json');
is($meta[1], $meta[0], '  the same through the proxy');

# mysql_version set explicitly wins over the servers' own.
$t->stop();
$t->run('-o', 'mysql_version=8.0.99-explicit');
is($t->raw()->handshake()->{version}, '8.0.99-explicit',
	'mysql_version set: announced as it is');
$t->stop();
$t->run();
# a fresh proxy learns the servers' version from its first server
# handshake: a statement makes sure one was read
$t->mariadb('SELECT 1');
is($t->raw()->handshake()->{version}, $server->{version},
	'back to the servers\' own without it');
