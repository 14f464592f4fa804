#!/usr/bin/perl

# The OceanBase metadata source within routing_cache_mem_limited: with
# the smallest cache (1MB: a set fits half of it) and tables of 240
# partitions each, touching more tables than fit, one after another,
# leaves the least recently used out of the route cache (SHOW
# PROXYROUTE no longer lists them; the others keep their last access
# time, in the order they were used); a table used again stays while an
# older one goes; a statement on an evicted table is held for one new
# lookup and lands on its partition's leader; route_evicted counts the
# evictions, the same in obproxyctl status, SHOW PROXYSTAT and /metrics.

use warnings;
use strict;

use Digest::SHA qw/sha1_hex/;
use HTTP::Tiny;
use Test::More;
use Time::HiRes qw/time sleep/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;
use Test::OBProxy::ObMeta;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb mariadb-install-db/)
	->plan(13);
$t->run_routing_cluster();
$t->start_mariadb(4);

my $N = 34;                 # tables touched: more than fit
my $P = 240;                # partitions of each (tablet ids fit a query)
my $ID = 600000;
my @names = map { sprintf('t%02d', $_) } 1 .. $N;

$Test::OBProxy::ObMeta::TABLET_SPAN = 1000;
my $meta = Test::OBProxy::ObMeta->new($t, 4);
$meta->hash_cluster('app', 'rt', 't_hash', $ID);
# Each table HASH(id BIGINT) over $P partitions, partition i led by
# server i % 3 + 1; on the servers a row per table saying which answered.
my @rot = ([ 1, 2, 3 ], [ 2, 3, 1 ], [ 3, 1, 2 ]);
for my $i (0 .. $#names) {
	$meta->table('app', 'rt', $names[$i], id => $ID + 1 + $i,
		type => 'HASH', key => [ 'id', 5 ],
		replicas => [ map { $rot[$_ % 3] } 0 .. $P - 1 ]);
}
for my $n (1 .. 3) {
	$t->_root_sql($n, join(' ', map { "CREATE TABLE rt.$_ (id BIGINT"
		. " PRIMARY KEY, srv VARCHAR(8)); INSERT INTO rt.$_ VALUES"
		. " (0, 's$n'), (1, 's$n'), (2, 's$n');" } @names), 'tables');
}

my $ADMIN_PW = 'admin-pw';
$t->write_conf("automatic_match_work_thread: false\nwork_thread_num: 2\n"
	. 'obproxy_sys_password: ' . sha1_hex($ADMIN_PW) . "\n"
	. 'rootservice_list: "' . $t->server(4) . "\"\n"
	. "rootservice_cluster_name: $Test::OBProxy::ObMeta::CLUSTER\n"
	. "routing_cache_mem_limited: 1MB\n"
	. "server_state_refresh_interval: 2s\n"
	. "short_async_task_timeout: 5s\n")->run();
ok($t->waitfor(sub { $t->log() =~ /oceanbase metadata: route cache generation \d+ published \(3 servers/ }, 10),
	'the metadata source publishes') or diag($t->log());

my $u = $t->user();

# The statement on <table> for id <id>: the server that answered.
sub srv {
	my ($table, $id) = @_;
	my ($out) = $t->mariadb("SELECT srv FROM rt.$table WHERE id = $id",
		user => "$u\@app");
	chomp $out;
	return $out;
}

# SHOW PROXYROUTE's tables: name => last_access_time.
sub listed {
	my $out = $t->mariadb_proxysys('SHOW PROXYROUTE', password => $ADMIN_PW);
	my %at;
	for (split /\n/, $out) {
		my @f = split /\t/;
		$at{$f[3]} = $f[13] if defined $f[13] && $f[3] =~ /^t\d\d$/;
	}
	return \%at;
}

sub evicted_stat {
	return $t->status()->{route_evicted} // -1;
}

# Every table once, in order: each statement waits for its lookup.
my @got = map { srv($_, 1) } @names;
is(join(' ', @got), join(' ', ('s2') x $N), 'each table, read on its '
	. 'first statement, answers from partition 1\'s leader');
my $at = listed();
my $fit = scalar keys %$at;
diag("$fit tables of $P partitions fit in 1MB");
ok($fit >= 3 && $fit <= $N - 3, 'only some of the tables stay in the cache')
	or diag(join ' ', sort keys %$at);
my @kept = @names[$N - $fit .. $N - 1];
is(join(' ', sort keys %$at), join(' ', @kept), 'the most recently used '
	. 'stay, the least recently used went');
my @times = map { $at->{$_} } @kept;
is(join(' ', @times), join(' ', sort @times), 'their last access times '
	. 'follow the order they were used in');
ok(!grep({ $_ eq '' } @times), 'every table listed has a last access time');
is(evicted_stat(), $N - $fit, 'route_evicted counts each table left out');

# The oldest table kept is used again (a hit: no lookup), then an
# evicted one: the one that goes is the next oldest, not the one used.
my ($old, $next) = @kept[0, 1];
srv($old, 2);
sleep 0.05;
$t->root_query(4, "SET GLOBAL log_output = 'TABLE', general_log = 1");
my $start = time();
my @again = map { srv($names[0], $_) } 0 .. 2;
my $took = time() - $start;
is(join(' ', @again), 's1 s2 s3', 'statements on an evicted table land on '
	. 'their partitions\' leaders');
my $lookups = $t->root_query(4, 'SELECT COUNT(*) FROM mysql.general_log'
	. " WHERE argument LIKE '%A.table_name = ''$names[0]'' AND"
	. " A.tablet_id = 0%'");
is($lookups, 1, sprintf('one new lookup for it (%.2fs)', $took));
$at = listed();
ok(exists $at->{$names[0]} && exists $at->{$old} && !exists $at->{$next},
	"$names[0] is back, $old used again stays, $next went")
	or diag(join ' ', sort keys %$at);
my $n = $N - $fit + 1;
is(evicted_stat(), $n, "route_evicted: $n");

my $stat = $t->mariadb_proxysys("SHOW PROXYSTAT LIKE 'route_evicted'",
	password => $ADMIN_PW);
like($stat, qr/^route_evicted\t$n\tCOUNTER$/m, 'SHOW PROXYSTAT shows it')
	or diag($stat);
my $res = HTTP::Tiny->new(timeout => 10)
	->get('http://127.0.0.1:' . $t->port('prometheus') . '/metrics');
like($res->{content} // '', qr/^obproxy_route_evicted_total $n$/m,
	'/metrics: obproxy_route_evicted_total');

$t->stop();
