package Test::OBProxy::ObMeta;

# An emulated OceanBase metadata schema on one MariaDB server of the
# harness: database "oceanbase" with the tables the proxy's metadata
# queries read (ODP-REFERENCE 5), under the names and with the columns
# those queries use, so that ODP's SQL runs on it unmodified.  A test
# fills it with a cluster: zones, the harness's other servers as the
# cluster's servers, tenants and partitioned tables with their tablets'
# replicas; moving a leader is an UPDATE.  Not OceanBase: only the
# columns the queries read, plain tables where OceanBase has views.
#
#   my $meta = Test::OBProxy::ObMeta->new($t, 4);   # server 4 holds it
#   $meta->zone('z1', region => 'r1', idc => 'idc1');
#   $meta->server(1, zone => 'z1');                 # server 1 serves
#   $meta->tenant('app', id => 1002, servers => [1, 2, 3]);
#   $meta->table('app', 'rt', 't_hash', id => 500001, type => 'HASH',
#       key => [ 'id', 5 ], replicas => [ [1, 2, 3], [2, 3, 1], ... ]);
#   $meta->move_leader(500001, 1, 3);   # partition 1 now led by server 3
#   $meta->table('app', 'rt', 't_range', id => 500002, type => 'RANGE',
#       key => [ 'id', 5 ], parts => [ [ 'p0', [ 100 ] ],
#       [ 'p1', [ 'MAXVALUE' ] ] ], replicas => [ [1, 2, 3], [2, 3, 1] ]);

use warnings;
use strict;

use Time::HiRes qw/time sleep/;
use Time::Local qw/timegm/;
use Test::OBProxy ();

our $CLUSTER = 'obcluster';
our $OB_VERSION = '4.2.1.0';       # what ob_version() answers
our $SYS_USER = "$Test::OBProxy::SERVICE_USER\@sys";
our $TABLET_BASE = 200000;      # tablet ids: base + table's n * span + part
our $TABLET_SPAN = 100;         # more for tables of more leaves
our $LS_BASE = 1000;            # log stream ids: base + part + 1

