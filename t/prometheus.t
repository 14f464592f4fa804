#!/usr/bin/perl

# A real Prometheus server (Debian's package) scrapes obproxy's /metrics
# every second while the test logs in and runs statements; PromQL over
# what it stored gives back exactly what the test did: the logins and
# connections counted, the statements of a tenant, obproxy's and ODP's
# families alike, the worker gauge, and a rate that is not zero while the
# load runs; every query of contrib/grafana's dashboard finds data.

use warnings;
use strict;

use HTTP::Tiny;
use JSON::PP;
use Test::More;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB prometheus/)->plan(9)->run_mariadb(1);
$t->write_conf(<<'EOF2')->run();
automatic_match_work_thread: false
work_thread_num: 2
slow_query_time_threshold: 100ms
EOF2

my $port = $t->port('prometheus');
my $pport = $t->port('prometheus-server');
$t->write_file('prometheus.yml', <<"EOF2");
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: obproxy
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF2
my $dir = $t->testdir();
my $prom = $t->daemon([ Test::OBProxy::_find_program('prometheus'),
	"--config.file=$dir/prometheus.yml", "--storage.tsdb.path=$dir/tsdb",
	"--web.listen-address=127.0.0.1:$pport" ]);
my $http = HTTP::Tiny->new(timeout => 5);

ok($t->waitfor(sub { (query('up{job="obproxy"}') // 0) == 1 }, 30),
	'Prometheus scrapes obproxy: up == 1')
	or diag($t->daemon_stop($prom));
is(query('obproxy_workers{state="running"}'), 2,
	'obproxy_workers: the two running workers');

# The counters as Prometheus last stored them, once it has the value
# /metrics gives now (nothing else logs in meanwhile).
my %before = map { $_ => settled($_) } 'obproxy_login_ok_total';
ok(!grep({ !defined } values %before), 'the counters before the load')
	or diag(explain(\%before));

my $slow = $t->dbh(user => $t->user() . '@other');
$slow && $slow->selectrow_array('SELECT SLEEP(0.2)');
my $rate_seen = 0;
for my $n (1 .. 7) {
	my $dbh = $t->dbh(user => $t->user() . '@app') or last;
	$dbh->selectrow_array('SELECT 1') for 1 .. 20;
	$dbh->do('SELECT * FROM no_such_table');
	$dbh->disconnect();
	$rate_seen ||= (query('rate(obproxy_login_ok_total[5s])') // 0) > 0
		if $n > 3;
	select(undef, undef, undef, 0.4);
}
is(settled('obproxy_login_ok_total') - $before{obproxy_login_ok_total}, 8,
	'PromQL: obproxy_login_ok_total grew by the 8 logins');
my $logins = 'sum(odp_new_client_connections{connectionResult="success",'
	. 'tenant=~"app|other"})';
my $n;
ok($t->waitfor(sub { ($n = query($logins) // -1) == 8 }, 10),
	"PromQL: $logins is those 8 logins") or diag($n);
my $q = 'sum(odp_sql_request_total{tenant="app",sqlType="SELECT"})';
my $sum;
ok($t->waitfor(sub { ($sum = query($q) // -1) == 147 }, 10),
	"PromQL: $q is the 7 x 21 SELECTs sent as tenant app") or diag($sum);
ok($rate_seen || $t->waitfor(sub {
	(query('rate(obproxy_login_ok_total[10s])') // 0) > 0 }, 5),
	'PromQL: rate(obproxy_login_ok_total) is above zero under the load');

# Every query of the Grafana dashboard runs on what Prometheus stored
# and finds data (the template variables stand for every job and tenant;
# the replicas' panel has none: the one server here does not replicate).
my $dash = eval { decode_json($t->read_file("$FindBin::Bin/../contrib/"
	. 'grafana/obproxy.json') // '') };
my @exprs = map { $_->{expr} } map { @{$_->{targets} // []} }
	@{$dash->{panels} // []};
my @empty;
for my $e (@exprs) {
	(my $q = $e) =~ s/\$__rate_interval/30s/g;
	$q =~ s/\$(?:job|tenant)\b/.*/g;
	my $res = $http->get("http://127.0.0.1:$pport/api/v1/query?"
		. $http->www_form_urlencode({ query => $q }));
	my $r = eval { decode_json($res->{content}) } // {};
	push @empty, "$e: " . ($r->{error} // 'no data')
		unless ($r->{status} // '') eq 'success'
		&& (@{$r->{data}{result} // []} || $e =~ /_replica_/);
}
ok(@exprs >= 20 && !@empty, 'the dashboard\'s ' . scalar(@exprs)
	. ' queries all find data') or diag(join "\n", @empty);

like($t->daemon_stop($prom), qr/Server is ready to receive web requests/,
	'Prometheus ran and stopped');

###############################################################################

# The value of the PromQL instant query <q> (one sample), or undef.
sub query {
	my ($q) = @_;
	my $res = $http->get("http://127.0.0.1:$pport/api/v1/query?"
		. $http->www_form_urlencode({ query => $q }));
	return undef unless $res->{success};
	my $r = eval { decode_json($res->{content}) } or return undef;
	my $v = $r->{data}{result};
	return undef unless ref $v eq 'ARRAY' && @$v == 1;
	return $v->[0]{value}[1];
}

# <series> once Prometheus stores what /metrics says now (10 s at most).
sub settled {
	my ($series) = @_;
	my ($name, $labels) = $series =~ /^(\w+)(?:\{(.*)\})?$/;
	my $l = defined $labels ? "\\{\Q$labels\E\\}" : '';
	my $want = ($http->get("http://127.0.0.1:$port/metrics")->{content}
		// '') =~ /^\Q$name\E$l (\d+)$/m ? $1 : return undef;
	my $got;
	$t->waitfor(sub { ($got = query($series) // -1) == $want }, 10);
	return $got == $want ? $got : undef;
}
