#!/usr/bin/perl

# Tests for multi-level parameters in routing (ODP-REFERENCE 4.1): a
# tenant's proxy_config row wins over its cluster's, which wins over the
# parameter, as target_db_server shows (which server answers SELECT
# @@port for a login of that tenant); a YAML tenant's config; a change
# reaches an open session at its next statement; the rows survive a
# restart and a hot upgrade (the new master reads the same state file).

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->plan(14)->run_mariadb(2);
my ($p1, $p2) = ($t->server_port(1), $t->server_port(2));
my ($s1, $s2) = ($t->server(1), $t->server(2));
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
rootservice_cluster_name: demo
hot_upgrade_rollback_timeout: 30s
target_db_server: "$s2"
servers: {s1: "$s1", s2: "$s2"}
tenants:
  t1: ~
  t2: ~
  t3: {config: {target_db_server: "$s1"}}
EOF

# The port of the server a login of <tenant> lands on.
sub port_of {
	my ($tenant) = @_;
	my ($out, $rc) = $t->mariadb('SELECT @@port',
		user => $t->user() . "\@$tenant");
	return $rc ? "error: $out" : $out =~ /^(\d+)$/ ? $1 : "error: $out";
}

sub level {
	my ($rc, $out) = $t->ctl('config', 'level', @_);
	diag("config level @_: $out") if $rc;
	return $rc;
}

is(port_of('t1'), $p2, 'no row: the parameter target_db_server');
is(port_of('t3'), $p1, 'a YAML tenant\'s config: its own target');
level('set', 'proxy_config', 'demo', '', 'target_db_server', $s1);
is(port_of('t1'), $p1, 'the cluster\'s row wins over the parameter');
level('set', 'proxy_config', 'demo', 't1', 'target_db_server', $s2);
is(port_of('t1'), $p2, 'the tenant\'s row wins over the cluster\'s');
is(port_of('t2'), $p1, '  another tenant keeps the cluster\'s');
level('delete', 'proxy_config', 'demo', '', 'target_db_server');
is(port_of('t2'), $p2, 'cluster row deleted: the parameter again');

my $dbh = $t->dbh(user => $t->user() . '@t2');
my $before = $dbh && $dbh->selectrow_array('SELECT @@port');
level('set', 'proxy_config', 'demo', 't2', 'target_db_server', $s1);
is($before . ' ' . ($dbh && $dbh->selectrow_array('SELECT @@port')),
	"$p2 $p1", 'an open session follows a change at its next statement');

# Restart: the state file's rows apply again.
$t->stop();
$t->run();
is(port_of('t1'), $p2, 'after a restart: the tenant\'s row');
is(port_of('t2'), $p1, '  and the other tenant\'s');

# Hot upgrade: the new master reads them too.
my $old = $t->pid();
my ($rc, $out) = $t->ctl('upgrade');
is($rc, 0, 'obproxyctl upgrade') or diag($out);
$t->ctl('commit');
my $new = $t->follow_upgrade(15);
ok($new && $new != $old, 'a new master serves');
is(port_of('t1'), $p2, 'after a hot upgrade: the tenant\'s row');
level('set', 'proxy_config', '', 't1', 'target_db_server', $s1);
is(port_of('t1'), $p2, 'a row of tenant t1 in any cluster (\'\') loses to'
	. ' the cluster\'s own');
level('delete', 'proxy_config', 'demo', 't1');
is(port_of('t1'), $p1, '  which the new master deletes: the other applies');
