#!/usr/bin/perl

# Tests for configuration: -t checks YAML and INI files and reports every
# error as FILE:LINE: key: with the range; a bad file stops the start;
# the command line wins over the file, the file over the defaults;
# ROOT/etc/obproxy.yaml is read without -f; observer_sys_password is a
# SHA1 or nothing (-t, start, reload), and a configuration that cannot
# log anyone in warns (-t, start); -V, -h and --help-params.

use warnings;
use strict;

use IO::Socket::INET;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(33)->run_mariadb(1);
my $d = $t->testdir();

$t->write_file_expand('good.yaml', <<'EOF');
# a comment
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 2
client_max_connections: 100
connect_server_timeout: 3s
syslog_level: INFO
max_log_file_size: 64MB
EOF
$t->write_file_expand('good.ini', <<'EOF');
; a comment
[obproxy]
listen_port = %%PORT_2883%%
local_bound_ip = 127.0.0.1
rootservice_list = %%SERVERS%%
automatic_match_work_thread = false
work_thread_num = 2
client_max_connections = 100
connect_server_timeout = 3s
syslog_level = INFO
max_log_file_size = 64MB
EOF

# -t on good files, ours and the shipped ones.

unlike(join(' ', $t->obproxy('-t', '-f', "$d/good.yaml")),
	qr/^(?!0 )|good\.yaml:/, '-t good yaml');
unlike(join(' ', $t->obproxy('-t', '-f', "$d/good.ini")),
	qr/^(?!0 )|good\.ini:/, '-t good ini');
is(($t->obproxy('-t', '-f', "$FindBin::Bin/../etc/obproxy.yaml"))[0], 0,
	'-t etc/obproxy.yaml');
is(($t->obproxy('-t', '-f', "$FindBin::Bin/../etc/obproxy.ini"))[0], 0,
	'-t etc/obproxy.ini');

# -t on bad files: exit 1, FILE:LINE: key: and the range.

like(check("listen_port: 3000\nno_such_parameter: 1\n"),
	qr/^1 .*bad\.yaml:2: .*no_such_parameter/ms, 'unknown key');
like(check("\n\nlisten_port: abc\n"), qr/^1 .*bad\.yaml:3: listen_port/ms,
	'wrong type: integer');
like(check("automatic_match_work_thread: maybe\n"),
	qr/^1 .*bad\.yaml:1: automatic_match_work_thread/ms,
	'wrong type: boolean');
like(check("work_thread_num: 500\n"),
	qr/^1 .*bad\.yaml:1: work_thread_num: .*500.*\[1, 128\]/ms,
	'out of range, with the range');
like(check("syslog_level: LOUD\n"),
	qr/^1 .*bad\.yaml:1: syslog_level: .*LOUD/ms, 'unknown enum value');
like(check("listen_port: 70000\nwork_thread_num: 0\nfoo: 1\n", 'bad.ini'),
	qr/^1 .*bad\.ini:1: listen_port: .*\[1025, 65535\]/ms,
	'ini: out of range');

my $all = check("listen_port: 70000\nwork_thread_num: 0\nfoo: 1\n");
is(() = $all =~ /bad\.yaml:\d+: /g, 3, 'every error reported, not the first');
my ($rc, $out) = $t->obproxy('-t', '-f', "$d/good.yaml", '-o',
	'client_max_connections=-5');
like("$rc $out", qr/^1 .*client_max_connections/s, '-o: bad value refused');

# A bad file stops the start: exit 1 and nothing listening.

$t->write_file_expand('bad-start.yaml', "listen_port: %%PORT_2886%%\n"
	. "local_bound_ip: 127.0.0.1\nno_such_parameter: 1\n");
($rc, $out) = $t->obproxy('-N', '-f', "$d/bad-start.yaml");
like("$rc $out", qr/^1 .*bad-start\.yaml:3: .*no_such_parameter/s,
	'bad file: start refused');
ok(!listening($t->port(2886)), 'bad file: nothing listening');
ok(!-e "$d/run/obproxy.pid", 'bad file: no pid file');

# Command line over file: -p wins over listen_port of the file.

$t->run('-f', "$d/good.yaml", '-p', $t->port(2884));
ok(!listening($t->port(2883)), '-p: the file\'s port unused');
is($t->mariadb('SELECT 1', port => $t->port(2884)), "1\n", '-p: port used');
$t->stop();

