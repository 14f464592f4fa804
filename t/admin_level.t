#!/usr/bin/perl

# Tests ODP's multi-level tables written with admin SQL (README, Admin
# SQL): root@proxysys replaces, selects and deletes rows of proxy_config,
# white_list and ssl_config; a tenant's row wins over its cluster's, which
# wins over the parameter; the seed's whitelist and SSL examples work as
# typed; rows survive a restart; ODP's refusals hold, and the same
# statements from an ordinary user are the server's.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	openssl/)->plan(24);
my ($cert, $key) = $t->tls_files();
$t->mariadbd_options("--ssl-cert=$cert", "--ssl-key=$key")->run_mariadb(2);
my $ADMIN_PW = 'admin-pw';
my ($p1, $p2) = map { $t->server_port($_) } 1, 2;
my ($s1, $s2) = map { $t->server($_) } 1, 2;
# Routing by target_db_server needs the servers declared (README).
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
rootservice_cluster_name: cluster1
obproxy_sys_password: @{[ sha1_hex($ADMIN_PW) ]}
servers: {s1: "$s1", s2: "$s2"}
tenants:
  tenant1: ~
  tenant2: ~
EOF
my $u = $t->user();

sub admin {
	my ($sql, %o) = @_;
	return scalar $t->mariadb($sql, user => 'root@proxysys',
		password => $ADMIN_PW, database => undef,
		args => [ '--column-names' ], %o);
}

sub port_of {
	my ($tenant) = @_;
	my ($out) = $t->mariadb('SELECT @@port', user => "$u\@$tenant");
	return $out =~ /^(\d+)$/ ? $1 : $out;
}

# Precedence: tenant > cluster > the parameter.
is(admin("REPLACE INTO proxy_config (cluster_name, tenant_name, name, value) VALUES ('cluster1', '', 'target_db_server', '127.0.0.1:$p2')"),
	'', 'REPLACE INTO proxy_config, a cluster\'s row: OK');
is(admin("REPLACE INTO proxy_config VALUES ('cluster1', 'tenant1', 'target_db_server', '127.0.0.1:$p1')"),
	'', '  a tenant\'s row, columns in the default order: OK');
is(port_of('tenant1'), $p1, 'tenant1 goes where its row says');
is(port_of('tenant2'), $p2, 'tenant2 goes where the cluster\'s row says');
like(admin('SELECT * FROM proxy_config'),
	qr/\Acluster_name\ttenant_name\tname\tvalue\tconfig_level\n(?:.*\n)*cluster1\ttenant1\ttarget_db_server\t127\.0\.0\.1:$p1\tLEVEL_TENANT\n/,
	'SELECT * FROM proxy_config lists the rows with their level');
like(admin("SHOW PROXYCONFIG ALL LIKE 'target_db_server'"),
	qr/^-1\t\t0\ttenant1\tcluster1\ttarget_db_server\t127\.0\.0\.1:$p1\tLEVEL_TENANT$/m,
	'SHOW PROXYCONFIG ALL shows the tenant\'s level');
is(admin("DELETE FROM proxy_config WHERE cluster_name = 'cluster1' AND tenant_name = 'tenant1' AND name = 'target_db_server'"),
	'', 'DELETE FROM proxy_config: OK');
is(port_of('tenant1'), $p2, '  tenant1 falls back to its cluster\'s row');

# The seed's whitelist example, for this client's address.
is(admin(q{replace into white_list(cluster_name, tenant_name, name, value) values('cluster1', 'tenant1', 'ip_list', '127.0.0.2,168.100.0.0/16')}),
	'', 'the seed\'s replace into white_list: OK');
like(scalar $t->mariadb('SELECT 1', user => "$u\@tenant1"),
	qr/ERROR 1045/, '  a client from 127.0.0.1 is refused');
like($t->log(), qr/WARN .*can not pass white_list/, '  a WARN line says why');
is(port_of('tenant2'), $p2, '  another tenant is not concerned');
admin("REPLACE INTO white_list VALUES ('cluster1', 'tenant1', 'ip_list', '127.0.0.0/8')");
is(port_of('tenant1'), $p2, '  a prefix that holds the client lets it in');

# The seed's SSL example: key_info through ssl_config, TLS by tenant.
my $key_info = qq({"sourceType" : "FILE", "CA" : "$cert", "publicKey" : )
	. qq("$cert", "privateKey" : "$key"});
is(admin(qq{replace into ssl_config(cluster_name, tenant_name, name, value) values("cluster1", "tenant1", "key_info", '$key_info')}),
	'', 'the seed\'s replace into ssl_config: OK');
is(admin(q{replace into proxy_config(cluster_name, tenant_name, name, value) values("cluster1", "tenant1", "enable_client_ssl", "true")}),
	'', '  and enable_client_ssl for the tenant');
my ($out) = $t->mariadb('\s', user => "$u\@tenant1",
	args => [ '--ssl', '--ssl-verify-server-cert=0' ]);
like($out, qr/^SSL:\s*Cipher in use/m, 'a client of the tenant gets TLS')
	or diag($out);
my $h = $t->mariadb_bg('SELECT SLEEP(3)', user => "$u\@tenant1",
	args => [ '--ssl', '--ssl-verify-server-cert=0' ]);
my $list = '';
$t->waitfor(sub { ($list = admin('SHOW PROXYSESSION')) =~ /\ttenant1\t/ },
	10);
like($list, qr/\ttenant1\t\Q$u\E\t.*\t1$/m,
	'  SHOW PROXYSESSION shows using_ssl 1');
$t->mariadb_wait($h);

# Kept across a restart.
$t->stop();
$t->run();
like(admin("SELECT * FROM white_list WHERE tenant_name = 'tenant1'"),
	qr/^cluster1\ttenant1\tip_list\t127\.0\.0\.0\/8\tLEVEL_TENANT$/m,
	'after a restart the rows are kept');

# Refusals, as ODP's.
like(admin("REPLACE INTO proxy_config VALUES ('cluster1', 'tenant1', 'listen_port', '3000')"),
	qr/ERROR 1231 .*multi level config not supported/,
	'a parameter that has no levels: refused');
like(admin("REPLACE INTO proxy_config (cluster_name, tenant_name, name, value, config_level) VALUES ('cluster1', 'tenant1', 'proxy_idc_name', 'x', 'LEVEL_GLOBAL')"),
	qr/ERROR 1235 .*global level is ALTER PROXYCONFIG's/,
	'LEVEL_GLOBAL: refused');
like(admin("REPLACE INTO nope VALUES ('a', 'b', 'c', 'd')"),
	qr/ERROR 1235 .*proxy_config, white_list and ssl_config/,
	'another table: refused');
like(admin("REPLACE INTO white_list (cluster_name, tenant, name, value) VALUES ('a', 'b', 'c', 'd')"),
	qr/ERROR 1054 .*unknown column 'tenant'/, 'an unknown column: 1054');
like(admin("REPLACE INTO white_list VALUES ('cluster1', 'tenant1', 'ip_list', '300.1.1.1')"),
	qr/ERROR 1231 /, 'a bad address: refused');
like(scalar $t->mariadb("REPLACE INTO white_list VALUES ('a', 'b', 'c', 'd')"),
	qr/ERROR 1146 .*white_list' doesn't exist/,
	'an ordinary user\'s REPLACE INTO goes to the server');
