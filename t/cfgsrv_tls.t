#!/usr/bin/perl

# An https config server (obproxy_config_server_url https://...,
# config_server_ssl_ca): the config server of this test answers behind
# TLS (IO::Socket::SSL) with certificates the test makes (openssl req):
# a CA's certificate for localhost, a self-signed one, the CA's for
# another name.  The proxy verifies the certificate against the system's
# CA store (where the test's CA is not: refused) and config_server_ssl_ca,
# and its name against the URL's host; a certificate refused is a WARN
# naming the URL and the reason, the list is not used; a handshake that
# does not end is bounded by short_async_task_timeout.  With the CA
# trusted the cluster's servers are fetched and keyed statements land on
# their partition's leader (Test::OBProxy::ObMeta on server 4).  Plain
# http is t/cfgsrv.t's.

use warnings;
use strict;

use IO::Socket::INET;
use POSIX ();
use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB IO::Socket::SSL openssl/)->plan(12);
require IO::Socket::SSL;
my $CL = $Test::OBProxy::ObMeta::CLUSTER;
my $d = $t->testdir();

# --- certificates ----------------------------------------------------------
sub openssl {
	my ($rc, $out) = $t->run_cmd([ 'openssl', @_ ], timeout => 30);
	die "openssl @_: $out\n" if $rc != 0;
}
sub cert {
	my ($name, $san, $ca) = @_;
	my @subj = ('-subj', "/CN=$name", '-addext', "subjectAltName=$san");
	if (!$ca) {         # self-signed
		openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days',
			'2', '-keyout', "$d/$name.key", '-out', "$d/$name.crt",
			@subj, ($name eq 'ca' ? ('-addext',
			'basicConstraints=critical,CA:TRUE') : ()));
		return;
	}
	openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout',
		"$d/$name.key", '-out', "$d/$name.csr", @subj);
	$t->write_file("$name.ext", "subjectAltName=$san\n");
	openssl('x509', '-req', '-in', "$d/$name.csr", '-CA', "$d/ca.crt",
		'-CAkey', "$d/ca.key", '-CAcreateserial', '-days', '2',
		'-extfile', "$d/$name.ext", '-out', "$d/$name.crt");
}
cert('ca', 'DNS:test-ca', 0);
cert('good', 'DNS:localhost', 1);
cert('untrusted', 'DNS:localhost', 0);
cert('wrongname', 'DNS:other.example', 1);

# obproxy -t: https accepted, a CA file that does not load refused
$t->write_file('t.yaml', "obproxy_config_server_url: https://localhost/x\n");
my ($rc, $out) = $t->obproxy('-t', '-f', "$d/t.yaml");
is($rc, 0, 'obproxy -t accepts an https URL') or diag($out);
$t->write_file('t.yaml', "obproxy_config_server_url: https://localhost/x\n"
	. "config_server_ssl_ca: $d/nothing.pem\n");
($rc, $out) = $t->obproxy('-t', '-f', "$d/t.yaml");
like("$rc $out", qr/^[1-9].*config_server_ssl_ca.*nothing\.pem/s,
	'and refuses a config_server_ssl_ca that does not load') or diag($out);

$t->run_routing_cluster();
$t->start_mariadb(4);
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);

my $port = $t->port('cfgsrv');
my $base = "https://localhost:$port/services";
sub mode { $t->write_file('cfgsrv.mode', "$_[0]\n") }

# --- the config server, behind TLS ------------------------------------------
sub json_answer {
	my ($path) = @_;
	my $env = '{"Code":200,"Message":"successful","Success":true,'
		. '"Data":%s}';
	return sprintf($env, '{"ObRootServiceInfoUrlList":[{"ObRegion":'
		. "\"$CL\",\"ObRootServiceInfoUrl\":"
		. "\"$base?Action=ObRootServiceInfo&ObCluster=$CL\"}]}")
		if $path =~ /Action=GetObProxyConfig/;
	my @rs = map { my $p = $t->server_port($_); sprintf('{"address":'
		. '"127.0.0.1:%d","role":"%s","sql_port":%d}', $p + 1,
		$_ == 4 ? 'LEADER' : 'FOLLOWER', $p) } 4, 1, 2, 3;
	return sprintf($env, "{\"ObCluster\":\"$CL\",\"ObClusterId\":3,"
		. '"RsList":[' . join(',', @rs) . '],"ReadonlyRsList":[]}');
}

