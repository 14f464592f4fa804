#!/bin/sh
# The read/write split: a MariaDB primary and two replicas (real
# replication, GTIDs), sysbench oltp_read_write against the primary alone
# and through obproxy without and with enable_read_write_split (replica
# weights 1 and 1), once with sysbench's transactions (every statement
# belongs on the primary) and once with --skip-trx (reads go to the
# replicas).  For each
# run it prints the throughput and, from each server's own counters
# (Com_select, Com_insert, Com_update, Com_delete, less what replication
# applies: a replica's own binary log must not move), the share of the
# statements each server ran.  Without transactions two threads may
# insert the same id (sysbench deletes then inserts it): error 1062 is
# ignored, as sysbench ignores deadlocks.
#
# Usage: sh contrib/bench/split.sh
#   BENCH_TIME           seconds per run (20)
#   BENCH_THREADS        sysbench thread counts ("8 32")
#   BENCH_KEEP           1 keeps the temporary directory and its logs
set -eu

BENCH_TIME=${BENCH_TIME:-20}
BENCH_THREADS=${BENCH_THREADS:-8 32}
BENCH_KEEP=${BENCH_KEEP:-0}

TABLES=4
TABLE_SIZE=10000
USER=bench
PASSWORD=bench-pw
DB=sbtest
SERVICE_USER=proxyro
SERVICE_PASSWORD=proxyro-bench-pw

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=""
db_pids=""
obp_pids=""
job=""
ports=""

die() {
    echo "bench: $*" >&2
    exit 1
}


. "$top/contrib/proc.sh"
. "$here/common.sh"
check_time_threads

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    set +e
    [ -z "$job" ] || stop_pid "$job" 10
    for p in $obp_pids; do
        stop_obproxy "$p"
    done
    stop_servers_and_dir
    exit "$rc"
}

# Server <k>: 1 the primary, 2 and 3 read-only replicas; each logs its
# own binary log, so a write that reached a replica would show there.
start_server() {
    k=$1
    d=$dir/db$k
    root=""
    ro=""
    [ "$(id -u)" -ne 0 ] || root=--user=root
    [ "$k" = 1 ] || ro="--read-only=1 --skip-slave-start"
    mkdir -p "$d.tmp"
    bounded 300 mariadb-install-db --no-defaults $root --datadir="$d" \
        --tmpdir="$d.tmp" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >"$d.install.log" 2>&1 ||
        die "mariadb-install-db failed (see $d.install.log)"
    port=$(free_port)
    eval "db_port$k=$port"
    mariadbd --no-defaults $root --datadir="$d" --port="$port" \
        --bind-address=127.0.0.1 --socket="$d.sock" --pid-file="$d.pid" \
        --tmpdir="$d.tmp" --log-error="$d.err" --server-id="$k" \
        --log-bin="$d-bin" --binlog-format=ROW $ro \
        --skip-name-resolve --innodb-buffer-pool-size=64M \
        --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 \
        --performance-schema=OFF --max-connections=1000 \
        --max-connect-errors=1000000000 \
        --loose-feedback=OFF >/dev/null 2>&1 &
    db_pids="$db_pids $!"
    wait_listen "$port" "$!" 60 || die "mariadbd $k did not start"
}

# Accounts and tables on the primary, then the replicas follow it.
setup_replication() {
    sql 1 "DELETE FROM mysql.global_priv WHERE User = '';
        FLUSH PRIVILEGES;
        CREATE USER '$USER'@'%' IDENTIFIED BY '$PASSWORD';
        GRANT ALL PRIVILEGES ON $DB.* TO '$USER'@'%';
        CREATE USER '$SERVICE_USER'@'%' IDENTIFIED BY '$SERVICE_PASSWORD';
        GRANT SELECT ON mysql.* TO '$SERVICE_USER'@'%';
        CREATE USER 'repl'@'%' IDENTIFIED BY 'repl-pw';
        GRANT REPLICATION SLAVE ON *.* TO 'repl'@'%';
        CREATE DATABASE $DB;" || die "account setup on the primary failed"
    for k in 2 3; do
        sql "$k" "CHANGE MASTER TO MASTER_HOST = '127.0.0.1',
            MASTER_PORT = $db_port1, MASTER_USER = 'repl',
            MASTER_PASSWORD = 'repl-pw', MASTER_USE_GTID = slave_pos;
            START SLAVE" || die "replication start on server $k failed"
    done
    bounded 600 sysbench oltp_read_write --db-driver=mysql \
        --mysql-host=127.0.0.1 --mysql-port="$db_port1" \
        --mysql-user="$USER" --mysql-password="$PASSWORD" \
        --mysql-db="$DB" --tables=$TABLES --table-size=$TABLE_SIZE \
        prepare >"$dir/prepare.log" 2>&1 ||
        die "sysbench prepare failed (see $dir/prepare.log)"
    sync_replicas
}

sync_replicas() {
    pos=$(sql 1 "SELECT @@gtid_binlog_pos")
    for k in 2 3; do
        r=$(sql "$k" "SELECT MASTER_GTID_WAIT('$pos', 120)")
        [ "$r" = 0 ] || die "replica $k did not catch up with $pos"
    done
}