# -o and -r win over rootservice_list of the file.

$t->write_file_expand('dead.yaml', <<'EOF');
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "127.0.0.1:%%PORT_9001%%"
EOF
$t->run('-f', "$d/dead.yaml");
like($t->mariadb('SELECT 1'), qr/^ERROR/, 'file: dead server used');
like($t->log(), qr/\Q127.0.0.1:${\ $t->port(9001)}\E/,
	'file: its rootservice_list tried');
$t->stop();
$t->run('-f', "$d/dead.yaml", '-o', 'rootservice_list=' . $t->servers());
is($t->mariadb('SELECT 1'), "1\n", '-o: rootservice_list replaced');
$t->stop();
$t->run('-f', "$d/dead.yaml", '-r', $t->servers());
is($t->mariadb('SELECT 1'), "1\n", '-r: rootservice_list replaced');
$t->stop();

# ROOT/etc/obproxy.yaml without -f.

$t->write_file('etc/obproxy.yaml', $t->read_file('good.yaml'));
$t->run();
is($t->mariadb('SELECT 1'), "1\n", 'etc/obproxy.yaml read without -f');

# observer_sys_password: a SHA1 or nothing, at -t, start and reload;
# the value is never written back (it may be the password itself).

like(check("\nobserver_sys_password: s3cret\n"), qr/^1 .*bad\.yaml:2:
	\ observer_sys_password:\ .*printf\ %s\ PASSWORD\ \|\ sha1sum/msx,
	'password: -t refuses one that is no SHA1, says how to make it');
unlike(check("observer_sys_password: s3cret\n"), qr/s3cret/,
	'password: never written back');
($rc, $out) = $t->obproxy('-N', '-f', "$d/good.yaml", '-o',
	'observer_sys_password=' . ('ab' x 19));
like("$rc $out", qr/^1 .*observer_sys_password: .*sha1sum/s,
	'password: start refused');
$t->write_file('etc/obproxy.yaml', $t->read_file('good.yaml')
	. "observer_sys_password: s3cret\n");
ok($t->reload(qr/reload failed/), 'password: reload refused');
like($t->log(), qr/obproxy\.yaml:\d+: observer_sys_password: .*sha1sum/,
	'password: reload says why');
$t->stop();
unlink "$d/etc/obproxy.yaml";

# A configuration that cannot log anyone in: -t and the start warn.

$t->write_file_expand('lone.yaml', "listen_port: %%PORT_2883%%\n"
	. "local_bound_ip: 127.0.0.1\n");
($rc, $out) = $t->obproxy('-t', '-f', "$d/lone.yaml");
like("$rc $out", qr/^0 .*warning: no servers/s, 'no servers: -t warns');
($rc, $out) = $t->run_cmd([ $t->binary(), '-t', '-f', "$d/good.yaml" ],
	env => $t->_obproxy_env());
like("$rc $out", qr/^0 .*warning: observer_sys_password is empty.*sha1sum/s,
	'servers without the service password: -t warns');
$t->run('-f', "$d/lone.yaml");
$t->stop();
like($t->error_log(), qr/ WARN .*no servers: rootservice_list is empty/,
	'no servers: a WARN at start');

# -V, -h, --help-params.

($rc, $out) = $t->obproxy('-V');
like("$rc $out", qr/^0 .*\d+\.\d+\.\d+/s, '-V');
($rc, $out) = $t->obproxy('-h');
like("$rc $out", qr/^0 .*-f/s, '-h');
($rc, $out) = $t->obproxy('--help-params');
like("$rc $out", qr/^0 .*listen_port.*2883/s, '--help-params');

###############################################################################

# obproxy -t on <text> written as <name> (bad.yaml): "exit-code output".
sub check {
	my ($text, $name) = @_;
	$name //= 'bad.yaml';
	if ($name =~ /\.ini$/) {
		$text =~ s/: /=/g;
	}
	$t->write_file($name, $text);
	return join ' ', $t->obproxy('-t', '-f', "$d/$name");
}

sub listening {
	my ($port) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		PeerPort => $port, Proto => 'tcp', Timeout => 2);
	return defined $s;
}
