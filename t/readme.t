#!/usr/bin/perl

# Tests for README against contrib/demo.sh: its first lines give the
# command that connects to the demo, the one demo.sh prints, with the
# user, password and database demo.sh creates; that command and every
# mariadb command of README that sends a hint comment keep comments
# (-c), and the routing rules say why.  t/tenant_route.t shows the
# client stripping a comment without -c.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->plan(6);
my $readme = $t->read_file("$FindBin::Bin/../README") // '';
my $demo = $t->read_file("$FindBin::Bin/../contrib/demo.sh") // '';

my ($port) = $demo =~ /^PORT=(\d+)$/m;
my ($cmd) = $demo =~ /^ +connect: +(mariadb .*)$/m;
$cmd =~ s/\$PORT/$port/ if defined $cmd && defined $port;
my $head = join "\n", (split /\n/, $readme)[0 .. 19];
ok(defined $cmd && index($head, "    $cmd\n") >= 0,
	'README\'s first lines: the connect command demo.sh prints')
	or diag($cmd // 'no connect line in demo.sh');

my ($user, $pw) = $demo =~ /CREATE USER '(\w+)'\@'%' IDENTIFIED BY '(\w+)'/;
my ($db) = $demo =~ /^CREATE DATABASE (\w+);$/m;
($user, $pw, $db) = map { quotemeta($_ // '?') } $user, $pw, $db;
like($cmd // '', qr/ -u$user -p$pw $db$/,
	'the credentials and database demo.sh makes');
like($head, qr/user $user \(password $pw\)/, 'README names them in words');

like($cmd // '', qr/^mariadb -c /, 'the connect command keeps comments');
my @hints = grep { m{^\s+mariadb\b.*(?:/\*|\\$)} } split /\n/, $readme;
ok(@hints && !grep({ !/^\s+mariadb -c / } @hints),
	'every mariadb example sending a comment has -c') or diag(@hints);
my ($rules) = $readme =~ /^Routing rules\n-+\n(.*?)\n1\. /ms;
like($rules // '', qr/strips every comment.*-c \(--comments\)/s,
	'the routing rules say the client needs -c');