my @DDL = (
	'CREATE TABLE DBA_OB_ZONES (zone VARCHAR(128) PRIMARY KEY,'
	. ' status VARCHAR(32) NOT NULL, region VARCHAR(128) NOT NULL,'
	. ' idc VARCHAR(128) NOT NULL, type VARCHAR(32) NOT NULL)',
	'CREATE TABLE DBA_OB_SERVERS (svr_ip VARCHAR(46) NOT NULL,'
	. ' svr_port BIGINT NOT NULL, sql_port BIGINT NOT NULL,'
	. ' zone VARCHAR(128) NOT NULL, status VARCHAR(64) NOT NULL,'
	. ' start_service_time DATETIME NULL, stop_time DATETIME NULL,'
	. ' PRIMARY KEY (svr_ip, svr_port))',
	'CREATE TABLE V$OB_PARAMETERS (name VARCHAR(128) NOT NULL,'
	. ' value VARCHAR(256) NOT NULL)',
	'CREATE TABLE v$ob_cluster (cluster_role VARCHAR(32) NOT NULL,'
	. ' cluster_status VARCHAR(32) NOT NULL,'
	. ' primary_cluster_id BIGINT NOT NULL)',
	"INSERT INTO v\$ob_cluster VALUES ('PRIMARY', 'VALID', 0)",
	"CREATE FUNCTION ob_version() RETURNS VARCHAR(32) DETERMINISTIC"
	. " RETURN '$OB_VERSION'",
	'CREATE TABLE DBA_OB_TENANTS (tenant_id BIGINT PRIMARY KEY,'
	. ' tenant_name VARCHAR(128) NOT NULL, locality VARCHAR(256),'
	. ' previous_locality VARCHAR(256), primary_zone VARCHAR(128),'
	. ' status VARCHAR(64), tenant_role VARCHAR(32))',
	'CREATE TABLE __all_virtual_proxy_schema (tenant_name VARCHAR(128)'
	. ' NOT NULL, database_name VARCHAR(128) NOT NULL,'
	. ' table_name VARCHAR(256) NOT NULL, tablet_id BIGINT NOT NULL,'
	. ' svr_ip VARCHAR(46) NOT NULL, sql_port BIGINT NOT NULL,'
	. ' table_id BIGINT NOT NULL, role BIGINT NOT NULL,'
	. ' part_num BIGINT NOT NULL, replica_num BIGINT NOT NULL,'
	. ' table_type BIGINT NOT NULL, schema_version BIGINT NOT NULL,'
	. ' spare1 BIGINT NOT NULL DEFAULT 0,'
	. ' spare2 BIGINT NOT NULL DEFAULT 0,'
	. ' complex_table_type BIGINT NOT NULL DEFAULT 0,'
	. ' replica_type BIGINT NOT NULL DEFAULT 0,'
	. ' dup_replica_type BIGINT NOT NULL DEFAULT 0,'
	. ' memstore_percent BIGINT NOT NULL DEFAULT 100, KEY (tablet_id))',
	'CREATE TABLE __all_virtual_proxy_partition_info (table_id BIGINT'
	. ' NOT NULL, tenant_name VARCHAR(128) NOT NULL,'
	. ' part_level BIGINT NOT NULL, all_part_num BIGINT NOT NULL,'
	. ' template_num BIGINT NOT NULL DEFAULT 0,'
	. ' part_id_rule_ver BIGINT NOT NULL DEFAULT 0,'
	. ' part_type BIGINT NOT NULL, part_num BIGINT NOT NULL,'
	. ' is_column_type BIGINT NOT NULL DEFAULT 0,'
	. ' part_space BIGINT NOT NULL DEFAULT 0,'
	. " part_expr VARCHAR(4096) NOT NULL DEFAULT '',"
	. " part_expr_bin VARCHAR(4096) NOT NULL DEFAULT '',"
	. ' part_range_type VARCHAR(256) NOT NULL DEFAULT \'\','
	. ' part_interval_bin VARCHAR(4096) NOT NULL DEFAULT \'\','
	. ' interval_start_bin VARCHAR(4096) NOT NULL DEFAULT \'\','
	. ' sub_part_type BIGINT NOT NULL DEFAULT -1,'
	. ' sub_part_num BIGINT NOT NULL DEFAULT 0,'
	. ' is_sub_column_type BIGINT NOT NULL DEFAULT 0,'
	. ' sub_part_space BIGINT NOT NULL DEFAULT 0,'
	. " sub_part_expr VARCHAR(4096) NOT NULL DEFAULT '',"
	. " sub_part_expr_bin VARCHAR(4096) NOT NULL DEFAULT '',"
	. " sub_part_range_type VARCHAR(256) NOT NULL DEFAULT '',"
	. " def_sub_part_interval_bin VARCHAR(4096) NOT NULL DEFAULT '',"
	. " def_sub_interval_start_bin VARCHAR(4096) NOT NULL DEFAULT '',"
	. ' part_key_num BIGINT NOT NULL, part_key_name VARCHAR(128) NOT NULL,'
	. ' part_key_type BIGINT NOT NULL, part_key_idx BIGINT NOT NULL,'
	. ' part_key_level BIGINT NOT NULL,'
	. " part_key_extra VARCHAR(4096) NOT NULL DEFAULT '',"
	. ' part_key_collation_type BIGINT NOT NULL DEFAULT 63,'
	. ' part_key_rowkey_idx BIGINT NOT NULL DEFAULT 0,'
	. " part_key_expr VARCHAR(4096) NOT NULL DEFAULT '',"
	. ' part_key_length BIGINT NOT NULL DEFAULT 0,'
	. ' part_key_precision BIGINT NOT NULL DEFAULT 0,'
	. ' part_key_scale BIGINT NOT NULL DEFAULT 0,'
	. ' spare1 BIGINT NOT NULL DEFAULT 0,'
	. ' spare2 BIGINT NOT NULL DEFAULT 0,'
	. " spare4 VARCHAR(4096) NOT NULL DEFAULT '',"
	. ' part_key_default_value VARCHAR(4096) NULL)',
	'CREATE TABLE __all_virtual_proxy_partition (tenant_name VARCHAR(128)'
	. ' NOT NULL, table_id BIGINT NOT NULL, part_id BIGINT NOT NULL,'
	. ' tablet_id BIGINT NOT NULL, part_name VARCHAR(128) NOT NULL,'
	. " high_bound_val VARCHAR(4096) NOT NULL DEFAULT '',"
	. " high_bound_val_bin VARBINARY(4096) NOT NULL DEFAULT '',"
	. ' sub_part_num BIGINT NOT NULL DEFAULT 0)',
	'CREATE TABLE __all_virtual_proxy_sub_partition (tenant_name'
	. ' VARCHAR(128) NOT NULL, table_id BIGINT NOT NULL,'
	. ' part_id BIGINT NOT NULL, sub_part_id BIGINT NOT NULL,'
	. ' tablet_id BIGINT NOT NULL, part_name VARCHAR(128) NOT NULL,'
	. " high_bound_val VARCHAR(4096) NOT NULL DEFAULT '',"
	. " high_bound_val_bin VARBINARY(4096) NOT NULL DEFAULT '')",
	'CREATE TABLE __all_virtual_tablet_to_ls (tenant_id BIGINT NOT NULL,'
	. ' table_id BIGINT NOT NULL, tablet_id BIGINT NOT NULL,'
	. ' ls_id BIGINT NOT NULL, KEY (tablet_id))',
);

