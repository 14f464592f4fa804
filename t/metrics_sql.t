#!/usr/bin/perl

# Tests for the per-tenant statement families of /metrics: what the test
# sends through two tenants is counted exactly, by ODP's labels
# (odp_sql_request_total by sqlType, sqlResult, slowQuery; odp_sql_cost_total;
# odp_transaction_total) and in the latency histogram
# obproxy_sql_duration_seconds, whichever of the two workers served it;
# monitor_item_limit bounds the label sets; a hostile tenant name cannot
# break the page.

use warnings;
use strict;

use HTTP::Tiny;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(19)->run_mariadb(1);
$t->write_conf(<<'EOF2')->run();
automatic_match_work_thread: false
work_thread_num: 2
slow_query_time_threshold: 200ms
EOF2

my $url = 'http://127.0.0.1:' . $t->port('prometheus') . '/metrics';
my $http = HTTP::Tiny->new(timeout => 10);
ok($t->waitfor(sub { ($http->get($url)->{status} // 0) == 200 }, 10),
	'/metrics answers');

my $user = $t->user();
my $app = $t->dbh(user => "$user\@app") or BAIL_OUT($t->dbi_error());
$app->do('CREATE TABLE IF NOT EXISTS ms (id INT PRIMARY KEY, v INT)');
$app->do('DELETE FROM ms');
$app->selectrow_array('SELECT 1') for 1 .. 10;
$app->do("INSERT INTO ms VALUES ($_, 0)") for 1 .. 4;
$app->do('SELECT * FROM no_such_table') for 1 .. 3;
$app->selectrow_array('SELECT SLEEP(0.3)') for 1 .. 2;
$app->begin_work();
$app->do('UPDATE ms SET v = 1 WHERE id = 1');
$app->commit();

# another tenant, through several connections (both workers)
for (1 .. 4) {
	my $dbh = $t->dbh(user => "$user\@other") or next;
	$dbh->selectrow_array('SELECT 2');
	$dbh->disconnect();
}

my $m = $http->get($url)->{content};
my $base = 'odp_sql_request_total{cluster="%s",tenant="app",sqlType="%s",'
	. 'slowQuery="%s",sqlResult="%s",partitionHit="false"}';
my ($cluster) = $m =~ /^odp_sql_request_total\{cluster="([^"]*)",tenant="app"/m;
ok(defined $cluster, 'odp_sql_request_total has tenant "app"')
	or diag($m);
$cluster //= '';
my $req = sub { value($m, sprintf($base, $cluster, @_)) // 0 };
is($req->('SELECT', 'false', 'success'), 10, '10 quick SELECTs succeeded');
is($req->('SELECT', 'true', 'success'), 2, '2 slow ones (200ms threshold)');
is($req->('SELECT', 'false', 'fail'), 3, '3 SELECTs failed (1146)');
is($req->('INSERT', 'false', 'success'), 4, '4 INSERTs');
is($req->('UPDATE', 'false', 'success'), 1, '1 UPDATE');
is($req->('CREATE', 'false', 'success'), 1, '1 CREATE');
is($req->('DELETE', 'false', 'success'), 1, '1 DELETE');
ok($req->('BEGIN', 'false', 'success') + $req->('COMMIT', 'false', 'success')
	>= 1, 'the transaction\'s statements are counted');

my $other = 0;
$other += $_ for $m =~ /^odp_sql_request_total\{[^}]*tenant="other",
	sqlType="SELECT",[^}]*\}[ ](\d+)$/mgx;
is($other, 4, 'tenant "other": its 4 SELECTs, summed over the workers');

my $sel = "cluster=\"$cluster\",tenant=\"app\",sqlType=\"SELECT\"";
my $server_us = value($m, "odp_sql_cost_total{$sel,timeType=\"server\"}")
	// 0;
ok($server_us >= 600_000 && $server_us < 5_000_000,
	"odp_sql_cost_total: the SELECTs' server time ($server_us us) holds "
	. 'the two SLEEP(0.3)');

my $h = "cluster=\"$cluster\",tenant=\"app\"";
my $count = value($m, "obproxy_sql_duration_seconds_count{$h}") // 0;
my $total = 0;
$total += $_ for $m =~ /^odp_sql_request_total\{[^}]*tenant="app",[^}]*\}
	[ ](\d+)$/mgx;
is($count, $total, "the histogram counts every statement of \"app\" ($total)");
is(value($m, "obproxy_sql_duration_seconds_bucket{$h,le=\"0.1\"}"),
	$count - 2, '  all but the 2 slow ones under 100 ms');
ok(defined value($m, "odp_transaction_total{$h}"), 'odp_transaction_total '
	. 'has tenant "app"');

# a tenant name with a quote and a backslash is escaped
my $evil = $t->dbh(user => "$user\@ev\"il\\x");
$evil && $evil->selectrow_array('SELECT 3');
$m = $http->get($url)->{content};
like($m, qr/^odp_sql_request_total\{[^\n]*tenant="ev\\"il\\\\x"/m,
	'a quote and a backslash in a tenant name are escaped');

# monitor_item_limit bounds the label sets of these families
$t->stop();
$t->run('-o', 'monitor_item_limit=2', '-o',
	'enable_extra_prometheus_metric=true');
my $dbh = $t->dbh(user => "$user\@app");
$dbh->do('SELECT * FROM no_such_table');
$dbh->selectrow_array('SELECT 1') for 1 .. 2;
$dbh->do('DELETE FROM ms WHERE id = 0');
$m = $http->get($url)->{content} // '';
my $sets = () = $m =~ /^(?:odp_sql_request_total|odp_sql_cost_total|
	odp_transaction_total|obproxy_sql_duration_seconds_count)\{/mgx;
is($sets, 2, 'monitor_item_limit 2: two label sets shown');
like($m, qr/^odp_request_byte\{transType="request",sessionType="client"\}
	[ ][1-9]/mx, 'enable_extra_prometheus_metric: odp_request_byte');
like($m, qr/^odp_entry_total\{entryType="table_entry",routeHit="false",
	routeResult="fail"\}[ ]\d+$/mx, '  and odp_entry_total');

###############################################################################

sub value {
	my ($text, $series) = @_;
	return $text =~ /^\Q$series\E (\d+)$/m ? $1 : undef;
}
