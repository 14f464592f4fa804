#!/usr/bin/perl

# Tests for /metrics, served by the monitor on prometheus_listen_port:
# GET /metrics answers the Prometheus text format (every line checked
# against the format's grammar, every counter of obproxyctl status
# present, promtool's check too when it is installed); the counters follow
# what the test did (logins, connections); other paths get 404, garbage
# 400, an oversize head 431; a slow client is cut and too many clients
# are closed at once, without disturbing the proxy; enable_prometheus
# false leaves the port closed.

use warnings;
use strict;

use HTTP::Tiny;
use IO::Socket::INET;
use Test::More;
use Time::HiRes qw/time/;

BEGIN { use FindBin; chdir($FindBin::Bin); }

use lib 'lib';
use Test::OBProxy;

my $t = Test::OBProxy->new()->has(qw/mariadbd mariadb-install-db
	DBD::MariaDB/)->plan(29)->run_mariadb(1);
$t->write_conf(<<'EOF2')->run();
automatic_match_work_thread: false
work_thread_num: 2
EOF2

my $port = $t->port('prometheus');
my $url = "http://127.0.0.1:$port/metrics";
my $http = HTTP::Tiny->new(timeout => 10);

my $res;
ok($t->waitfor(sub { ($res = $http->get($url))->{status} == 200 }, 10),
	'GET /metrics: 200') or diag("$res->{status} $res->{content}");
is($res->{headers}{'content-type'},
	'text/plain; version=0.0.4; charset=utf-8', 'the exposition format');
my $body = $res->{content};
is(join("\n", format_errors($body)), '', 'every line follows the format');
my $st = $t->status();
my @missing = grep { !defined metric($body, "obproxy_$_")
	&& !defined metric($body, "obproxy_${_}_total") }
	grep { /^[a-z_]+$/ && defined $st->{$_} && $st->{$_} =~ /^\d+$/ }
	stat_names($st);
is("@missing", '', 'every counter of obproxyctl status is there');
ok(defined metric($body, 'obproxy_login_ok_total'), 'a counter ends in '
	. '_total');
