#!/bin/sh
# The routed workload: sysbench point selects on a table HASH-partitioned
# over three MariaDB servers (partition p<k>, rows with id % 3 = k, led
# by server s<k+1>), through obproxy routing by the declared topology and
# through HAProxy balancing round robin (it cannot route), with one
# server directly as the baseline; and through a second obproxy that
# reads the same cluster from an emulated OceanBase metadata schema
# (t/lib/Test/OBProxy/ObMeta.pm, on server 1) instead of a topology.
# Each server holds only the rows of the partition it leads, so a
# statement that reaches another server finds no row: the run checks
# every row through obproxy, and prints the
# share of statements obproxy sent to their partition's leader (its
# route counters), the throughput of each target and the ratios.
#
# Usage: sh contrib/bench/routed.sh
#   BENCH_TIME           seconds per run (20)
#   BENCH_THREADS        sysbench thread counts ("8 32")
#   BENCH_PS_MODES       sysbench --db-ps-mode values ("auto disable":
#                        prepared statements, then text queries)
#   BENCH_KEEP           1 keeps the temporary directory and its logs
set -eu

BENCH_TIME=${BENCH_TIME:-20}
BENCH_THREADS=${BENCH_THREADS:-8 32}
BENCH_PS_MODES=${BENCH_PS_MODES:-auto disable}
BENCH_KEEP=${BENCH_KEEP:-0}

TABLE_SIZE=30000
USER=bench
PASSWORD=bench-pw
DB=sbtest
TENANT=sb
SERVICE_USER=proxyro
SERVICE_PASSWORD=proxyro-bench-pw

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=""
db_pids=""
hap_pid=""
obp_pid=""
live_pid=""
job=""
ports=""

die() {
    echo "bench: $*" >&2
    exit 1
}

for m in $BENCH_PS_MODES; do
    case $m in
    auto | disable) ;;
    *) die "BENCH_PS_MODES: '$m' is not auto or disable" ;;
    esac
done

. "$top/contrib/proc.sh"
. "$here/common.sh"
check_time_threads

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    set +e
    [ -z "$job" ] || stop_pid "$job" 10
    [ -z "$obp_pid" ] || stop_obproxy "$obp_pid"
    [ -z "$live_pid" ] || stop_obproxy "$live_pid"
    [ -z "$hap_pid" ] || stop_pid "$hap_pid" 10
    stop_servers_and_dir
    exit "$rc"
}

# Server <k> (1..3), its accounts, and the rows of partition p<k-1>.
start_server() {
    k=$1
    d=$dir/db$k
    root=""
    [ "$(id -u)" -ne 0 ] || root=--user=root
    mkdir -p "$d.tmp"
    bounded 300 mariadb-install-db --no-defaults $root --datadir="$d" \
        --tmpdir="$d.tmp" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >"$d.install.log" 2>&1 ||
        die "mariadb-install-db failed (see $d.install.log)"
    port=$(free_port)
    eval "db_port$k=$port"
    mariadbd --no-defaults $root --datadir="$d" --port="$port" \
        --bind-address=127.0.0.1 --socket="$d.sock" --pid-file="$d.pid" \
        --tmpdir="$d.tmp" --log-error="$d.err" --skip-log-bin \
        --skip-name-resolve --innodb-buffer-pool-size=64M \
        --innodb-flush-log-at-trx-commit=0 --performance-schema=OFF \
        --max-connections=1000 --max-connect-errors=1000000000 \
        --loose-feedback=OFF >/dev/null 2>&1 &
    db_pids="$db_pids $!"
    wait_listen "$port" "$!" 60 || die "mariadbd $k did not start"
    sql "$k" "DELETE FROM mysql.global_priv WHERE User = '';
        FLUSH PRIVILEGES;
        CREATE USER '$USER'@'%' IDENTIFIED BY '$PASSWORD';
        GRANT ALL PRIVILEGES ON $DB.* TO '$USER'@'%';
        CREATE USER '$SERVICE_USER'@'%' IDENTIFIED BY '$SERVICE_PASSWORD';
        GRANT SELECT ON mysql.* TO '$SERVICE_USER'@'%';
        CREATE DATABASE $DB;" || die "account setup on server $k failed"
    bounded 300 sysbench oltp_point_select --db-driver=mysql \
        --mysql-host=127.0.0.1 --mysql-port="$port" --mysql-user="$USER" \
        --mysql-password="$PASSWORD" --mysql-db="$DB" --tables=1 \
        --table-size="$TABLE_SIZE" prepare >"$d.prepare.log" 2>&1 ||
        die "sysbench prepare on server $k failed (see $d.prepare.log)"
    sql "$k" "DELETE FROM $DB.sbtest1 WHERE id % 3 <> $((k - 1))" ||
        die "trimming server $k failed"
}

