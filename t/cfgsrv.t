#!/usr/bin/perl

# The config server (obproxy_config_server_url, ODP-REFERENCE 1.6): with
# no rootservice_list and no topology, the monitor fetches the proxy's
# configuration from the URL, then the cluster's servers from the URL
# its entry for rootservice_cluster_name gives, as ODP does with OCP or
# ob-configserver, and the OceanBase metadata source reads the emulated
# cluster (Test::OBProxy::ObMeta on server 4) through them.  The config
# server is a small HTTP server of this test on loopback that answers as
# a file says: refused (not listening yet), HTTP 500, garbage, too slow,
# another cluster, then good (in chunks): each failure is a WARN naming
# the URL and what was wrong, the proxy keeps running and retries.
# obproxy -t checks the URL (https: t/cfgsrv_tls.t); rootservice_list
# (-r) wins over it.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use IO::Socket::INET;
use POSIX ();
use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)
	->plan(18);
$t->mariadbd_options('--performance-schema=ON',
	'--performance-schema-session-connect-attrs-size=4096');
my $CL = $Test::OBProxy::ObMeta::CLUSTER;
my $CLID = 70001;                   # the config server's ObClusterId

# obproxy -t: the URL's syntax
my $d = $t->testdir();
for my $bad ([ 'https://127.0.0.1:99999/x', qr/a bad port/ ],
	[ 'ftp://h/x', qr/not an http:\/\/ or https:\/\/ URL/ ],
	[ 'http://u@h/x', qr/user information/ ]) {
	$t->write_file('bad.yaml', "obproxy_config_server_url: $bad->[0]\n");
	my ($rc, $out) = $t->obproxy('-t', '-f', "$d/bad.yaml");
	like("$rc $out", $bad->[1], "obproxy -t refuses $bad->[0]")
		or diag($out);
}

$t->run_routing_cluster();
$t->start_mariadb(4);
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);

my $port = $t->port('cfgsrv');
my $base = "http://127.0.0.1:$port/services";
my $mode = "$d/cfgsrv.mode";
my $reqs = "$d/cfgsrv.requests";
sub mode { $t->write_file('cfgsrv.mode', "$_[0]\n") }
sub requests { scalar(() = ($t->read_file('cfgsrv.requests') // '')
	=~ /^GET /mg) }

# --- the config server ---------------------------------------------------
sub json_answer {
	my ($path) = @_;
	my $env = '{"Code":200,"Message":"successful","Success":true,'
		. '"Trace":"x","Data":%s}';
	if ($path =~ /Action=GetObProxyConfig/) {
		return sprintf($env, '{"ObProxyBinUrl":"","Version":"1",'
			. '"ObRootServiceInfoUrlList":[{"ObRegion":"other",'
			. '"ObRootServiceInfoUrl":"http://127.0.0.1:1/x"},'
			. "{\"ObRegion\":\"$CL\",\"ObRootServiceInfoUrl\":"
			. "\"$base?Action=ObRootServiceInfo&ObCluster=$CL\"}]}");
	}
	my ($name) = $path =~ /ObCluster=(\w+)/;
	$name = 'elsewhere' if -e "$d/cfgsrv.other";
	my @rs = map { my $p = $t->server_port($_); sprintf('{"address":'
		. '"127.0.0.1:%d","role":"%s","sql_port":%d}', $p + 1,
		$_ == 4 ? 'LEADER' : 'FOLLOWER', $p) } 4, 1, 2, 3;
	return sprintf($env, "{\"ObCluster\":\"$name\",\"ObClusterId\":$CLID,"
		. "\"ObRegion\":\"$name\",\"ObRegionId\":$CLID,\"Type\":\"PRIMARY\","
		. '"RsList":[' . join(',', @rs) . '],"ReadonlyRsList":[]}');
}

sub answer {
	my ($c, $path) = @_;
	open my $fh, '<', $mode or return;
	my $m = <$fh> // '';
	chomp $m;
	close $fh;
	if ($m eq '500') {
		print $c "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5"
			. "\r\nConnection: close\r\n\r\noops\n";
		return;
	}
	if ($m eq 'garbage') {
		print $c "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
			. "Connection: close\r\n\r\n<html>{\"Code\": 200";
		return;
	}
	sleep 3 if $m eq 'slow';
	my $body = json_answer($path);
	if ($m eq 'chunked') {
		my @parts = unpack('(A100)*', $body);
		print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			. "Transfer-Encoding: chunked\r\n\r\n",
			(map { sprintf("%x\r\n%s\r\n", length($_), $_) } @parts),
			"0\r\n\r\n";
		return;
	}
	print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		. 'Content-Length: ' . length($body) . "\r\n\r\n$body";
}

sub serve {
	$SIG{TERM} = "DEFAULT";
	my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
		LocalPort => $port, Listen => 16, ReuseAddr => 1)
		or die "listen $port: $!\n";
	alarm(120);
	while (my $c = $l->accept()) {
		my $head = '';
		my $end = time() + 5;
		while ($head !~ /\r\n\r\n/ && time() < $end) {
			last unless sysread($c, $head, 4096, length $head);
		}
		my ($path) = $head =~ /^GET (\S+) HTTP\/1\.1\r\n/;
		if (open my $log, '>>', $reqs) {
			print $log "GET ", $path // '?', "\n";
			close $log;
		}
		$c->autoflush(1);
		answer($c, $path // '') if defined $path;
		close $c;
	}
	POSIX::_exit(0);
}

# --- not listening yet: refused --------------------------------------------
mode('500');
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. 'obproxy_sys_password: ' . sha1_hex('admin-pw') . "\n"
	. "obproxy_config_server_url: $base?Action=GetObProxyConfig\n"
	. "rootservice_list: \"\"\n"
	. "rootservice_cluster_name: $CL\n"
	. "server_state_refresh_interval: 1s\n"
	. "short_async_task_timeout: 1s\n")->run();
