#!/usr/bin/perl

# Tests for the first routing rule from the route cache: a client's
# server session goes to a server of its tenant, primary zone first
# (ODP-REFERENCE 6.7), as the declared topology says; a blocked primary
# zone falls to the next group; a tenant the topology does not declare
# uses rootservice_list; pooled sessions stay with their tenant.  A
# target_db_server comment sent by the mariadb client reaches the proxy
# only with -c, as README says.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(9)->run_mariadb(2);
my ($p1, $p2) = ($t->server_port(1), $t->server_port(2));
my ($s1, $s2) = ($t->server(1), $t->server(2));
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
congestion_retry_interval: 60s
zones: {z1: ~, z2: ~}
servers:
  s1: {address: "$s1", zone: z1}
  s2: {address: "$s2", zone: z2}
tenants:
  t1: {primary_zone: "z2;z1"}
  t2: {primary_zone: "z1;z2"}
EOF

# The port of the server a session of <user> lands on (<sql>, <args>).
sub port_of {
	my ($user, $sql, $args) = @_;
	my ($out, $rc) = $t->mariadb($sql // 'SELECT @@port', user => $user,
		args => $args // []);
	return $rc ? "error: $out" : $out =~ /^(\d+)$/ ? $1 : "error: $out";
}

my $u = $t->user();
is(port_of("$u\@t1"), $p2, 'tenant t1: its primary zone z2');
is(port_of("$u\@t2"), $p1, 'tenant t2: its primary zone z1');
is(port_of("$u\@t1"), $p2, 'tenant t1 again (a parked t2 session is not '
	. 'taken)');
is(port_of($u), $p1, 'no tenant: rootservice_list, first server');
is(port_of("$u\@t9"), $p1, 'an undeclared tenant: rootservice_list');
my $hint = "/* target_db_server=$s2 */ SELECT \@\@port";
is(port_of($u, $hint, ['-c']), $p2, 'mariadb -c: the comment routes');
is(port_of($u, $hint), $p1, 'mariadb without -c: the client strips it');

$t->stop_mariadb(2);
is(port_of("$u\@t1"), $p1, 'z2 down: t1 falls to its next zone');
like($t->log(), qr/server \Q$s2\E blocked for every worker/,
	'the blocked server is logged');
