#!/usr/bin/perl

# Tests for SIGHUP: a good file changes a reloadable parameter
# (client_max_connections) in the running workers; a bad file is refused
# as a whole, its errors logged with FILE:LINE, and the proxy goes on with
# the configuration it had.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(14)->run_mariadb(1);

my $conf = <<'EOF';
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "%%SERVERS%%"
automatic_match_work_thread: false
work_thread_num: 2
EOF

$t->write_file_expand('obproxy.yaml', $conf
	. "client_max_connections: 1\n")->run();
my $pid = $t->pid();
my @workers;
$t->waitfor(sub { (@workers = $t->workers()) == 2 }, 10);

my $first = $t->waitfor(sub { $t->dbh() }, 5);
ok($first, 'first client served') or diag($DBI::errstr);
is(second_client(), 'refused 1040', 'limit 1: second client refused');

# A good file raises the limit.

$t->write_file_expand('obproxy.yaml', $conf
	. "client_max_connections: 10\n");
ok(reload(), 'good file: configuration reloaded');
is(second_client('served'), 'served', 'limit 10: second client served');
is(join(',', sort $t->workers()), join(',', sort @workers),
	'reloadable change: workers kept');

# A bad file: an unknown key and a value out of range.  Its valid line
# would lower the limit again; nothing of it may be applied.

$t->write_file_expand('obproxy.yaml', $conf . <<'EOF');
client_max_connections: 1
no_such_parameter: 1
connect_server_timeout: 2h
EOF
ok(reload(qr/reload failed/), 'bad file: reload failed');
my $log = $t->log();
like($log, qr/^\[[^\]]+\] ERROR .*obproxy\.yaml:7: .*no_such_parameter/m,
	'bad file: unknown key with FILE:LINE at ERROR');
like($log, qr/obproxy\.yaml:8: connect_server_timeout: .*range/,
	'bad file: out of range value with FILE:LINE and the range');
like($t->error_log(), qr/reload failed/, 'bad file: in obproxy.log.wf');

# A bad file applied late would show here too.
sleep 1;
is(second_client(), 'served', 'bad file: the old limit (10) still holds');
is($first && $first->selectrow_array('SELECT 5'), 5,
	'bad file: existing client still served');
is($t->pid(), $pid, 'bad file: master still running');

# And down again with a good file.

$t->write_file_expand('obproxy.yaml', $conf
	. "client_max_connections: 1\n");
ok(reload(), 'good file again: configuration reloaded');
is(second_client('refused 1040'), 'refused 1040',
	'limit 1 again: second client refused');

###############################################################################

sub reload { $t->reload(@_) }

# What happens to a second client while the first is open: "served" or
# "refused <error>".  Workers apply a reload just after the master logs
# it, so with <want> the outcome is awaited for up to 5 s.
sub second_client {
	my ($want) = @_;
	my $r;
	$t->waitfor(sub {
		my $dbh = $t->dbh();
		$r = $dbh && $dbh->selectrow_array('SELECT 1') ? 'served'
			: 'refused ' . ($DBI::err // 'none');
		!defined $want || $r eq $want;
	}, 5);
	return $r;
}