my $url = qr/config server \Q$base\E\?Action=GetObProxyConfig: /;
ok($t->waitfor(sub { $t->log() =~ /WARN.*${url}connect: Connection refused: retrying/ }, 10),
	'refused: a WARN naming the URL') or diag($t->log());

my $pid = fork() // die "fork: $!\n";
serve() if $pid == 0;
ok($t->waitfor(sub { $t->log() =~ /WARN.*${url}HTTP status 500/ }, 10),
	'HTTP 500: a WARN naming the URL and the status') or diag($t->log());
mode('garbage');
ok($t->waitfor(sub { $t->log() =~ /WARN.*${url}not JSON: /
	}, 10), 'garbage: a WARN saying it is not JSON') or diag($t->log());
mode('slow');
ok($t->waitfor(sub { $t->log() =~ /WARN.*${url}no answer within 1s/ }, 10),
	'a slow server: a WARN after short_async_task_timeout')
	or diag($t->log());
$t->write_file('cfgsrv.other', '');
mode('ok');
my $rsurl = qr/config server \Q$base\E\?Action=ObRootServiceInfo&ObCluster=$CL: /;
ok($t->waitfor(sub { $t->log() =~ /WARN.*${rsurl}the servers are cluster "elsewhere", not rootservice_cluster_name "$CL"/ }, 10),
	'another cluster: a WARN naming the cluster\'s URL and both names')
	or diag($t->log());
is(scalar($t->log() =~ /oceanbase metadata: route cache generation/), '',
	'nothing published meanwhile');
my $u = $t->user();
is(($t->ctl('status'))[0], 0, 'the proxy keeps running');

# --- good, in chunks ---------------------------------------------------------
unlink("$d/cfgsrv.other");
mode('chunked');
ok($t->waitfor(sub { $t->log() =~ /INFO.*${rsurl}cluster $CL \(id $CLID\): 4 servers 127\.0\.0\.1:\d+;/ }, 10),
	'the cluster\'s servers are fetched') or diag($t->log());
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the metadata source reads the cluster through them')
	or diag($t->log());
my ($out) = $t->mariadb('SELECT srv FROM rt.t_hash WHERE id = 1',
	user => "$u\@app");
is($out, "s2\n", 'a keyed statement lands on its partition\'s leader');
($out) = $t->mariadb('SELECT srv FROM rt.t_hash WHERE id = 3',
	user => "$u\@app");
is($out, "s1\n", 'another one on its own');
($out) = $t->mariadb("SELECT ATTR_VALUE FROM performance_schema."
	. "session_connect_attrs WHERE PROCESSLIST_ID = CONNECTION_ID()"
	. " AND ATTR_NAME = '__cluster_id'", user => "$u\@app");
is($out, "$CLID\n", 'the login sends the config server\'s ObClusterId as '
	. '__cluster_id');
my @pc = map { [ split /\t/, $_, -1 ] } grep { /^\Q$CL\E\t/ }
	split /\n/, scalar $t->mariadb_proxysys('SHOW PROXYCLUSTER',
		password => 'admin-pw');
is(join(' ', map { "$_->[1] $_->[2]" } @pc[0 .. 0]),
	"$CLID $base?Action=GetObProxyConfig",
	'SHOW PROXYCLUSTER: the cluster id and the config server\'s URL');

# --- rootservice_list wins -------------------------------------------------
$t->stop();
my $before = requests();
my $published = () = $t->log() =~ /route cache generation \d+ published/g;
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. "obproxy_config_server_url: $base?Action=GetObProxyConfig\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $CL\n"
	. "server_state_refresh_interval: 1s\n")->run();
ok($t->waitfor(sub { (() = $t->log() =~ /route cache generation \d+ published/g) > $published }, 10),
	'with rootservice_list the source reads the cluster')
	or diag($t->log());
sleep 1.5;
is(requests(), $before, 'and the config server is not asked');

kill 'TERM', $pid;
waitpid($pid, 0);