start_haproxy() {
    hap_port=$(free_port)
    cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 2
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
listen mysql
    bind 127.0.0.1:$hap_port
    balance roundrobin
    server s1 127.0.0.1:$db_port1
    server s2 127.0.0.1:$db_port2
    server s3 127.0.0.1:$db_port3
EOF
    haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.out" 2>&1 &
    hap_pid=$!
    wait_listen "$hap_port" "$hap_pid" 20 || die "haproxy did not start"
}

# obproxy <name> (static, live) with configuration <conf> (where its
# routes come from): sets obp_port_<name>, obp_dir_<name>, and obp_pid
# (static) or live_pid.
start_obproxy() {
    name=$1
    port=$(free_port)
    metrics_port=$(free_port)
    d=$dir/obproxy-$name
    mkdir -p "$d/etc"
    eval "obp_port_$name=$port obp_dir_$name=$d"
    cat >"$d/etc/obproxy.yaml" <<EOF
listen_port: $port
prometheus_listen_port: $metrics_port
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 2
observer_sys_password: $(printf %s "$SERVICE_PASSWORD" | sha1sum | cut -d' ' -f1)
$2
EOF
    OBPROXY_ROOT=$d "$top/master/obproxy" -N -f "$d/etc/obproxy.yaml" \
        >"$d/stderr" 2>&1 &
    pid=$!
    if [ "$name" = static ]; then obp_pid=$pid; else live_pid=$pid; fi
    wait_listen "$port" "$pid" 20 || {
        tail -20 "$d/stderr" >&2
        die "obproxy $name did not start"
    }
    sleep 1     # the workers open their sockets after the master's
}

static_conf() {
    cat <<EOF
rootservice_list: "127.0.0.1:$db_port1;127.0.0.1:$db_port2;127.0.0.1:$db_port3"
zones: {z1: ~, z2: ~, z3: ~}
servers:
  s1: {address: "127.0.0.1:$db_port1", zone: z1}
  s2: {address: "127.0.0.1:$db_port2", zone: z2}
  s3: {address: "127.0.0.1:$db_port3", zone: z3}
tenants:
  $TENANT:
    primary_zone: "z1,z2,z3"
    databases:
      $DB:
        sbtest1:
          partition: HASH
          columns: [id INT]
          partitions: 3
          replicas:
            p0: [s1 leader, s2 follower, s3 follower]
            p1: [s2 leader, s3 follower, s1 follower]
            p2: [s3 leader, s1 follower, s2 follower]
EOF
}

# The same cluster in the test suite's emulated OceanBase metadata
# schema on server 1, filled through a stand-in for its harness.
fill_metadata() {
    bounded 60 perl -I "$top/t/lib" -e '
        package BenchServers;
        sub server_port { $_[0]{ports}[$_[1]] }
        sub _root_sql {
            my ($self, $n, $sql, $what) = @_;
            open my $p, "|-", "mariadb", "--no-defaults",
                "--socket=$self->{dir}/db$n.sock", "-uroot", "-N", "-B"
                or die "mariadb: $!\n";
            print $p $sql =~ /;\s*$/ ? "$sql\n" : "$sql;\n";
            close $p or die "$what failed\n";
        }
        package main;
        use Test::OBProxy::ObMeta;
        my ($dir, $pw, $user, $upw, $tenant, $db, @ports) = @ARGV;
        $Test::OBProxy::SERVICE_PASSWORD = $pw;
        # the servers of a live cluster see user@tenant: the fixture
        # makes those accounts for this user
        ($Test::OBProxy::USER, $Test::OBProxy::PASSWORD) = ($user, $upw);
        my $t = bless { dir => $dir, ports => [ 0, @ports ] },
            "BenchServers";
        my $meta = Test::OBProxy::ObMeta->new($t, 1);
        $meta->hash_cluster($tenant, $db, "sbtest1", 500001);
        ' "$dir" "$SERVICE_PASSWORD" "$USER" "$PASSWORD" "$TENANT" "$DB" \
        "$db_port1" \
        "$db_port2" "$db_port3" || die "filling the metadata failed"
}

live_conf() {
    cat <<EOF
rootservice_list: "127.0.0.1:$db_port1"
rootservice_cluster_name: obcluster
EOF
}

