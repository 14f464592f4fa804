#!/usr/bin/perl

# Tests for the level tables through obproxyctl (ODP's proxy_config,
# white_list and ssl_config): rows of a tenant in YAML and INI, config
# level set, delete and list with quoted values, the checks ODP makes
# (multi-level parameters only, each value by its parameter's parser,
# no global row, ip_list addresses, key_info files), a runtime row that
# shadows the file's, the state file's "level" lines read at the start
# beside an old-style key=value line.  No server is needed.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->plan(27);

$t->write_file_expand('obproxy.yaml', <<'EOF');
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 1
rootservice_cluster_name: demo
tenants:
  app:
    config: {enable_read_write_split: true, proxy_route_policy: follower_first}
    white_list: [127.0.0.1, 10.0.0.0/8]
EOF
# an old-style line and a level line, as a restart finds them
$t->write_file('obproxy.yaml.runtime', <<'EOF');
# written by hand
client_max_connections=100
level white_list 'demo' 'ops' 'ip_list' '::1'
EOF
$t->run();

sub ctl_out {
	my ($rc, $out) = $t->ctl(@_);
	return "$rc $out";
}

# True when <text> has line <line>.
sub has_row {
	my ($text, $line, $name) = @_;
	like($text, qr/^\Q$line\E$/m, $name);
}

sub list {
	my ($rc, $out) = $t->ctl('config', 'level', 'list', @_);
	return join("\n", $out =~ /^level \d+: (.*)$/mg);
}

my $rows = list();
has_row($rows, "proxy_config 'demo' 'app' 'enable_read_write_split' 'true'"
	. ' file', 'a YAML tenant\'s config row, in the proxy\'s cluster');
has_row($rows, "proxy_config 'demo' 'app' 'proxy_route_policy'"
	. " 'FOLLOWER_FIRST' file", '  its value as the parameter prints it');
has_row($rows, "white_list 'demo' 'app' 'ip_list' '127.0.0.1,10.0.0.0/8'"
	. ' file', 'a YAML white_list list, joined');
has_row($rows, "white_list 'demo' 'ops' 'ip_list' '::1' runtime",
	'the state file\'s level line, read at the start');
like(ctl_out('config', 'get', 'client_max_connections'), qr/^value: 100$/m,
	'  beside its key=value line');

# Values with quotes and blanks, quoted by obproxyctl.
like(ctl_out('config', 'level', 'set', 'proxy_config', 'demo', 'app',
	'proxy_idc_name', "it's idc 1"), qr/^0 ok: row set, saved in /m,
	'config level set: a value with a quote and blanks');
has_row(list('proxy_config'), "proxy_config 'demo' 'app' 'proxy_idc_name'"
	. " 'it''s idc 1' runtime", '  listed quoted, a quote doubled');
unlike(list('proxy_config'), qr/^white_list/m, 'list TABLE: that table only');
has_row($t->read_file('obproxy.yaml.runtime'), "level proxy_config 'demo'"
	. " 'app' 'proxy_idc_name' 'it''s idc 1'", '  kept in the state file');
my ($rc, $json) = $t->ctl('--json', 'config', 'level', 'list', 'white_list');
like($json, qr/"level": \[\{"index": 0, "text": "white_list 'demo' 'app'/,
	'--json: the rows as an array');

# A runtime row of a file row's key shadows it; file rows stay put.
like(ctl_out('config', 'level', 'set', 'proxy_config', 'DEMO', 'APP',
	'ENABLE_READ_WRITE_SPLIT', 'off'), qr/^0 shadows: the row of \S+yaml$/m,
	'a runtime row over a file row says so');
$rows = list();
has_row($rows, "proxy_config 'demo' 'app' 'enable_read_write_split' 'true'"
	. ' shadowed', '  the file row is listed as shadowed');
has_row($rows, "proxy_config 'DEMO' 'APP' 'enable_read_write_split' 'false'"
	. ' runtime', '  the runtime row, names as given');
like(ctl_out('config', 'level', 'delete', 'white_list', 'demo', 'app'),
	qr/^1 failed: the row comes from .*obproxy\.yaml: change it there/m,
	'a file row cannot be deleted');
like(ctl_out('config', 'level', 'delete', 'proxy_config', 'demo', 'app'),
	qr/^0 deleted: 2\nok: 2 rows deleted/m,
	'delete without NAME: the tenant\'s runtime rows');
like(list(), qr/'enable_read_write_split' 'true' file$/m,
	'  the file row applies again');

# The checks.
my %refused = (
	'listen_port' => [ 'proxy_config', 'demo', 'app', 'listen_port',
		'3000', qr/listen_port: multi level config not supported/ ],
	'a value out of range' => [ 'proxy_config', 'demo', 'app',
		'obproxy_read_consistency', '2', qr/"2" is out of range \[0, 1\]/ ],
	'a bad boolean' => [ 'proxy_config', 'demo', '', 'enable_client_ssl',
		'maybe', qr/"maybe" is not a boolean/ ],
	'a global row' => [ 'proxy_config', '', '', 'proxy_idc_name', 'x',
		qr/cluster and tenant are both empty/ ],
	'a white_list name but ip_list' => [ 'white_list', 'demo', 'app',
		'ips', '1.2.3.4', qr/white_list rows are named ip_list/ ],
	'a bad address' => [ 'white_list', 'demo', 'app', 'ip_list',
		'127.0.0.1,10.0.0.0/40', qr/"10\.0\.0\.0\/40" is not an IPv4/ ],
	'key_info not FILE' => [ 'ssl_config', 'demo', 'app', 'key_info',
		'{"sourceType": "INLINE", "publicKey": "a", "privateKey": "b"}',
		qr/only FILE/ ],
	'key_info files that are not there' => [ 'ssl_config', 'demo', 'app',
		'key_info', '{"sourceType": "FILE", "publicKey": "none.pem", '
		. '"privateKey": "none.key"}',
		qr/error:\ ssl_config\ of\ cluster\ 'demo'\ tenant\ 'app':\ key_info
		\ publicKey\ \S*none\.pem/mx ],
	'no such table' => [ 'resource_unit', 'demo', 'app', 'x', '1',
		qr/no table 'resource_unit'/ ],
);
for my $what (sort keys %refused) {
	my @args = @{$refused{$what}};
	my $want = pop @args;
	my $out = ctl_out('config', 'level', 'set', @args);
	ok($out =~ /^1 / && $out =~ $want && $out =~ /^(1 )?failed: /m,
		"refused: $what") or diag($out);
}
like(ctl_out('config', 'level', 'set', 'white_list', 'demo', 'app'),
	qr/^2 /, 'obproxyctl: a missing argument is a usage error');

# The INI form of the same keys.
$t->write_file('bad.ini', <<'EOF');
[tenant app]
config.proxy_route_policy = FOLLOWER_FIRST
white_list = 127.0.0.1,300.0.0.1
EOF
my ($trc, $tout) = $t->obproxy('-t', '-f', $t->testdir() . '/bad.ini');
like($tout, qr/bad\.ini:3: tenant app: white_list: "300\.0\.0\.1" is not/,
	'INI: a [tenant] section\'s white_list is checked, FILE:LINE');