my (undef, $version) = $t->obproxy('-V');
($version) = ($version // '') =~ /(\d+\.\d+\.\d+[\w.+~-]*)/;
is(metric($body, 'obproxy_build_info', "version=\"$version\""), 1,
	'build info names the version');
is(metric($body, 'obproxy_workers', 'state="running"'), 2,
	'two workers running');
# promtool lints too: ODP's families keep ODP's camelCase labels and
# counters without _total, so it reads obproxy's own.
SKIP: {
	my $promtool = Test::OBProxy::_find_program('promtool');
	skip 'no promtool (Debian package prometheus)', 1 unless $promtool;
	$t->write_file('metrics.txt', join '', grep { !/\bodp_/ }
		split /^/, $body);
	my ($rc, $out) = $t->run_cmd([ 'sh', '-c', "$promtool check metrics "
		. '< ' . $t->testdir() . '/metrics.txt' ], timeout => 30);
	is($rc, 0, 'promtool check metrics') or diag($out);
}

# Three logins: the counters move by three (once the harness's own
# connection to the client port, made at start, is counted and gone).
$t->waitfor(sub { (metric($body = $http->get($url)->{content},
	'obproxy_client_active') // -1) == 0 }, 5);
my %before = map { $_ => metric($body, $_) // -1 } qw/obproxy_login_ok_total
	obproxy_client_accepted_total/;
my $odp_before = summed($body, 'odp_new_client_connections',
	'connectionResult="success"');
for (1 .. 3) {
	my $dbh = $t->dbh();
	$dbh && $dbh->selectrow_array('SELECT 1');
	$dbh && $dbh->disconnect();
}
$body = $http->get($url)->{content};
is(metric($body, 'obproxy_login_ok_total') - $before{obproxy_login_ok_total},
	3, 'three logins: obproxy_login_ok_total + 3') or diag($body);
is(metric($body, 'obproxy_client_accepted_total')
	- $before{obproxy_client_accepted_total}, 3,
	'three connections: obproxy_client_accepted_total + 3');
is(summed($body, 'odp_new_client_connections', 'connectionResult="success"')
	- $odp_before, 3, 'ODP\'s name: odp_new_client_connections + 3');
my $dbh = $t->dbh();
$body = $http->get($url)->{content};
is(summed($body, 'odp_current_session', 'sessionType="client"'), 1,
	'odp_current_session counts the open client');
my $srv = 'server="' . $t->server(1) . '"';
is(join(' ', map { metric($body, "obproxy_server_$_", $srv) // '-' }
	qw/sessions pool_idle/), join(' ', map { metric($body, $_) // '-' }
	qw/obproxy_server_active obproxy_pool_idle/),
	'the server\'s connections and pooled ones, as the totals say');
ok((metric($body, 'obproxy_server_sessions', $srv) // 0) >= 1,
	'  one at least: the open client\'s');
unlike($body, qr/^odp_(?:request_byte|entry_total)\b/m,
	'no odp_request_byte nor odp_entry_total without '
	. 'enable_extra_prometheus_metric');

is($http->get("http://127.0.0.1:$port/other")->{status}, 404,
	'another path: 404');
is($http->post($url)->{status}, 404, 'another method: 404');
like(raw("\x01\x02garbage\r\n\r\n"), qr{^HTTP/1\.1 400 }, 'garbage: 400');
like(raw('GET /metrics HTTP/1.1' . ('x' x 5000)), qr{^HTTP/1\.1 431 },
	'an oversize request: 431');

# A client that never ends its request is cut; meanwhile others are
# answered and the proxy serves.
my $slow = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
print {$slow} "GET /metrics HTTP/1.1\r\n";
is($http->get($url)->{status}, 200, 'answered while a slow client waits');
ok($dbh && $dbh->selectrow_array('SELECT 1'), 'the proxy serves meanwhile');
my $start = time();
my $got = read_all($slow, 10);
ok($got eq '' && time() - $start < 8, 'the slow client is cut') or
	diag(sprintf('%.1f s: %s', time() - $start, $got));

# More clients than the bound: the extra one is closed at once.
my @held = map { IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") }
	1 .. 32;
sleep 0.3;
my $extra = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port");
is(read_all($extra, 3), '', 'a client beyond the bound is closed');
close $_ for @held, $extra;
ok($t->waitfor(sub { ($http->get($url)->{status} // 0) == 200 }, 5),
	'answered again once they left');
$dbh->disconnect();

# Hot upgrade: the new generation's monitor takes the port once the old
# one hands it over; the counters go on (the segment is kept).
my $logins = metric($http->get($url)->{content}, 'obproxy_login_ok_total');
my ($rc, $out) = $t->ctl('upgrade');
is($rc, 0, 'hot upgrade serves') or diag($out);
$t->ctl('commit');
$t->follow_upgrade(20);
my $after = '';
ok($t->waitfor(sub { ($after = $http->get($url)->{content} // '')
	=~ /^obproxy_hot_upgrades_total 1$/m }, 10),
	'after the upgrade: /metrics from the new generation, one upgrade');
is(metric($after, 'obproxy_login_ok_total'), $logins,
	'the counters survive the upgrade');

# Disabled: nothing listens; the monitor still runs.
$t->stop();
$t->run('-o', 'enable_prometheus=false');
ok($t->waitfor(sub { $t->monitor() }, 10), 'disabled: the monitor runs');
sleep 1.5;
ok(!IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port"),
	'disabled: nothing listens on prometheus_listen_port');

###############################################################################

# The value of sample <name>{<labels>}, or undef.
sub metric {
	my ($text, $name, $labels) = @_;
	my $l = defined $labels ? "\\{\Q$labels\E\\}" : '';
	return $text =~ /^\Q$name\E$l (\d+)$/m ? $1 : undef;
}

# The samples of family <name> with <label> among theirs, summed (over
# the tenants).
sub summed {
	my ($text, $name, $label) = @_;
	my $n = 0;
	$n += $_ for $text =~ /^\Q$name\E\{[^}]*\Q$label\E[^}]*\}[ ](-?\d+)$/mg;
	return $n;
}

# The names obproxyctl status prints as stats: the lines after the last
# server or worker line, "name: N".
sub stat_names {
	my ($s) = @_;
	my @names = $s->{text} =~ /^([a-z_]+): \d+$/mg;
	return grep { !/^(?:pid|generation|generations|connections|workers)$/ }
		@names;
}

# Lines that break the text format 0.0.4: HELP and TYPE once per family,
# TYPE before its samples (a histogram's _bucket, _sum and _count under
# its name), sample names and labels by the grammar, counters' families
# ending in _total or known from ODP.
sub format_errors {
	my ($text) = @_;
	my (%type, %help, @bad);
	my $name = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
	my $label = qr/[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"/;
	push @bad, 'no final newline' unless $text =~ /\n\z/;
	for my $line (split /\n/, $text) {
		if ($line =~ /^# HELP ($name) \S.*$/) {
			push @bad, "second HELP: $line" if $help{$1}++;
		} elsif ($line =~ /^# TYPE ($name) (counter|gauge|histogram)$/) {
			push @bad, "second TYPE: $line" if $type{$1};
			$type{$1} = $2;
		} elsif ($line =~ /^($name)(?:\{$label(?:,$label)*\})?
			\ \d+(?:\.\d+)?$/x) {
			my $n = $1;
			(my $base = $n) =~ s/_(?:bucket|sum|count)$//;
			push @bad, "no TYPE before: $line"
				unless $type{$n} || ($type{$base} // '') eq 'histogram';
		} else {
			push @bad, "bad line: $line";
		}
	}
	push @bad, map { "counter without _total: $_" }
		grep { $type{$_} eq 'counter' && !/_total$/ && !/^odp_/ }
		keys %type;
	return @bad;
}

# Sends <text> on a new connection; the answer up to the server's close.
sub raw {
	my ($text) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port")
		or return "connect: $!";
	print {$s} $text;
	return read_all($s, 10);
}

# What <s> reads until end of file, at most <timeout> seconds.
sub read_all {
	my ($s, $timeout) = @_;
	my $out = '';
	my $deadline = time() + $timeout;
	while (time() < $deadline) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		select($rin, undef, undef, 0.2) or next;
		my $n = sysread($s, my $buf, 65536);
		last unless $n;
		$out .= $buf;
	}
	return $out;
}