# One route counter of obproxy's, summed over its workers.
counter() {
    OBPROXY_ROOT=$1 "$top/master/obproxyctl" -d "$1" \
        status 2>/dev/null | awk -v k="$2:" '$1 == k { print $2 + 0 }'
}

# Every row, read back through obproxy by its id: each must be found.
check_rows() {
    port=$1
    found=$(bounded 300 perl -e '
        use DBI;
        my ($port, $user, $pw, $db, $n) = @ARGV;
        my $dbh = DBI->connect("DBI:MariaDB:host=127.0.0.1;port=$port;"
            . "database=$db", $user, $pw, { RaiseError => 1 });
        my $sth = $dbh->prepare("SELECT id FROM sbtest1 WHERE id = ?");
        my $found = 0;
        for my $id (1 .. $n) {
            $sth->execute($id);
            $found++ if $sth->fetchrow_array;
        }
        print $found;' "$port" "$USER@$TENANT" "$PASSWORD" "$DB" \
        "$TABLE_SIZE") || die "reading the rows through obproxy failed"
    echo "rows found through obproxy ($2): $found of $TABLE_SIZE"
    [ "$found" = "$TABLE_SIZE" ] || die "obproxy routed some rows wrong"
}

# One sysbench run; prints queries per second.
run_one() {
    port=$1 user=$2 threads=$3 mode=$4
    log=$dir/run.$port.$threads.$mode.log
    bounded $((BENCH_TIME + 60)) sysbench oltp_point_select \
        --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" \
        --mysql-user="$user" --mysql-password="$PASSWORD" \
        --mysql-db="$DB" --tables=1 --table-size="$TABLE_SIZE" \
        --db-ps-mode="$mode" --threads="$threads" --time="$BENCH_TIME" \
        --report-interval=0 run >"$log" 2>&1 || die "sysbench failed: $log"
    qps "$log"
}

# One run through obproxy <name>: prints its queries per second and the
# share of them it routed to their partition's leader.
run_proxy() {
    name=$1 threads=$2 mode=$3
    eval "port=\$obp_port_$name pdir=\$obp_dir_$name"
    l0=$(counter "$pdir" route_leader)
    o=$(run_one "$port" "$USER@$TENANT" "$threads" "$mode")
    l1=$(counter "$pdir" route_leader)
    q=$(awk '/^ *queries:/ { print $2 }' \
        "$dir/run.$port.$threads.$mode.log")
    awk -v o="$o" -v l=$((l1 - l0)) -v q="$q" \
        'BEGIN { printf "%d %.1f\n", o, (q > 0 ? 100 * l / q : 0) }'
}

main() {
    install_and_build "sysbench haproxy mariadb-server mariadb-client perl
        coreutils"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/obproxy-routed.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    for k in 1 2 3; do
        start_server "$k"
    done
    fill_metadata
    start_haproxy
    start_obproxy static "$(static_conf)"
    start_obproxy live "$(live_conf)"
    check_rows "$obp_port_static" static
    check_rows "$obp_port_live" "live metadata"
    printf '\n%-8s %7s %8s %8s %8s %8s %6s %6s %7s %8s %8s\n' ps-mode \
        threads direct HAProxy static live st/dir st/hap live/st leader% \
        lleader%
    for mode in $BENCH_PS_MODES; do
        for threads in $BENCH_THREADS; do
            d=$(run_one "$db_port1" "$USER" "$threads" "$mode")
            h=$(run_one "$hap_port" "$USER" "$threads" "$mode")
            set -- $(run_proxy static "$threads" "$mode")
            o=$1 ol=$2
            set -- $(run_proxy live "$threads" "$mode")
            awk -v m="$mode" -v t="$threads" -v d="$d" -v h="$h" -v o="$o" \
                -v ol="$ol" -v v="$1" -v vl="$2" 'BEGIN {
                printf "%-8s %7s %8d %8d %8d %8d %6.2f %6.2f %7.2f %7.1f%%" \
                    " %7.1f%%\n", m, t, d, h, o, v, (d > 0 ? o / d : 0),
                    (h > 0 ? o / h : 0), (o > 0 ? v / o : 0), ol, vl }'
        done
    done
    echo
    echo "direct: one server (a third of the rows); HAProxy: round robin"
    echo "over the three (two statements in three find no row); static:"
    echo "obproxy with the declared topology; live: obproxy reading the"
    echo "emulated OceanBase metadata; leader%, lleader%: statements each"
    echo "routed to their partition's leader (target 100)"
}

main "$@"
