#!/usr/bin/perl

# Tests for a tenant's white_list (ODP-REFERENCE 13.1): without a row
# every client gets in; with one, only the addresses and prefixes it
# names, IPv4 and IPv6; 0.0.0.0 lets everyone in; a cluster's row covers
# its tenants without their own.  A client refused gets 1045 as for a
# wrong password, the log says "can not pass white_list", and no server
# sees the attempt.  A change applies to the next login in every worker.
# Clients from 127.0.0.2 and the like are PyMySQL with bind_address.

use warnings;
use strict;

use IO::Socket::IP;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(17)->run_mariadb(1);
plan(skip_all => 'no python3 module pymysql')
	unless $t->python_module('pymysql');
my $v6 = IO::Socket::IP->new(LocalHost => '::1', Listen => 1) ? 1 : 0;
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
rootservice_cluster_name: demo
local_bound_ipv6_ip: "::1"
ip_listen_mode: ${\ ($v6 ? 3 : 1)}
tenants:
  app: {white_list: "127.0.0.1"}
EOF

# <n> logins of <user> from <from> (an address to bind, or "::1" to
# connect to the proxy over IPv6): "ok" or the error code of each.
sub logins {
	my ($user, $from, $n) = @_;
	my ($rc, $out) = $t->python(<<'EOF', user => $user,
import os, sys, pymysql
e = os.environ
host, bind = e['OBP_HOST'], sys.argv[1]
if ':' in bind:
    host, bind = bind, None
res = []
for i in range(int(sys.argv[2])):
    try:
        c = pymysql.connect(host=host, port=int(e['OBP_PORT']),
            user=e['OBP_USER'], password=e['OBP_PASSWORD'],
            bind_address=bind, connect_timeout=10, read_timeout=10)
        c.cursor().execute('SELECT 1')
        c.close()
        res.append('ok')
    except pymysql.err.MySQLError as x:
        res.append(str(x.args[0]))
print(' '.join(res))
EOF
		args => [ $from, $n // 1 ]);
	chomp $out;
	return $rc ? "exit $rc: $out" : $out;
}

sub level {
	my ($rc, $out) = $t->ctl('config', 'level', @_);
	diag("config level @_: $out") if $rc;
}

my $u = $t->user();
my $direct = $t->server_port(1);
sub connections {
	my ($n) = $t->mariadb("SHOW GLOBAL STATUS LIKE 'Connections'",
		port => $direct) =~ /(\d+)$/m;
	return $n // -1;
}

is(logins($u, '127.0.0.2'), 'ok', 'no white_list row: anyone gets in');
is(logins("$u\@app", '127.0.0.1'), 'ok', 'a YAML white_list: a listed'
	. ' address gets in');
my $before = connections();
is(logins("$u\@app", '127.0.0.2', 4), '1045 1045 1045 1045',
	'  another is refused with 1045, each time');
is(connections() - $before, 1, '  before any server is touched');
my $line = "client 127.0.0.2: user '$u' of tenant 'app' (cluster 'demo')"
	. ' can not pass white_list';
like($t->log(), qr/WARN .*\Q$line\E/, '  and a WARN line says so');
my (undef, $out) = $t->python(<<'EOF', user => "$u\@app");
import os, pymysql
e = os.environ
try:
    pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
        user=e['OBP_USER'], password=e['OBP_PASSWORD'],
        bind_address='127.0.0.2')
except pymysql.err.MySQLError as x:
    print(*x.args)
EOF
is($out, "1045 Access denied for user '$u'\@'127.0.0.2' (using password:"
	. " YES)\n", '  the message of a wrong password');

level('set', 'white_list', 'demo', 'sys', 'ip_list', '127.0.0.2');
is(logins($u, '127.0.0.1', 4), '1045 1045 1045 1045',
	'a runtime row: the next logins are refused, whichever worker');
is(logins($u, '127.0.0.2', 2), 'ok ok', '  but those of the listed address');
level('set', 'white_list', 'demo', 'sys', 'ip_list', '10.0.0.1,127.0.0.0/30');
is(logins($u, '127.0.0.3') . ' ' . logins($u, '127.0.0.5'), 'ok 1045',
	'a prefix: 127.0.0.0/30 has .3, not .5');
level('set', 'white_list', 'demo', 'sys', 'ip_list', '10.0.0.1, 0.0.0.0');
is(logins($u, '127.0.0.5'), 'ok', '0.0.0.0 lets everyone in');

level('set', 'white_list', 'demo', '', 'ip_list', '127.0.0.9');
is(logins("$u\@t9", '127.0.0.1'), '1045',
	'a cluster\'s row covers a tenant without its own');
is(logins("$u\@app", '127.0.0.1'), 'ok', '  not one with its own');
level('delete', 'white_list', 'demo', '');
level('delete', 'white_list', 'demo', 'sys');
is(logins("$u\@t9", '127.0.0.5') . ' ' . logins($u, '127.0.0.5'), 'ok ok',
	'rows deleted: everyone again');

SKIP: {
	skip 'no IPv6 loopback', 4 unless $v6;
	level('set', 'white_list', 'demo', 'v6', 'ip_list', '::1');
	is(logins("$u\@v6", '::1'), 'ok', 'IPv6: ::1 listed, gets in');
	is(logins("$u\@v6", '127.0.0.1'), '1045', '  127.0.0.1 does not');
	level('set', 'white_list', 'demo', 'v6', 'ip_list', '::/127');
	is(logins("$u\@v6", '::1'), 'ok', '  an IPv6 prefix');
	level('set', 'white_list', 'demo', 'v6', 'ip_list', 'fe80::/10');
	is(logins("$u\@v6", '::1'), '1045', '  one that does not hold it');
}
