#!/usr/bin/perl

# Tests for the proxy's own login: native password logins with the
# mariadb client, DBI and PyMySQL; the server's exact refusal texts (1045,
# 1049); an auth switch to mysql_native_password; ODP's login names; the
# connection id of the v2 layout (bit 31 clear, proxy_id in bits 30..18);
# accounts looked up through the proxyro service account, and a clear
# failure when its password is wrong.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)->can_direct()->plan(23)->run_mariadb(1);

# Per-user counters on the server show which accounts the proxy used.
$t->mariadb('SET GLOBAL userstat = 1', port => $t->server_port(1));

my $conf = <<'EOF';
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
rootservice_cluster_name: obcluster
automatic_match_work_thread: false
work_thread_num: 2
EOF
$t->write_file_expand('obproxy.yaml', $conf)->run('-o', 'proxy_id=77');
my $direct = $t->server_port(1);
my $me = "obtest\@%";

# A native login with each client.

is($t->mariadb('SELECT CURRENT_USER()'), "$me\n", 'cli: logged in');
my $dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT CURRENT_USER()'), $me,
	'dbi: logged in') or diag($t->dbi_error());
SKIP: {
	skip 'no python3 module pymysql', 1 unless $t->python_module('pymysql');
	my ($rc, $out) = $t->python(<<'EOF');
import os, pymysql
e = os.environ
c = pymysql.connect(host=e['OBP_HOST'], port=int(e['OBP_PORT']),
    user=e['OBP_USER'], password=e['OBP_PASSWORD'], database=e['OBP_DB'],
    connect_timeout=10, read_timeout=30)
cur = c.cursor()
cur.execute('SELECT CURRENT_USER()')
print(cur.fetchone()[0])
EOF
	is("$rc $out", "0 $me\n", 'pymysql: logged in');
}

# Refusals: the server's own text, the host part aside.

my $wrong = login_error(password => 'wrong-pw');
is(hostless($wrong), hostless(login_error(password => 'wrong-pw',
	port => $direct)), 'wrong password: the server\'s error');
my $denied = qr/^1045 28000 Access denied for user 'obtest'\@'[^']+' /;
like($wrong, qr/$denied\(using password: YES\)$/,
	'wrong password: 1045, password: YES');
my $empty = login_error(password => '');
is(hostless($empty), hostless(login_error(password => '', port => $direct)),
	'empty password: the server\'s error');
like($empty, qr/$denied\(using password: NO\)$/,
	'empty password: 1045, password: NO');
is(hostless(login_error(user => 'nosuchuser')),
	hostless(login_error(user => 'nosuchuser', port => $direct)),
	'unknown user: the server\'s error (1045)');

# A client that opens with caching_sha2_password is switched to
# mysql_native_password; one that opens with it is not.

my $r = $t->raw();
my $res = $r && $r->login(user => $t->user(), password => $t->password(),
	db => 'test', plugin => 'caching_sha2_password');
is(outcome($res), 'switched to mysql_native_password, ok',
	'caching_sha2_password: auth switch, then logged in');
my $rs = $res && $res->{ok} && $r->query('SELECT CURRENT_USER()');
is($rs && $rs->{rows}[0][0], $me, 'auth switch: then served');
$r = $t->raw();
is(outcome($r && $r->login(user => $t->user(), password => $t->password())),
	'ok', 'mysql_native_password: no auth switch');

# ODP's login names.

for my $name ('obtest@sys', 'obtest@sys#obcluster', 'obcluster:sys:obtest') {
	SKIP: {
		skip 'direct: a proxy login name', 1 if $t->direct();
		my $d = $t->dbh(user => $name);
		is($d && $d->selectrow_array('SELECT CURRENT_USER()'), $me,
			"login name $name: logged in as obtest")
			or diag($t->dbi_error());
	}
}

# The database at login.

is($t->mariadb('SELECT DATABASE()', database => 'mysql'), "mysql\n",
	'cli -D: database used');
my $d = $t->dbh(database => 'mysql');
is($d && $d->selectrow_array('SELECT DATABASE()'), 'mysql',
	'dbi database: used');
is(login_error(database => 'nosuchdb'),
	login_error(database => 'nosuchdb', port => $direct),
	'unknown database: the server\'s error');
like($t->mariadb('SELECT 1', database => 'nosuchdb'),
	qr/^ERROR 1049 \(42000\).*Unknown database 'nosuchdb'$/m,
	'cli: unknown database, 1049');

# Connection ids of the v2 layout, proxy_id 77.

SKIP: {
	skip 'direct: the proxy\'s connection ids', 3 if $t->direct();
	my @ids = map { $_ ? $_->{mariadb_thread_id} : 'none' } $dbh, $d;
	my $h = $t->raw();
	push @ids, ($h && $h->handshake() // {})->{id} // 'none';
	is(join(' ', map { layout($_) } @ids), join(' ', ('v2 77') x 3),
		'connection ids: bit 31 clear, proxy_id 77 in bits 30..18')
		or diag("ids: @ids");
	my %seen = map { $_ => 1 } @ids;
	is(scalar keys %seen, 3, 'connection ids: distinct');

	my ($n) = $t->mariadb("SELECT TOTAL_CONNECTIONS FROM"
		. " information_schema.USER_STATISTICS WHERE USER = 'proxyro'",
		port => $direct) =~ /^(\d+)$/m;
	cmp_ok($n // 0, '>', 0, 'the proxy used its service account');
}

# The wrong service account password: logins fail with an error of the
# proxy's (not a lost connection), and the log says why.

SKIP: {
	skip 'direct: the proxy\'s service account', 2 if $t->direct();
	$t->stop();
	my $bad = $t->knows_param('observer_sys_password')
		? [ '-o', 'observer_sys_password=' . sha1_hex('not-the-pw') ]
		: [];
	diag('obproxy has no parameter observer_sys_password') unless @$bad;
	$t->run('-o', 'proxy_id=77', @$bad);
	my $err = login_error();
	like($err, qr/^(?!20\d\d )[1-9]\d* (?!.*denied for user 'obtest')/,
		'wrong service password: an error of the proxy\'s, not the'
		. ' wrong password one') or diag($err);
	ok(@$bad && $t->waitfor(sub {
		$t->log() =~ /^\S+ \S+ (?:ERROR|WARN) .*proxyro/m }, 5),
		'wrong service password: logged, naming proxyro');
}

$dbh->disconnect() if $dbh;

###############################################################################

# How a DBI login with options <o> ends: "code sqlstate message", or
# "connected".
sub login_error {
	my (%o) = @_;
	my $h = $t->dbh(%o);
	return 'connected' if $h;
	no warnings qw/once/;
	return join ' ', $DBI::err // '', $DBI::state // '', $DBI::errstr // '';
}

sub hostless {
	my ($text) = @_;
	$text =~ s/'\@'[^']*'/'\@'HOST'/;
	return $text;
}

# "switched to P, ok" or "ok" or the error of a raw login.
sub outcome {
	my ($res) = @_;
	return 'no answer' unless $res;
	my $how = $res->{ok} ? 'ok' : $res->{err}
		? "error $res->{err} $res->{message}" : 'refused';
	my @sw = @{$res->{switched} // []};
	return @sw ? "switched to @sw, $how" : $how;
}

# "v2 <proxy_id>" for an id of the v2 layout.
sub layout {
	my ($id) = @_;
	return "not a number: $id" unless $id =~ /^\d+$/;
	return 'bit 31 set' if $id & 0x80000000;
	return 'v2 ' . (($id >> 18) & 0x1fff);
}