# obproxy <name> (a directory of its own) with enable_read_write_split
# <split>; sets <name>_port.
start_obproxy() {
    name=$1 split=$2
    port=$(free_port)
    metrics_port=$(free_port)
    mkdir -p "$dir/$name/etc"
    cat >"$dir/$name/etc/obproxy.yaml" <<EOF
listen_port: $port
prometheus_listen_port: $metrics_port
local_bound_ip: 127.0.0.1
automatic_match_work_thread: false
work_thread_num: 2
observer_sys_password: $(printf %s "$SERVICE_PASSWORD" | sha1sum | cut -d' ' -f1)
enable_read_write_split: $split
servers:
  primary: {address: "127.0.0.1:$db_port1", role: primary}
  replica1: {address: "127.0.0.1:$db_port2", role: replica}
  replica2: {address: "127.0.0.1:$db_port3", role: replica}
EOF
    OBPROXY_ROOT=$dir/$name "$top/master/obproxy" -N \
        -f "$dir/$name/etc/obproxy.yaml" >"$dir/$name/stderr" 2>&1 &
    pid=$!
    eval "${name}_port=$port"
    obp_pids="$obp_pids $pid"
    wait_listen "$port" "$pid" 20 || {
        tail -20 "$dir/$name/stderr" >&2
        die "obproxy did not start"
    }
    sleep 1     # the workers open their sockets after the master's
}

# "select write binlog" of server <k>: its Com_select, its Com_insert +
# Com_update + Com_delete, and its own binary log position.
snapshot() {
    sql "$1" "SELECT
        SUM(IF(VARIABLE_NAME = 'COM_SELECT', VARIABLE_VALUE, 0)),
        SUM(IF(VARIABLE_NAME IN ('COM_INSERT', 'COM_UPDATE', 'COM_DELETE'),
               VARIABLE_VALUE, 0)),
        (SELECT @@gtid_binlog_pos)
        FROM information_schema.GLOBAL_STATUS" | tr '\t' ' '
}

# One sysbench run against <port> (<skip>: --skip-trx); prints queries
# per second.
run_one() {
    port=$1 threads=$2 skip=$3
    log=$dir/run.$port.$threads.$skip.log
    bounded $((BENCH_TIME + 60)) sysbench oltp_read_write \
        --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$port" \
        --mysql-user="$USER" --mysql-password="$PASSWORD" \
        --mysql-db="$DB" --tables=$TABLES --table-size=$TABLE_SIZE \
        --skip-trx="$skip" --mysql-ignore-errors=1213,1020,1205,1062 \
        --db-ps-mode=disable --threads="$threads" \
        --time="$BENCH_TIME" --report-interval=0 run >"$log" 2>&1 ||
        die "sysbench failed: $log"
    qps "$log"
}

# The statements each server ran during a run through obproxy, as
# shares: reads on each server, writes on the primary, and whether a
# replica's own binary log moved.  A replica's Com_insert and the like
# count what replication applies, so writes are the primary's only.
shares() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        split(a, x, "|"); split(b, y, "|")
        for (k = 1; k <= 3; k++) {
            split(x[k], p, " "); split(y[k], q, " ")
            sel[k] = q[1] - p[1] - 1; wr[k] = q[2] - p[2]
            moved[k] = (p[3] != q[3])
        }
        total = sel[1] + sel[2] + sel[3] + wr[1]
        if (total <= 0) total = 1
        printf "%6.1f%% %6.1f%% %6.1f%% %6.1f%% %s\n",
            100 * sel[1] / total, 100 * wr[1] / total,
            100 * sel[2] / total, 100 * sel[3] / total,
            (moved[2] || moved[3]) ? "WRITTEN" : "none"
    }'
}

all_snapshots() {
    echo "$(snapshot 1)|$(snapshot 2)|$(snapshot 3)"
}

main() {
    install_and_build "sysbench mariadb-server mariadb-client perl
        coreutils"
    dir=$(mktemp -d "${TMPDIR:-/tmp}/obproxy-split.XXXXXX")
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    for k in 1 2 3; do
        start_server "$k"
    done
    setup_replication
    start_obproxy split true
    start_obproxy nosplit false
    printf '\n%-4s %7s %9s %9s %9s %6s  %-7s %-7s %-7s %-7s %s\n' trx \
        threads primary no-split split sp/pr "p.read" "p.write" "r1.read" \
        "r2.read" "replica binlog"
    for skip in off on; do
        trx=on
        if [ "$skip" = on ]; then trx=off; fi
        for threads in $BENCH_THREADS; do
            p=$(run_one "$db_port1" "$threads" "$skip")
            sync_replicas
            n=$(run_one "$nosplit_port" "$threads" "$skip")
            sync_replicas
            s0=$(all_snapshots)
            o=$(run_one "$split_port" "$threads" "$skip")
            s1=$(all_snapshots)
            sync_replicas
            printf '%-4s %7s %9d %9d %9d %6.2f  %s\n' "$trx" "$threads" \
                "$p" "$n" "$o" "$(awk -v p="$p" -v o="$o" \
                'BEGIN { print (p > 0 ? o / p : 0) }')" \
                "$(shares "$s0" "$s1")"
        done
    done
    echo
    echo "primary: sysbench against the primary alone; no-split, split:"
    echo "through obproxy without and with enable_read_write_split (weights"
    echo "1:1); the shares are the split's run.  trx on:"
    echo "sysbench's BEGIN/COMMIT (every statement on the primary); off:"
    echo "--skip-trx (reads on the replicas, writes on the primary).  Shares"
    echo "of the statements obproxy sent, from the servers' own counters."
}

main "$@"
