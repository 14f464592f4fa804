#!/usr/bin/perl

# Tests for the cluster topology in the configuration: -t accepts every
# shipped example (YAML and INI, a cluster and a primary with replicas),
# refuses a bad topology with FILE:LINE and a phrase for each error, a bad
# topology stops the start, and on SIGHUP it is refused as a whole while
# the proxy goes on serving with the configuration it had.  Servers
# without rootservice_list serve logins: the account lookups use them.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(20)->run_mariadb(1);
my $d = $t->testdir();

# The shipped examples.

for my $f (qw/cluster.yaml cluster.ini primary-replicas.yaml
	primary-replicas.ini/)
{
	my ($rc, $out) = $t->obproxy('-t', '-f', "$FindBin::Bin/../etc/$f");
	is("$rc", '0', "-t etc/$f") or diag($out);
}

# A bad topology: every error with its line, all at once.

$t->write_file('bad.yaml', <<'EOF');
zones: {z1: ~}
servers:
  s1: {address: 127.0.0.1:1, zone: z1}
  s1: {address: 127.0.0.1:2, zone: z1}
tenants:
  t:
    databases:
      d:
        x:
          partition: RANGE
          columns: [id INT]
          partitions: {p0: 100, p1: 10}
          replicas: [s1 follower]
EOF
my ($rc, $out) = $t->obproxy('-t', '-f', "$d/bad.yaml");
is($rc, 1, 'bad yaml: -t exits 1');
like($out, qr/bad\.yaml:4: server s1: declared twice \(first at line 3\)/,
	'bad yaml: server declared twice, FILE:LINE');
like($out, qr/bad\.yaml:12: table t\.d\.x: partitions\.p0: .*increasing/,
	'bad yaml: bounds out of order, FILE:LINE');

$t->write_file('bad.ini', <<'EOF');
[server s1]
address = 127.0.0.1:1
zone = z9
[table sys.d.x]
replicas = s1 follower
EOF
($rc, $out) = $t->obproxy('-t', '-f', "$d/bad.ini");
like("$rc $out", qr/^1 .*bad\.ini:3:\ server\ s1:\ zone:\ unknown\ zone\ "z9"
	.*bad\.ini:5:\ table\ sys\.d\.x:\ replicas:\ no\ leader/sx,
	'bad ini: unknown zone and partition without a leader, FILE:LINE');

# A bad topology stops the start.

$t->write_file_expand('bad-start.yaml', "listen_port: %%PORT_2884%%\n"
	. "local_bound_ip: 127.0.0.1\nservers: {a: {role: primary}}\n");
($rc, $out) = $t->obproxy('-N', '-f', "$d/bad-start.yaml");
like("$rc $out", qr/^1 .*bad-start\.yaml:3: server a: no address/s,
	'bad topology: start refused');

# A good one: a primary (the test server) and no replica; it serves.

my $conf = <<'EOF';
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 1
EOF
$t->write_file_expand('obproxy.yaml', $conf
	. "servers:\n  primary: {address: \"%%SERVERS%%\", role: primary}\n")
	->run();
my $pid = $t->pid();
is($t->mariadb('SELECT 1'), "1\n", 'topology: proxy serves');
like($t->log(), qr/route cache: generation 1 published \(1 tenants, 0 tables\)/,
	'topology: published into the route cache');

# SIGHUP with a bad topology: refused with FILE:LINE, nothing changes.

$t->write_file_expand('obproxy.yaml', $conf . <<'EOF');
servers:
  primary: {address: "%%SERVERS%%", role: primary}
  other: {address: "%%SERVERS%%", role: primary}
EOF
ok($t->reload(qr/reload failed/), 'bad topology: reload failed');
like($t->log(), qr/obproxy\.yaml:8:\ server\ other:\ address:\ .*\ is
	\ server\ primary's\ address\ too/x,
	'bad topology: address twice, FILE:LINE');
like($t->log(), qr/obproxy\.yaml:8: server other: role: a second primary/,
	'bad topology: two primaries, FILE:LINE');
is($t->pid(), $pid, 'bad topology: master still running');
is($t->mariadb('SELECT 2'), "2\n", 'bad topology: still served');

# And a good one again.

$t->write_file_expand('obproxy.yaml', $conf
	. "servers: {primary: \"%%SERVERS%%\"}\n");
ok($t->reload(), 'good topology again: configuration reloaded');
like($t->log(), qr/route cache: generation 2 published/,
	'good topology again: the next generation (none for the bad one)');

# Servers only, no rootservice_list (README's example, etc/primary-
# replicas.yaml): the account lookup uses the topology's servers.

$t->stop();
$t->write_file_expand('obproxy.yaml', <<'EOF');
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 1
servers:
  primary: {address: "%%SERVERS%%", role: primary}
EOF
$t->run();
is($t->mariadb('SELECT 1'), "1\n", 'servers only: a client logs in');
unlike($t->log(), qr/no server configured/,
	'servers only: no "rootservice_list is empty" failure');
