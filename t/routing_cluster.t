#!/usr/bin/perl

# Tests for the routing cluster of the harness (run_routing_cluster): three
# servers with database "rt", each row marked with its server's name, and
# a topology that obproxy loads and publishes in its route cache.  The
# routing rules themselves are tested elsewhere, on this cluster.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(5);
my $topology = $t->run_routing_cluster();

# Every table on each server, straight from it: "table:srv:rows" lines.
sub marks {
	my ($n) = @_;
	my $sql = join ' UNION ALL ', map {
		"SELECT '$_', GROUP_CONCAT(DISTINCT srv), COUNT(*) FROM rt.$_"
	} qw/t_hash t_key t_range t_plain/;
	my ($out, $rc) = $t->mariadb($sql, port => $t->server_port($n));
	return $rc ? "error: $out" : join ' ', map { join ':', split /\t/ }
		split /\n/, $out;
}

for my $n (1 .. 3) {
	is(marks($n), "t_hash:s$n:6 t_key:s$n:6 t_range:s$n:3 t_plain:s$n:3",
		"server $n answers directly with its marks");
}

$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. $topology)->run();
ok($t->waitfor(sub { $t->log() =~ /route cache: generation \d+ published (.*)/
	&& $1 eq '(1 tenants, 4 tables)' }, 10),
	'obproxy publishes the topology in its route cache')
	or diag($t->log());

my $u = $t->user();
is(scalar $t->mariadb('SELECT srv FROM rt.t_plain WHERE id = 1',
	user => "$u\@app"), "s1\n",
	'a client of the tenant is served by the cluster (primary zone z1)');
