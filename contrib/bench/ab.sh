#!/bin/sh
# Compares two obproxy binaries in one run: the cost of a change on the
# hot path.  One mariadbd, obproxy A (AB_BASE, the binary before the
# change) and obproxy B (this tree's master/obproxy, or AB_NEW), each with
# 2 workers, both started at once; sysbench oltp_point_select through A,
# B, B, A, ... (AB_ROUNDS rounds), so the drift of a shared machine hits
# both.  Prints per run and as medians: QPS, the proxy's CPU seconds
# (master and workers, utime + stime) and QPS per proxy CPU-second, and
# the ratio B/A of the medians.
#
#   AB_BASE=/path/to/old/obproxy sh contrib/bench/ab.sh
#
# Options: AB_TIME=15 (s per run), AB_THREADS=32, AB_ROUNDS=3,
# AB_SYSBENCH_OPTS="--db-ps-mode=disable" (text statements), AB_CONF
# (more YAML lines for both proxies), AB_KEEP=1 (keep the directory).
set -eu

AB_TIME=${AB_TIME:-15}
AB_THREADS=${AB_THREADS:-32}
AB_ROUNDS=${AB_ROUNDS:-3}
AB_SYSBENCH_OPTS=${AB_SYSBENCH_OPTS:-}
AB_CONF=${AB_CONF:-}
AB_KEEP=${AB_KEEP:-0}

TABLES=4
TABLE_SIZE=10000
USER=bench
PASSWORD=bench-pw
DB=sbtest
SERVICE_USER=proxyro
SERVICE_PASSWORD=proxyro-bench-pw
BENCH_IDLE=100

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
AB_NEW=${AB_NEW:-$top/master/obproxy}
dir=""
db_pid=""
pid_a=""
pid_b=""
job=""
ports=""

die() {
    echo "ab: $*" >&2
    exit 1
}

[ -n "${AB_BASE:-}" ] && [ -x "$AB_BASE" ] ||
    die "AB_BASE must name the obproxy binary to compare with"
[ -x "$AB_NEW" ] || die "no obproxy binary at $AB_NEW"
command -v sysbench >/dev/null || die "sysbench is not installed"

. "$top/contrib/proc.sh"
. "$here/common.sh"

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    set +e
    [ -z "$job" ] || stop_pid "$job" 10
    [ -z "$pid_a" ] || stop_obproxy "$pid_a"
    [ -z "$pid_b" ] || stop_obproxy "$pid_b"
    [ -z "$db_pid" ] || stop_pid "$db_pid" 60
    if [ -n "$dir" ] && [ "$AB_KEEP" = 1 ]; then
        echo "ab: files left in $dir"
    elif [ -n "$dir" ]; then
        rm -rf "$dir"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# CPU clock ticks used by an obproxy master and its workers so far.
ticks() {
    s=0
    for p in "$1" $(children "$1"); do
        t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null |
            awk '{ print $12 + $13 + $14 + $15 }') || t=0
        s=$((s + ${t:-0}))
    done
    echo "$s"
}

# Starts <binary> as proxy <name>; sets port_<name> and pid_<name>.
start_proxy() {
    name=$1 bin=$2
    port=$(free_port)
    mkdir -p "$dir/$name/etc"
    {
        echo "listen_port: $port"
        echo "prometheus_listen_port: $(free_port)"
        echo "local_bound_ip: 127.0.0.1"
        echo "rootservice_list: \"127.0.0.1:$db_port\""
        echo "automatic_match_work_thread: false"
        echo "work_thread_num: 2"
        echo "observer_sys_password: $(printf %s "$SERVICE_PASSWORD" |
            sha1sum | cut -d' ' -f1)"
        [ -z "$AB_CONF" ] || printf '%s\n' "$AB_CONF"
    } >"$dir/$name/etc/obproxy.yaml"
    OBPROXY_ROOT=$dir/$name "$bin" -N -f "$dir/$name/etc/obproxy.yaml" \
        >"$dir/$name/stderr" 2>&1 &
    eval "pid_$name=\$!; port_$name=\$port"
    wait_listen "$port" "$!" 20 || {
        tail -20 "$dir/$name/stderr" >&2
        die "obproxy $name did not start"
    }
}

# sysbench's options for port <port>.
sb_args() {
    echo --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$1" \
        --mysql-user="$USER" --mysql-password="$PASSWORD" --mysql-db="$DB" \
        --tables=$TABLES --table-size=$TABLE_SIZE $AB_SYSBENCH_OPTS
}

# One run through proxy <name>: "name qps cpu-seconds qps-per-cpu-second".
run_one() {
    name=$1
    eval "port=\$port_$name; pid=\$pid_$name"
    t0=$(ticks "$pid")
    bounded $((AB_TIME + 60)) sysbench oltp_point_select $(sb_args "$port") \
        --threads="$AB_THREADS" \
        --time="$AB_TIME" --report-interval=0 run >"$dir/run.log" 2>&1 ||
        { tail -5 "$dir/run.log" >&2; die "sysbench through $name failed"; }
    t1=$(ticks "$pid")
    awk -v name="$name" -v cpu=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
        /^ *queries:/ { q = $2 }
        /^ *total time:/ { secs = $3 + 0 }
        END { printf "%s %.0f %.2f %.0f\n", name, q / secs, cpu / hz,
              q / (cpu / hz) }' "$dir/run.log"
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/obproxy-ab.XXXXXX")
start_mariadb
start_proxy a "$AB_BASE"
start_proxy b "$AB_NEW"
bounded 600 sysbench oltp_point_select $(sb_args "$db_port") \
    --threads=$TABLES prepare >"$dir/prepare.log" 2>&1 ||
    { tail -20 "$dir/prepare.log" >&2; die "sysbench prepare failed"; }
for name in a b; do
    eval "port=\$port_$name"
    bounded 60 sysbench oltp_point_select $(sb_args "$port") --threads=8 \
        --time=3 run >/dev/null 2>&1 ||
        die "warm-up through $name failed"
done
echo "oltp_point_select, $AB_THREADS threads, $AB_TIME s per run," \
    "$AB_ROUNDS rounds of A B B A; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "  A: $AB_BASE"
echo "  B: $AB_NEW"
: >"$dir/results"
r=0
while [ "$r" -lt "$AB_ROUNDS" ]; do
    for name in a b b a; do
        line=$(run_one "$name")
        echo "$line" | awk '{ printf "  %s %8d qps %7.2f cpu-s %7d qps/cpu-s\n",
            toupper($1), $2, $3, $4 }'
        echo "$line" >>"$dir/results"
    done
    r=$((r + 1))
done
sort -k1,1 -k4n "$dir/results" | awk '
    { v[$1, ++n[$1]] = $4; q[$1, n[$1]] = $2 }
    function med(k, arr,   i, m) { m = n[k]; return m % 2 ? arr[k, (m + 1) / 2] \
        : (arr[k, m / 2] + arr[k, m / 2 + 1]) / 2 }
    END {
        a = med("a", v); b = med("b", v)
        printf "median qps per proxy cpu-second: A %d, B %d, B/A %.3f\n",
            a, b, b / a
    }'
