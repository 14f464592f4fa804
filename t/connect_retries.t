#!/usr/bin/perl

# Tests for connect_observer_max_retries: a connection tries at most that
# many servers of its list (3 by default, ODP's), so a list whose first
# three servers refuse fails with 1429 naming those three only, and a
# bound of 4 reaches the fourth server, which serves.

use warnings;
use strict;

use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(4)->run_mariadb(1);
my $conf = <<'EOF2';
listen_port: %%PORT_2883%%
local_bound_ip: 127.0.0.1
rootservice_list: "127.0.0.1:%%PORT_9001%%;127.0.0.1:%%PORT_9002%%;127.0.0.1:%%PORT_9003%%;%%SERVER_1%%"
automatic_match_work_thread: false
work_thread_num: 1
enable_congestion: false
EOF2
$t->write_file_expand('obproxy.yaml', $conf)->run();

my $dbh = $t->dbh();
my $err = $t->dbi_error();
like($err, qr/^1429 /, 'three servers refuse: 1429') or diag($err);
my @named = $err =~ /127\.0\.0\.1:\d+ \(/g;
is(scalar @named, 3, '  naming three servers, not the fourth')
	or diag($err);

$t->write_file_expand('obproxy.yaml',
	$conf . "connect_observer_max_retries: 4\n");
ok($t->reload(undef, 1), 'connect_observer_max_retries 4: reloaded');
$dbh = $t->dbh();
is($dbh && $dbh->selectrow_array('SELECT @@port'), $t->server_port(1),
	'  the fourth server serves') or diag($t->dbi_error());

$t->stop();