# Creates the schema on harness server <n> (started, with its accounts)
# and the account proxyro@sys (OceanBase's service account of the sys
# tenant, as a MariaDB user of that name, with the service account's
# password) reading it; the cluster is named <cluster> (default
# $CLUSTER) in V$OB_PARAMETERS.
sub new {
	my ($class, $t, $n, %o) = @_;
	my $cluster = $o{cluster} // $CLUSTER;
	my $self = bless { t => $t, n => $n, ntables => 0,
		cluster => $cluster }, $class;
	$t->_root_sql($n, 'DROP DATABASE IF EXISTS oceanbase;'
		. ' CREATE DATABASE oceanbase; USE oceanbase; '
		. join('; ', @DDL) . ';'
		. " INSERT INTO V\$OB_PARAMETERS VALUES ('cluster', '$cluster');"
		. " CREATE USER '$SYS_USER'\@'%' IDENTIFIED BY"
		. " '$Test::OBProxy::SERVICE_PASSWORD';"
		. " GRANT SELECT, EXECUTE ON oceanbase.* TO '$SYS_USER'\@'%';",
		'oceanbase schema');
	return $self;
}

# Runs <sql> as root in database oceanbase; dies when it fails.
sub sql {
	my ($self, $sql) = @_;
	$self->{t}->_root_sql($self->{n}, "USE oceanbase; $sql",
		'oceanbase schema');
	return $self;
}