sub serve_one {
	my ($c) = @_;
	my $m = $t->read_file('cfgsrv.mode') // 'good';
	chomp $m;
	if ($m eq 'stall') {        # connected, no handshake
		sleep 3;
		return;
	}
	IO::Socket::SSL->start_SSL($c, SSL_server => 1,
		SSL_cert_file => "$d/$m.crt", SSL_key_file => "$d/$m.key",
		Timeout => 5) or return;
	my $head = '';
	my $end = time() + 5;
	while ($head !~ /\r\n\r\n/ && time() < $end) {
		last unless sysread($c, $head, 4096, length $head);
	}
	my ($path) = $head =~ /^GET (\S+) HTTP\/1\.1\r\n/ or return;
	my $body = json_answer($path);
	print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
		. 'Content-Length: ' . length($body) . "\r\n\r\n$body";
}

my $pid = fork() // die "fork: $!\n";
if ($pid == 0) {
	$SIG{TERM} = "DEFAULT";
	my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
		LocalPort => $port, Listen => 16, ReuseAddr => 1)
		or die "listen $port: $!\n";
	alarm(120);
	while (my $c = $l->accept()) {
		serve_one($c);
		close $c;
	}
	POSIX::_exit(0);
}
END { if ($pid) { local $?; kill "TERM", $pid; waitpid($pid, 0) } }

my $CONF = "automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. "obproxy_config_server_url: $base?Action=GetObProxyConfig\n"
	. "rootservice_list: \"\"\n"
	. "rootservice_cluster_name: $CL\n"
	. "server_state_refresh_interval: 1s\n"
	. "short_async_task_timeout: 2s\n";
my $url = qr/WARN.*config server \Q$base\E\?Action=GetObProxyConfig: TLS handshake: the certificate is refused: /;

# --- the test's CA is not in the system's store -----------------------------
mode('good');
$t->write_conf($CONF)->run();
ok($t->waitfor(sub { $t->log() =~ /${url}unable to get local issuer certificate/ }, 10),
	'a CA not trusted: a WARN naming the URL and the reason')
	or diag($t->log());
$t->stop();

# --- config_server_ssl_ca --------------------------------------------------
mode('untrusted');
$t->write_conf($CONF . "config_server_ssl_ca: $d/ca.crt\n")->run();
ok($t->waitfor(sub { $t->log() =~ /${url}self-?signed certificate/ }, 10),
	'a self-signed certificate: refused with its WARN') or diag($t->log());
mode('wrongname');
ok($t->waitfor(sub { $t->log() =~ /${url}hostname mismatch/ }, 10),
	'the CA\'s certificate for another name: refused with its WARN')
	or diag($t->log());
mode('stall');
ok($t->waitfor(sub { $t->log() =~ /WARN.*config server \Q$base\E\?Action=GetObProxyConfig: no answer within 2s \(in the TLS handshake\)/ }, 10),
	'a handshake that does not end: bounded by short_async_task_timeout')
	or diag($t->log());
is(scalar($t->log() =~ /INFO.*config server .*: cluster $CL/), '',
	'no list taken from them');

mode('good');
my $rsurl = qr/config server \Q$base\E\?Action=ObRootServiceInfo&ObCluster=$CL: /;
ok($t->waitfor(sub { $t->log() =~ /INFO.*${rsurl}cluster $CL \(id 3\): 4 servers 127\.0\.0\.1:\d+;/ }, 10),
	'with the CA trusted the servers are fetched over https')
	or diag($t->log());
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the metadata source reads the cluster through them')
	or diag($t->log());
my $u = $t->user();
($out) = $t->mariadb('SELECT srv FROM rt.t_hash WHERE id = 1',
	user => "$u\@app");
is($out, "s2\n", 'a keyed statement lands on its partition\'s leader');
($out) = $t->mariadb('SELECT srv FROM rt.t_hash WHERE id = 3',
	user => "$u\@app");
is($out, "s1\n", 'another one on its own');

# --- an address in the URL is checked against the certificate's addresses --
$t->stop();
my $ipurl = "https://127.0.0.1:$port/services?Action=GetObProxyConfig";
(my $conf = $CONF) =~ s/^obproxy_config_server_url: .*$/obproxy_config_server_url: $ipurl/m;
$t->write_conf($conf . "config_server_ssl_ca: $d/ca.crt\n")->run();
ok($t->waitfor(sub { $t->log() =~ /WARN.*config server \Q$ipurl\E: TLS handshake: the certificate is refused: IP address mismatch/ }, 10),
	'127.0.0.1 in the URL, a certificate for localhost only: refused')
	or diag($t->log());
