#!/usr/bin/perl

# Tests for TLS by tenant (ODP-REFERENCE 13.2): with enable_client_ssl
# off, a tenant's proxy_config rows turn it on with ssl_attributes
# ENABLE_FORCE and its ssl_config key_info names the certificate; the
# handshake (sent before the tenant is known) then offers TLS, a login
# of that tenant without TLS is refused with 3159, other tenants log in
# in clear; a tenant's enable_server_ssl gives its server sessions TLS.
# A row that turns TLS on without any certificate is refused.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::Raw;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	openssl/)->plan(12);
my ($cert, $key) = $t->tls_files();
$t->mariadbd_options("--ssl-cert=$cert", "--ssl-key=$key")->run_mariadb(1);
my $key_info = qq({"sourceType": "FILE", "publicKey": "$cert", )
	. qq("privateKey": "$key"});
$t->write_conf(<<"EOF")->run();
automatic_match_work_thread: false
work_thread_num: 2
rootservice_cluster_name: demo
tenants:
  secure:
    config:
      enable_client_ssl: true
      ssl_attributes: '{"using_ssl": "ENABLE_FORCE"}'
      enable_server_ssl: true
    ssl_config: {key_info: '$key_info'}
EOF

# What the mariadb client says of its connection as <user>, or the error.
sub client_ssl {
	my ($user, @args) = @_;
	my ($out, $rc) = $t->mariadb('\s', user => $user, args => \@args);
	return $rc ? "failed: $out" : $out =~ /^SSL:\s*(.*)$/m ? $1 : $out;
}

sub server_ssl {
	my ($user) = @_;
	my ($out) = $t->mariadb("SHOW SESSION STATUS LIKE 'Ssl_version'",
		user => $user);
	return $out =~ /^Ssl_version\s*(\S*)$/m ? $1 || 'none' : $out;
}

my $u = $t->user();
my $hs = $t->raw()->handshake();
ok($hs && ($hs->{caps} & 0x800), 'a tenant\'s row: the handshake offers TLS');
like(client_ssl("$u\@secure", '--skip-ssl'), qr/ERROR 3159 .*insecure/,
	'that tenant\'s login without TLS is refused');
like($t->log(), qr/without TLS refused .*tenant 'secure'/,
	'  and logged');
like(client_ssl("$u\@secure", '--ssl'), qr/^Cipher in use is \S+/,
	'  with TLS it logs in, with key_info\'s certificate');
like(client_ssl($u, '--skip-ssl'), qr/^Not in use/,
	'another tenant logs in in clear');
like(server_ssl("$u\@secure"), qr/^TLSv1\.[23]$/,
	'the tenant\'s enable_server_ssl: its server sessions use TLS');
is(server_ssl($u), 'none', '  another tenant\'s do not');

# Runtime rows for another tenant: the next login sees them.
my ($rc, $out) = $t->ctl('config', 'level', 'set', 'proxy_config', 'demo',
	'other', 'ssl_attributes', '{"using_ssl": "ENABLE_FORCE"}');
($rc, $out) = $t->ctl('config', 'level', 'set', 'proxy_config', 'demo',
	'other', 'enable_client_ssl', 'true') unless $rc;
is($rc, 0, 'config level set: ENABLE_FORCE for tenant other') or diag($out);
like(client_ssl("$u\@other", '--skip-ssl'), qr/ERROR 3159/,
	'  its next login without TLS is refused');
$t->ctl('config', 'level', 'delete', 'proxy_config', 'demo', 'other',
	'enable_client_ssl');
like(client_ssl("$u\@other", '--skip-ssl'), qr/^Not in use/,
	'  and accepted once enable_client_ssl is deleted');

# No certificate anywhere: a row turning TLS on is refused.
$t->write_file('nokey.yaml', <<'EOF');
tenants:
  t1: {config: {enable_client_ssl: true}}
EOF
my ($trc, $tout) = $t->obproxy('-t', '-f', $t->testdir() . '/nokey.yaml');
like($tout, qr/\Qenable_client_ssl: needs ssl_public_key and\E
	\Q ssl_private_key, or an ssl_config key_info row\E/x,
	'enable_client_ssl by a row without any certificate: refused');
is($trc, 1, '  -t fails');