sub _addr {
	my ($self, $k) = @_;
	return ('127.0.0.1', $self->{via}{$k} // $self->{t}->server_port($k));
}

# Server <k> is reached through <port> (a relay in front of it) in the
# rows written from now on.
sub via {
	my ($self, $k, $port) = @_;
	$self->{via}{$k} = $port;
	return $self;
}

# Zone <name>: region, idc, type (ReadWrite), status (ACTIVE).
sub zone {
	my ($self, $name, %o) = @_;
	return $self->sql(sprintf('INSERT INTO DBA_OB_ZONES VALUES'
		. " ('%s', '%s', '%s', '%s', '%s')", $name,
		$o{status} // 'ACTIVE', $o{region} // '', $o{idc} // '',
		$o{type} // 'ReadWrite'));
}

# Harness server <k> as a server of the cluster in zone <zone>; its RPC
# port is its SQL port + 1 (nothing listens there).
sub server {
	my ($self, $k, %o) = @_;
	my ($ip, $port) = $self->_addr($k);
	return $self->sql(sprintf('INSERT INTO DBA_OB_SERVERS VALUES'
		. " ('%s', %d, %d, '%s', '%s', NOW(), NULL)", $ip, $port + 1,
		$port, $o{zone}, $o{status} // 'ACTIVE'));
}

# Server <k>'s status in DBA_OB_SERVERS (ACTIVE, INACTIVE, DELETING).
sub server_status {
	my ($self, $k, $status) = @_;
	my ($ip, $port) = $self->_addr($k);
	return $self->sql("UPDATE DBA_OB_SERVERS SET status = '$status' WHERE"
		. " svr_ip = '$ip' AND sql_port = $port");
}

# Zone <name>'s status in DBA_OB_ZONES (ACTIVE; INACTIVE while the zone
# is stopped, as for its upgrade).
sub zone_status {
	my ($self, $name, $status) = @_;
	return $self->sql("UPDATE DBA_OB_ZONES SET status = '$status' WHERE"
		. " zone = '$name'");
}

# Zones z1 to z3 (region r1), harness servers 1 to 3 in them, tenant
# <tenant> (id 1002) on the three, and its table <db>.<name> of id <id>:
# HASH(id BIGINT) over 3 partitions, partition i led by server i + 1.
sub hash_cluster {
	my ($self, $tenant, $db, $name, $id) = @_;
	$self->zone("z$_", region => 'r1', idc => "idc$_") for 1 .. 3;
	$self->server($_, zone => "z$_") for 1 .. 3;
	$self->tenant($tenant, id => 1002, servers => [ 1, 2, 3 ]);
	return $self->table($tenant, $db, $name, id => $id, type => 'HASH',
		key => [ 'id', 5 ], replicas => [ [ 1, 2, 3 ], [ 2, 3, 1 ],
		[ 3, 1, 2 ] ]);
}

# The rows of __all_virtual_proxy_schema for one tablet: the first of
# <servers> (harness numbers) leads, the others follow.
sub _replica_rows {
	my ($self, $tenant, $db, $table, $tablet, $id, $nparts, $servers) = @_;
	my @rows;
	for my $i (0 .. $#$servers) {
		my ($ip, $port) = $self->_addr($servers->[$i]);
		push @rows, sprintf("('%s', '%s', '%s', %d, '%s', %d, %d, %d,"
			. ' %d, %d, 3, 1)', $tenant, $db, $table, $tablet, $ip,
			$port, $id, $i == 0 ? 1 : 2, $nparts, scalar @$servers);
	}
	return @rows;
}

sub _insert_replicas {
	my ($self, @rows) = @_;
	return $self->sql('INSERT INTO __all_virtual_proxy_schema'
		. ' (tenant_name, database_name, table_name, tablet_id, svr_ip,'
		. ' sql_port, table_id, role, part_num, replica_num, table_type,'
		. ' schema_version) VALUES ' . join(', ', @rows));
}

# Tenant <name> with id <id> on harness servers <servers>: its row, its
# __all_dummy entry (ODP's tenant server list), and on those servers the
# harness's account as OceanBase's servers see a tenant's user,
# "user@tenant" and "user@tenant#cluster" (the proxy logs in under these
# names), with the same password and privileges.
sub tenant {
	my ($self, $name, %o) = @_;
	my $u = $Test::OBProxy::USER;
	for my $k (@{$o{servers}}) {
		$self->{t}->_root_sql($k, join(' ', map { "CREATE USER IF NOT"
			. " EXISTS '$_'\@'%' IDENTIFIED BY"
			. " '$Test::OBProxy::PASSWORD'; GRANT ALL PRIVILEGES ON *.*"
			. " TO '$_'\@'%';" } ("$u\@$name",
			"$u\@$name#$self->{cluster}")),
			'tenant accounts');
	}
	$self->sql(sprintf('INSERT INTO DBA_OB_TENANTS VALUES'
		. " (%d, '%s', 'FULL{1}\@z1', NULL, 'RANDOM', 'NORMAL',"
		. " 'PRIMARY')", $o{id}, $name));
	$self->{tenants}{$name} = $o{id};
	return $self->_insert_replicas($self->_replica_rows($name,
		'oceanbase', '__all_dummy', 0, 1, 1, $o{servers}));
}

# Table <db>.<name> of <tenant>, id <id>: <type> (HASH, KEY, RANGE,
# RANGE COLUMNS, LIST, LIST COLUMNS) on key column <key> = [name,
# ObObjType, collation id (63, binary, unless given)], or <keys>, a list
# of them; with <sub> = { type, key or keys, n } each partition has n
# subpartitions (two levels); without <type> not partitioned.  RANGE and
# LIST levels name their partitions in <parts> (in <sub>: the
# subpartitions every partition has, as a template), each [ name, bound ]
# (see bound_bin; a reference to a string: those bytes); HASH and KEY partitions are p0, p1... (p0sp0...).
# <replicas> lists each leaf's servers (harness numbers), the leader
# first: one list per partition, per subpartition (grouped by partition)
# of a two-level table, one for a table not partitioned.  Leaf i has
# tablet $TABLET_BASE + $TABLET_SPAN * (table's n) + i.  <expr> replaces the
# partition expression (part_expr, the bare key columns unless given).
sub table {
	my ($self, $tenant, $db, $name, %o) = @_;
	my $reps = $o{replicas};
	my $n = scalar @$reps;
	my $first = $TABLET_BASE + $TABLET_SPAN * ++$self->{ntables};
	my @rows = $self->_replica_rows($tenant, $db, $name, 0, $o{id}, $n,
		$reps->[0]);
	push @rows, $self->_replica_rows($tenant, $db, $name, $first + $_,
		$o{id}, $n, $reps->[$_]) for 0 .. $n - 1;
	$self->_insert_replicas(@rows);
	$self->{tables}{$o{id}} = { tenant => $tenant, db => $db,
		name => $name, first => $first, n => $n };
	return $self unless $o{type};
	my $sub = $o{sub};
	my $nsub = $sub ? ($sub->{parts} ? scalar @{$sub->{parts}} : $sub->{n})
		: 0;
	my $nparts = $nsub ? $n / $nsub : $n;
	my @parts = _part_list($o{type}, $o{parts}, $nparts, 'p');
	my @subs = $nsub ? _part_list($sub->{type}, $sub->{parts}, $nsub, 'sp')
		: ();
	$self->_part_info($tenant, $o{id}, $o{type}, $o{keys} // [ $o{key} ],
		$nparts, $sub, $o{expr});
	my @sql = ('INSERT INTO __all_virtual_proxy_partition (tenant_name,'
		. ' table_id, part_id, tablet_id, part_name, high_bound_val_bin,'
		. ' sub_part_num) VALUES ' . join(', ', map { sprintf("('%s', %d,"
			. " %d, %d, '%s', %s, %d)", $tenant, $o{id}, $_,
			$nsub ? 0 : $first + $_, $parts[$_][0], $parts[$_][1],
			$nsub) } 0 .. $nparts - 1));
	push @sql, 'INSERT INTO __all_virtual_proxy_sub_partition (tenant_name,'
		. ' table_id, part_id, sub_part_id, tablet_id, part_name,'
		. ' high_bound_val_bin) VALUES ' . join(', ', map {
			my ($p, $k) = (int($_ / $nsub), $_ % $nsub);
			sprintf("('%s', %d, %d, %d, %d, '%s%s', %s)", $tenant,
			$o{id}, $p, $k, $first + $_, $parts[$p][0], $subs[$k][0],
			$subs[$k][1]) } 0 .. $n - 1) if $nsub;
	push @sql, 'INSERT INTO __all_virtual_tablet_to_ls VALUES '
		. join(', ', map { sprintf('(%d, %d, %d, %d)',
			$self->{tenants}{$tenant}, $o{id}, $first + $_,
			$LS_BASE + $_ + 1) } 0 .. $n - 1);
	return $self->sql(join('; ', @sql));
}

my %PART_TYPE = (HASH => 0, KEY => 1, RANGE => 3, 'RANGE COLUMNS' => 4,
	LIST => 5, 'LIST COLUMNS' => 6);

# A level's partitions as [ name, high_bound_val_bin as an SQL literal ]:
# <parts> given ([ name, bound ] each, the bound as bound_bin takes it),
# else <n> HASH partitions named <prefix>0...
sub _part_list {
	my ($type, $parts, $n, $prefix) = @_;
	my $list = $type =~ /^LIST/;
	return map { [ "$prefix$_", "''" ] } 0 .. $n - 1 unless $parts;
	return map { [ $_->[0], 'X\'' . unpack('H*', ref $_->[1] eq 'SCALAR'
		? ${$_->[1]} : bound_bin($list, $_->[1])) . "'" ] } @$parts;
}

# The rows of __all_virtual_proxy_partition_info: one per key column.
sub _part_info {
	my ($self, $tenant, $id, $type, $keys1, $nparts, $sub, $expr) = @_;
	my %ptype = %PART_TYPE;
	my $keys2 = $sub ? $sub->{keys} // [ $sub->{key} ] : [];
	my @keys = ((map { [ @$_[0 .. 2], 1 ] } @$keys1),
		(map { [ @$_[0 .. 2], 2 ] } @$keys2));
	# the expressions: the bare columns, as OceanBase lists them
	my ($expr1, $expr2) = map { join ',', map { "`$_->[0]`" } @$_ }
		$keys1, $keys2;
	$expr1 = $expr if defined $expr;
	my $nsub = $sub ? ($sub->{parts} ? scalar @{$sub->{parts}} : $sub->{n})
		: 0;
	return $self->sql('INSERT INTO __all_virtual_proxy_partition_info'
		. ' (table_id, tenant_name, part_level, all_part_num, part_type,'
		. ' part_num, part_expr, sub_part_type, sub_part_num,'
		. ' sub_part_expr, part_key_num, part_key_name, part_key_type,'
		. ' part_key_idx, part_key_level, part_key_collation_type) VALUES '
		. join(', ', map { my ($kn, $kt, $kc, $lv) = @{$keys[$_]};
			sprintf("(%d, '%s', %d, %d, %d, %d, '%s', %d, %d, '%s', %d,"
			. " '%s', %d, %d, %d, %d)", $id, $tenant, $sub ? 2 : 1,
			$nparts * ($nsub || 1), $ptype{$type} // die("$type?\n"),
			$nparts, $expr1, $sub ? $ptype{$sub->{type}} : -1,
			$nsub, $expr2, scalar @keys, $kn, $kt,
			$_, $lv, $kc // 63) } 0 .. $#keys));
}

# The tablet of partition <part> of table <id>.
sub tablet {
	my ($self, $id, $part) = @_;
	return $self->{tables}{$id}{first} + $part;
}

# Partition <part> of table <id> is led by harness server <k> from now
# on (one of its replicas); the former leader follows.
sub move_leader {
	my ($self, $id, $part, $k) = @_;
	my ($ip, $port) = $self->_addr($k);
	return $self->sql(sprintf('UPDATE __all_virtual_proxy_schema SET role ='
		. " IF(svr_ip = '%s' AND sql_port = %d, 1, 2) WHERE table_id = %d"
		. ' AND tablet_id = %d', $ip, $port, $id,
		$self->tablet($id, $part)));
}

# Moves partition <part> of table <id> to harness server <k> (as
# move_leader), then runs <sql> as <user> every 50 ms, 10 s at most,
# until it answers <want>: the seconds that took (undef: never) and the
# outputs of the statements that failed meanwhile.
sub move_and_follow {
	my ($self, $id, $part, $k, $sql, $user, $want) = @_;
	$self->move_leader($id, $part, $k);
	my $moved = time();
	my @failed;
	for (1 .. 200) {
		my ($o, $r) = $self->{t}->mariadb($sql, user => $user);
		push @failed, $o if $r;
		return (time() - $moved, @failed) if $o eq $want;
		last if time() - $moved > 10;
		sleep 0.05;
	}
	return (undef, @failed);
}

# SHOW PROXYROUTE's row of <table> (the proxy's admin password
# <password>): state, partitions, table id.
sub route_row {
	my ($self, $table, $password) = @_;
	my $out = $self->{t}->mariadb_proxysys("SHOW PROXYROUTE LIKE '$table'",
		password => $password);
	my @l = split /\n/, $out;
	my @f = split /\t/, $l[1] // '';
	return join ' ', map { $_ // '-' } @f[4, 5, 7];
}

# OceanBase's serialization of partition bounds, written here from its
# description (ObObj, ObRowkey, ObNewRow serialize; serialization.h):
# an unsigned integer in 7-bit groups, least significant first, the high
# bit set on all but the last; an object as its meta (type, collation
# level, collation, scale: a byte each) and its value.
sub _varint {
	my ($v, $bits) = @_;
	$v = int($v) & ($bits == 32 ? 0xffffffff : ~0);
	my $out = '';
	while ($v > 0x7f) {
		$out .= chr(($v & 0x7f) | 0x80);
		$v >>= 7;
	}
	return $out . chr($v);
}

# One value of a bound: an integer (BIGINT), MAXVALUE (the extended
# maximum, type 25, value 2), NULL, [ date => 'YYYY-MM-DD' ] (type 19,
# days since 1970-01-01), [ datetime => 'YYYY-MM-DD hh:mm:ss' ] (type 17,
# microseconds), [ int => n ] (INT, type 4, a 32-bit varint),
# [ tinyint => n ] (type 1, a raw byte), or any other string (VARCHAR,
# type 22, utf8mb4_general_ci: its length, its bytes, a NUL).
sub _bound_obj {
	my ($v) = @_;
	my $meta = sub { pack('C4', $_[0], $_[1] // 5, $_[2] // 63, 0xff) };
	if (ref $v) {
		my ($kind, $x) = @$v;
		if ($kind eq 'date' || $kind eq 'datetime') {
			my ($y, $m, $d, $H, $M, $S) = split /[- :]/, $x;
			my $secs = timegm($S // 0, $M // 0, $H // 0, $d, $m - 1, $y);
			return $kind eq 'date'
				? $meta->(19) . _varint($secs / 86400, 32)
				: $meta->(17) . _varint($secs * 1_000_000, 64);
		}
		return $meta->(4) . _varint($x, 32) if $kind eq 'int';
		return $meta->(1) . pack('c', $x) if $kind eq 'tinyint';
		die "bound value $kind?\n";
	}
	return $meta->(25, 0) . _varint(2, 64) if $v eq 'MAXVALUE';
	return $meta->(0, 6) if $v eq 'NULL';
	return $meta->(5) . _varint($v, 64) if $v =~ /^-?\d+$/;
	return $meta->(22, 2, 45) . _varint(length $v, 64) . $v . "\0";
}

# high_bound_val_bin of a partition: for RANGE a rowkey (the count of
# values, the values) from the list of values <bound>; for LIST (<list>
# true) rows one after the other, each its count of values, the values
# and an empty projector (a 0), <bound> a list of rows (each a list of
# values), or 'DEFAULT': one row of the extended maximum.
sub bound_bin {
	my ($list, $bound) = @_;
	my $objs = sub { _varint(scalar @{$_[0]}, 64)
		. join('', map { _bound_obj($_) } @{$_[0]}) };
	return $objs->($bound) unless $list;
	return $objs->([ 'MAXVALUE' ]) . _varint(0, 64) if $bound eq 'DEFAULT';
	return join '', map { $objs->($_) . _varint(0, 64) } @$bound;
}

1;
