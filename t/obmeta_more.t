#!/usr/bin/perl

# The OceanBase metadata source's entry expiry (ODP-REFERENCE 5.9): with
# partition_location_expire_relative_time 0 (ODP's default) a table's
# locations are kept across refreshes (a leader moved in the metadata
# is not read back while no server complains), and a tenant's server
# list is read again only after tenant_location_valid_time.  The
# cluster lives in an emulated "oceanbase" schema on server 4
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
	->plan(6);
$t->run_routing_cluster();
$t->start_mariadb(4);

# t_hash: HASH(id) over 3 partitions, partition i led by server i + 1.
my $ID = 500001;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);

my $VALID = 5;      # tenant_location_valid_time, seconds
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "server_state_refresh_interval: 1s\n"
	. "tenant_location_valid_time: ${VALID}s\n"
	. "short_async_task_timeout: 2s\n")->run();
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the servers of DBA_OB_SERVERS are published')
	or diag($t->log());

my $u = $t->user();
my $q = 'SELECT srv FROM rt.t_hash WHERE id = 1';
my ($out) = $t->mariadb($q, user => "$u\@app");
my $read = time();     # the tenant's servers and the table were just read
is($out, "s2\n", 'a keyed statement lands on its partition\'s leader');

# The tenant now lists server 1 only; partition 1 moves to server 3.
my $p1 = $t->server_port(1);
$meta->sql("DELETE FROM __all_virtual_proxy_schema WHERE tenant_name ="
	. " 'app' AND table_name = '__all_dummy' AND sql_port <> $p1");
$meta->move_leader($ID, 1, 3);

# Several refreshes later, well within the valid time, logins still
# spread over the three servers the proxy read first.  The clients stay
# connected: one after another they would all take the one server
# session the pool keeps.
sleep 2.5;
my %seen;
my @held = grep { defined } map { $t->dbh(user => "$u\@app") } 1 .. 12;
$seen{ $_->selectrow_array('SELECT @@port') // '?' }++ for @held;
$_->disconnect() for @held;
my $early = time() - $read;
ok(keys %seen > 1 && $early < $VALID - 1, 'the tenant\'s server list is '
	. 'kept until tenant_location_valid_time') or diag(join ' ', %seen,
	sprintf('%.1fs', $early));
($out) = $t->mariadb($q, user => "$u\@app");
is($out, "s2\n", 'a table\'s locations are kept across refreshes '
	. '(partition_location_expire_relative_time 0)');

# Past the valid time (and one refresh), the new list is read.
my $only1;
for (1 .. 100) {
	last if time() - $read > $VALID + 6;
	if (time() - $read > $VALID + 1) {
		my @ports = map { scalar $t->mariadb('SELECT @@port',
			user => "$u\@app") } 1 .. 6;
		chomp @ports;
		if (!grep { $_ != $p1 } @ports) {
			$only1 = time() - $read;
			last;
		}
	}
	sleep 0.25;
}
ok(defined $only1, 'after tenant_location_valid_time the tenant\'s '
	. 'server list is read again') or diag('never');
diag(sprintf('tenant list read again after %.1fs (valid time %ds)',
	$only1 // -1, $VALID));
($out) = $t->mariadb($q, user => "$u\@app");
is($out, "s2\n", 'the table\'s locations still were not read again');
