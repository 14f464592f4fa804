#!/usr/bin/perl

# The OceanBase metadata's server states in routing (ODP-REFERENCE 5.1,
# 8.2): a server DBA_OB_SERVERS lists INACTIVE takes no statement (here
# a weak read its IDC would send it) within one
# server_state_refresh_interval, shows as INACTIVE in SHOW
# PROXYCONGESTION and obproxyctl status, and serves again once ACTIVE;
# the same as UPGRADE for a server of a zone being upgraded (the zone
# INACTIVE in DBA_OB_ZONES) and for a stopped one (stop_time set).
# The cluster lives in an emulated "oceanbase" schema on server 4
# (Test::OBProxy::ObMeta), as in t/obmeta.t.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db
	DBD::MariaDB/)
	->plan(17);
$t->run_routing_cluster();
$t->start_mariadb(4);

# t_hash: HASH(id) over 3 partitions, partition i led by server i + 1;
# id 3 is partition 0: leader s1, followers s2 and s3.
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);

$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 1s\n"
	. "proxy_idc_name: idc2\n"
	. 'obproxy_sys_password: ' . sha1_hex('admin-pw') . "\n"
	. "short_async_task_timeout: 2s\n")->run();
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the servers of DBA_OB_SERVERS are published')
	or diag($t->log());

my $u = $t->user();
my $weak = "SET ob_read_consistency = 'weak'; SELECT srv FROM rt.t_hash"
	. ' WHERE id = 3';
sub weak4 {
	return join ' ', map { my ($o) = $t->mariadb($weak,
		user => "$u\@app"); chomp($o //= '?'); $o } 1 .. 4;
}
is(weak4(), 's2 s2 s2 s2', 'a weak read goes to the follower in the '
	. 'proxy\'s IDC');

$meta->server_status(2, 'INACTIVE');
my $t0 = time();
ok($t->waitfor(sub { $t->log() =~ /server 127\.0\.0\.1:\d+ is INACTIVE: no statement goes there/ }, 5),
	'the refresh finds the server INACTIVE') or diag($t->log());
my $took = time() - $t0;
my $w = weak4();
unlike($w, qr/s2|\?/, 'weak reads avoid the INACTIVE server') or diag($w);
diag(sprintf('INACTIVE seen %.1fs after the change (refresh 1s)', $took));
my ($cong) = $t->mariadb_proxysys('SHOW PROXYCONGESTION',
	password => 'admin-pw');
like($cong // '', qr/\bINACTIVE\b/, 'SHOW PROXYCONGESTION shows it INACTIVE')
	or diag($cong);
my ($rc, $st) = $t->ctl('status');
like(join(' ', $st // ''), qr/oceanbase INACTIVE/,
	'obproxyctl status shows it') or diag($st);

$meta->server_status(2, 'ACTIVE');
ok($t->waitfor(sub { $t->log() =~ /is ACTIVE: serving again/ }, 5),
	'the refresh finds it ACTIVE again') or diag($t->log());
is(weak4(), 's2 s2 s2 s2', 'weak reads go to it again');
my ($cong2) = $t->mariadb_proxysys('SHOW PROXYCONGESTION',
	password => 'admin-pw');
unlike($cong2 // '', qr/\bINACTIVE\b/, 'no longer INACTIVE in SHOW '
	. 'PROXYCONGESTION') or diag($cong2);

# A zone being upgraded (DBA_OB_ZONES INACTIVE, ODP's upgrading zone):
# its ACTIVE servers are UPGRADE, avoided as ODP's force-congested ones,
# until the zone is ACTIVE again.
sub served { my @n = $t->log() =~ /is ACTIVE: serving again/g; scalar @n }
my $served = served();
$meta->zone_status('z2', 'INACTIVE');
ok($t->waitfor(sub { $t->log() =~ /server 127\.0\.0\.1:\d+ is UPGRADE: no statement goes there/ }, 5),
	'the refresh finds the server of the upgrading zone UPGRADE')
	or diag($t->log());
$w = weak4();
unlike($w, qr/s2|\?/, 'weak reads avoid the UPGRADE server') or diag($w);
($cong) = $t->mariadb_proxysys('SHOW PROXYCONGESTION',
	password => 'admin-pw');
like($cong // '', qr/\bUPGRADE\b/, 'SHOW PROXYCONGESTION shows it UPGRADE')
	or diag($cong);
($rc, $st) = $t->ctl('status');
like(join(' ', $st // ''), qr/oceanbase UPGRADE/,
	'obproxyctl status shows it') or diag($st);
$meta->zone_status('z2', 'ACTIVE');
ok($t->waitfor(sub { served() > $served }, 5),
	'the zone ACTIVE again: its server serves again') or diag($t->log());
is(weak4(), 's2 s2 s2 s2', 'weak reads go to it again');

# A stopped server (stop_time set) is UPGRADE too, as in ODP.
$meta->sql("UPDATE DBA_OB_SERVERS SET stop_time = NOW() WHERE sql_port = "
	. $t->server_port(2));
ok($t->waitfor(sub { my @n = $t->log() =~ /is UPGRADE: no statement/g;
	@n > 1 }, 5), 'a stopped server is UPGRADE') or diag($t->log());
$w = weak4();
unlike($w, qr/s2|\?/, 'weak reads avoid it') or diag($w);
