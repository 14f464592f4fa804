#!/bin/sh
# The side-by-side benchmark of the performance notes, in one command: one
# MariaDB server, HAProxy (TCP mode, 2 threads) and obproxy (2 workers) in
# front of it, all on loopback ports of this machine.  It measures sysbench
# oltp_point_select and oltp_read_only, a connection-churn test (churn.lua)
# and the memory of idle client connections (idle.pl), and prints one
# table of medians, ratios and the targets.  The micro test (micro.c) times
# the routing decision's CPU cost per statement, with no server at all.
#
# Usage: sh contrib/bench/run.sh
#   BENCH_TIME           seconds per run (20)
#   BENCH_THREADS        sysbench thread counts ("1 8 32 128")
#   BENCH_ROUNDS         rounds; a round runs every test A B C then C B A (1)
#   BENCH_CHURN_THREADS  concurrent connect loops in the churn test (8)
#   BENCH_IDLE           idle client connections in the memory test (2000)
#   BENCH_SYSBENCH_OPTS  extra sysbench options, e.g. --db-ps-mode=disable
#   BENCH_KEEP           1 keeps the temporary directory and its logs
#   BENCH_TESTS          tests to run ("idle point_select read_only churn";
#                        also "micro", and "upgrade", opt-in: a hot
#                        upgrade under load)
#   BENCH_UPGRADE_TIME   seconds of load around the upgrade (12)
#   BENCH_UPGRADE_THREADS  sysbench threads during the upgrade (32)
#   BENCH_BASELINE       another obproxy binary, run beside the tree's in
#                        every test: the cost of a change on the hot
#                        path, as queries per proxy CPU-second of each
#   BENCH_PLOT           where plot.sh draws the run as PNG pictures
#                        (_build/bench-plots of the tree; "" draws none)
set -eu

BENCH_TIME=${BENCH_TIME:-20}
BENCH_THREADS=${BENCH_THREADS:-1 8 32 128}
BENCH_ROUNDS=${BENCH_ROUNDS:-1}
BENCH_CHURN_THREADS=${BENCH_CHURN_THREADS:-8}
BENCH_IDLE=${BENCH_IDLE:-2000}
BENCH_SYSBENCH_OPTS=${BENCH_SYSBENCH_OPTS:-}
BENCH_KEEP=${BENCH_KEEP:-0}
BENCH_TESTS=${BENCH_TESTS:-idle point_select read_only churn}
BENCH_UPGRADE_TIME=${BENCH_UPGRADE_TIME:-12}
BENCH_UPGRADE_THREADS=${BENCH_UPGRADE_THREADS:-32}
BENCH_PLOT=${BENCH_PLOT-_build/bench-plots}
BENCH_BASELINE=${BENCH_BASELINE:-}
TARGETS="direct haproxy obproxy${BENCH_BASELINE:+ baseline}"

TABLES=4
TABLE_SIZE=10000
USER=bench
PASSWORD=bench-pw
DB=sbtest
# The proxy's own account on the server (ODP's proxyro), for a proxy that
# checks client logins itself; it is given the SHA1 of the password.
SERVICE_USER=proxyro
SERVICE_PASSWORD=proxyro-bench-pw

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
dir=""
db_pid=""
hap_pid=""
obp_pid=""
base_pid=""
job=""
ports=""

die() {
    echo "bench: $*" >&2
    exit 1
}

for v in BENCH_TIME BENCH_ROUNDS BENCH_CHURN_THREADS BENCH_IDLE \
    BENCH_UPGRADE_TIME BENCH_UPGRADE_THREADS; do
    eval "val=\$$v"
    case $val in
    '' | *[!0-9]* | 0) die "$v must be a positive integer, not '$val'" ;;
    esac
done
for t in $BENCH_THREADS; do
    case $t in
    *[!0-9]* | 0) die "BENCH_THREADS: '$t' is not a positive integer" ;;
    esac
done
[ -n "$BENCH_THREADS" ] || die "BENCH_THREADS is empty"
for t in $BENCH_TESTS; do
    case $t in
    idle | point_select | read_only | churn | micro | upgrade) ;;
    *) die "BENCH_TESTS: unknown test '$t'" ;;
    esac
done
[ -n "$BENCH_TESTS" ] || die "BENCH_TESTS is empty"

# True when BENCH_TESTS names <test>.
wanted() {
    case " $BENCH_TESTS " in
    *" $1 "*) return 0 ;;
    *) return 1 ;;
    esac
}

###########################################################################
# Processes.

. "$top/contrib/proc.sh"
. "$here/common.sh"

# The processes of a proxy: HAProxy is one process (threads); obproxy is
# its master and the workers.
proxy_pids() {
    case $1 in
    haproxy) echo "$hap_pid" ;;
    obproxy) echo "$obp_pid"; children "$obp_pid" ;;
    baseline) echo "$base_pid"; children "$base_pid" ;;
    esac
}

# CPU clock ticks used so far by the processes of a proxy (0 for direct).
# The children's fields count workers that died and were reaped.
proxy_ticks() {
    s=0
    for p in $(proxy_pids "$1"); do
        t=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null |
            awk '{ print $12 + $13 + $14 + $15 }') || t=0
        s=$((s + ${t:-0}))
    done
    echo "$s"
}

# CPU clock ticks mariadbd (all its threads) has used so far.
server_ticks() {
    sed 's/^.*) //' "/proc/$db_pid/stat" 2>/dev/null |
        awk '{ print $12 + $13 }'
}

# CPU clock ticks the whole machine has been busy (not idle, not waiting
# for a disk) so far: every process and the kernel's interrupt work.
machine_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

# Resident memory in KiB summed over the processes of a proxy.
proxy_rss() {
    s=0
    for p in $(proxy_pids "$1"); do
        r=$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status" 2>/dev/null) ||
            r=0
        s=$((s + ${r:-0}))
    done
    echo "$s"
}

cleanup() {
    rc=$?
    trap - EXIT INT TERM
    set +e
    [ -z "$job" ] || stop_pid "$job" 10
    [ -z "$obp_pid" ] || stop_obproxy "$obp_pid"
    [ -z "$base_pid" ] || stop_obproxy "$base_pid"
    [ -z "$hap_pid" ] || stop_pid "$hap_pid" 10
    [ -z "$db_pid" ] || stop_pid "$db_pid" 60
    if [ -n "$dir" ] && [ "$BENCH_KEEP" = 1 ]; then
        echo "bench: logs left in $dir"
    elif [ -n "$dir" ]; then
        rm -rf "$dir"
    fi
    exit "$rc"
}

###########################################################################
# Setup.

# Idle connections need one descriptor each in the client and two in a
# relaying proxy; root may raise the limit up to the hard one.  (ulimit -n
# is not in POSIX, but dash, bash and busybox sh have it.)
raise_fd_limit() {
    need=$((BENCH_IDLE * 2 + 1000))
    cur=$(ulimit -n)
    [ "$cur" = unlimited ] || [ "$cur" -ge "$need" ] && return 0
    ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null ||
        :
    cur=$(ulimit -n)
    [ "$cur" = unlimited ] || [ "$cur" -ge $((BENCH_IDLE + 100)) ] ||
        die "open files limit $cur is too low for BENCH_IDLE=$BENCH_IDLE"
}

start_haproxy() {
    hap_port=$(free_port)
    cat >"$dir/haproxy.cfg" <<EOF
global
    nbthread 2
    maxconn $((BENCH_IDLE * 2 + 1000))

defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h

listen mysql
    bind 127.0.0.1:$hap_port
    server db 127.0.0.1:$db_port
EOF
    haproxy -db -f "$dir/haproxy.cfg" >"$dir/haproxy.out" 2>&1 &
    hap_pid=$!
    wait_listen "$hap_port" "$hap_pid" 20 || {
        tail -20 "$dir/haproxy.out" >&2
        die "haproxy did not start"
    }
}

# Starts obproxy binary <bin> in $dir/<name>: sets started_pid,
# started_port and started_workers.
start_proxy() {
    bin=$1 pdir=$dir/$2
    started_port=$(free_port)
    metrics_port=$(free_port)
    mkdir -p "$pdir/etc"
    cat >"$pdir/etc/obproxy.yaml" <<EOF
listen_port: $started_port
prometheus_listen_port: $metrics_port
local_bound_ip: 127.0.0.1
rootservice_list: "127.0.0.1:$db_port"
automatic_match_work_thread: false
work_thread_num: 2
EOF
    # Only a binary that checks logins itself knows the parameter.
    if "$bin" --help-params | grep -qx observer_sys_password; then
        echo "observer_sys_password: $(printf %s "$SERVICE_PASSWORD" |
            sha1sum | cut -d' ' -f1)" >>"$pdir/etc/obproxy.yaml"
    fi
    OBPROXY_ROOT=$pdir "$bin" -N -f "$pdir/etc/obproxy.yaml" \
        >"$pdir/stderr" 2>&1 &
    started_pid=$!
    wait_listen "$started_port" "$started_pid" 20 || {
        tail -20 "$pdir/stderr" >&2
        die "$bin did not start"
    }
    # The workers open their listening sockets after the master's.
    n=0
    while [ "$(children "$started_pid" | wc -l)" -lt 2 ] &&
        [ "$n" -lt 100 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    started_workers=$(children "$started_pid" | tr '\n' ' ')
}

start_obproxy() {
    start_proxy "$top/master/obproxy" obproxy
    obp_pid=$started_pid obp_port=$started_port
    obp_workers=$started_workers
    [ -n "$BENCH_BASELINE" ] || return 0
    start_proxy "$BENCH_BASELINE" baseline
    base_pid=$started_pid base_port=$started_port
}

port_of() {
    case $1 in
    direct) echo "$db_port" ;;
    haproxy) echo "$hap_port" ;;
    obproxy) echo "$obp_port" ;;
    baseline) echo "$base_port" ;;
    esac
}

# One query through every target before anything is measured.
check_targets() {
    for t in $TARGETS; do
        out=$(bounded 30 mariadb --no-defaults -h127.0.0.1 \
            -P"$(port_of "$t")" -u"$USER" -p"$PASSWORD" -D"$DB" \
            --batch --skip-column-names -e 'SELECT 1' 2>&1) || :
        [ "$out" = 1 ] || die "SELECT 1 through $t failed: $out"
    done
}

###########################################################################
# Measurements.

sysbench_args() {
    echo --db-driver=mysql --mysql-host=127.0.0.1 --mysql-port="$1" \
        --mysql-user="$USER" --mysql-password="$PASSWORD" --mysql-db="$DB" \
        --tables="$TABLES" --table-size="$TABLE_SIZE" $BENCH_SYSBENCH_OPTS
}

prepare_tables() {
    echo "preparing $TABLES sysbench tables of $TABLE_SIZE rows"
    bounded 600 sysbench oltp_read_only $(sysbench_args "$db_port") \
        --threads="$TABLES" prepare >"$dir/prepare.log" 2>&1 || {
        tail -20 "$dir/prepare.log" >&2
        die "sysbench prepare failed"
    }
}

# A few seconds through each target first, so no measured run pays for
# cold caches or a proxy's first allocations.
warm_up() {
    for t in $TARGETS; do
        bounded 60 sysbench oltp_point_select $(sysbench_args \
            "$(port_of "$t")") --threads=8 --time=3 run \
            >"$dir/warmup.$t.log" 2>&1 || {
            tail -20 "$dir/warmup.$t.log" >&2
            die "warm-up run through $t failed"
        }
    done
}

# MariaDB's count of client connections that ended without COM_QUIT: a
# proxy that drops its server connections so fills the server's log.
aborted_clients() {
    timeout 30 mariadb --no-defaults --socket="$dir/db.sock" -uroot -N -B \
        -e "SHOW GLOBAL STATUS LIKE 'Aborted_clients'" 2>/dev/null |
        awk '{ print $2 + 0 }'
}

# One run of <test> with <threads> against <target>.  Appends to results:
#   test threads target rate p95 per-cpu-second errors ok|fail aborted
#   server-us proxy-us machine-us
# rate is queries per second, or good connections per second for churn;
# the last three are CPU microseconds per query (churn: per connection)
# of mariadbd, of the proxy and of the whole machine.
bench_run() {
    test=$1 threads=$2 target=$3
    run=$((run + 1))
    log=$dir/run.$run.$test.$threads.$target.log
    script=oltp_$test
    [ "$test" != churn ] || script=$here/churn.lua
    a0=$(aborted_clients)
    t0=$(proxy_ticks "$target")
    s0=$(server_ticks)
    m0=$(machine_ticks)
    rc=0
    bounded $((BENCH_TIME + 60)) sysbench "$script" \
        $(sysbench_args "$(port_of "$target")") --threads="$threads" \
        --time="$BENCH_TIME" --percentile=95 --report-interval=0 run \
        >"$log" 2>&1 || rc=$?
    t1=$(proxy_ticks "$target")
    s1=$(server_ticks)
    m1=$(machine_ticks)
    a1=$(aborted_clients)
    line=$(awk -v test="$test" -v thr="$threads" -v target="$target" \
        -v rc="$rc" -v cpu=$((t1 - t0)) -v hz="$hz" \
        -v aborted=$((${a1:-0} - ${a0:-0})) \
        -v scpu=$((${s1:-0} - ${s0:-0})) -v mcpu=$((${m1:-0} - ${m0:-0})) '
        /^ *queries:/ { q = $2 }
        /^ *ignored errors:/ { errs = $3 }
        /^ *total time:/ { secs = $3 + 0 }
        /^ *total number of events:/ { events = $5 }
        /95th percentile:/ { p95 = $3 }
        /^churn failures:/ { fails += $3 }
        END {
            n = test == "churn" ? events - fails : q
            if (test == "churn") errs = fails
            ok = rc == 0 && secs > 0 && n != "" && p95 != ""
            rate = ok ? n / secs : 0
            per = target == "direct" || cpu <= 0 || !ok ? "-" : \
                sprintf("%.0f", n / (cpu / hz))
            us = ok && n > 0 ? 1e6 / hz / n : 0
            printf "%s %s %s %.1f %s %s %d %s %d %s %s %s\n", test, thr,
                target, rate, p95 == "" ? "-" : p95, per, errs,
                ok ? "ok" : "fail", aborted, micros(scpu, us),
                target == "direct" ? "-" : micros(cpu, us), micros(mcpu, us)
        }
        function micros(ticks, us) {
            return us > 0 && ticks > 0 ? sprintf("%.1f", ticks * us) : "-"
        }' "$log")
    echo "$line" >>"$dir/results"
    echo "$line" | awk -v n="$run" -v total="$runs" -v cpu=$((t1 - t0)) \
        -v hz="$hz" '{
        printf "[%3d/%d] %-12s %4s threads %-8s %9.0f/s  p95 %7s ms  " \
            "proxy cpu %5.1f s%s%s%s\n", n, total, $1, $2, $3, $4, $5,
            cpu / hz, ($9 > 0 ? "  aborted " $9 : ""),
            ($7 > 0 ? "  errors " $7 : ""),
            ($8 == "ok" ? "" : "  FAILED") }'
    case $line in
    *" fail "*) tail -5 "$log" | sed 's/^/    /' ;;
    esac
}

# A B C then C B A, back to back, so drift over the run hits all three
# (the baseline, when there is one, after obproxy).
interleaved() {
    for t in $TARGETS $(echo "$TARGETS" | tr ' ' '\n' | tac); do
        bench_run "$1" "$2" "$t"
    done
}

# The micro-benchmark, built against the tree's shared library (a build
# with sanitizers needs them at link time too, and its numbers say so).
micro_bench() {
    out=$dir/micro.out
    cflags="-O2 -std=c11 -I$top -I$top/shared"
    set -- "$here/micro.c" "$top/shared/libobpshared.a" -o "$dir/micro"
    note=""
    cc $cflags "$@" >"$dir/micro.cc.log" 2>&1 ||
        { note="(library built with sanitizers: slower than a release build)"
          cc $cflags -fsanitize=address,undefined "$@" \
              >>"$dir/micro.cc.log" 2>&1; } || {
        cat "$dir/micro.cc.log" >&2
        die "the micro-benchmark did not build"
    }
    bounded 300 "$dir/micro" >"$out" 2>&1 || {
        cat "$out" >&2
        die "the micro-benchmark failed"
    }
    [ -z "$note" ] || echo "  $note" >>"$out"
    cat "$out"
}

# Starts idle.pl (as $job) with BENCH_IDLE clients to <port>, its output
# in <out>; true once they are all open (within 120 s).
idle_clients() {
    : >"$2"
    perl "$here/idle.pl" 127.0.0.1 "$1" "$USER" "$PASSWORD" "$DB" \
        "$BENCH_IDLE" 600 >"$2" 2>&1 &
    job=$!
    n=0
    while ! grep -q '^open' "$2" && alive "$job" && [ "$n" -lt 1200 ]; do
        sleep 0.1
        n=$((n + 1))
    done
    grep -q '^open' "$2"
}

# Opens BENCH_IDLE logged-in, idle clients through a proxy and appends
#   idle count target rss-before rss-after kib-per-client - ok|fail
idle_memory() {
    target=$1
    before=$(proxy_rss "$target")
    out=$dir/idle.$target.out
    idle_clients "$(port_of "$target")" "$out" || :
    status=fail
    if grep -q '^open' "$out"; then
        # Let lazily freed memory and the last logins settle.
        sleep 2
        status=ok
    fi
    after=$(proxy_rss "$target")
    stop_pid "$job" 10
    job=""
    echo "idle $BENCH_IDLE $target $before $after" | awk -v s="$status" '
        { printf "%s %.1f - %s\n", $0, ($5 - $4) / $2, s }' \
        >>"$dir/results"
    if [ "$status" = ok ]; then
        echo "idle $target: $BENCH_IDLE clients, RSS $before KiB ->" \
            "$after KiB"
    else
        echo "idle $target: FAILED: $(cat "$out")"
    fi
}

###########################################################################
# Hot upgrade (BENCH_TESTS=upgrade), after the other tests: the master
# changes, so obp_pid follows the pid file.

now_ms() {
    date +%s%3N
}

# Waits at most 60 s for <pid> to exit; our child is reaped.
wait_gone() {
    n=0
    while alive "$1" && [ "$n" -lt 600 ]; do
        sleep 0.01
        n=$((n + 1))
    done
    wait "$1" 2>/dev/null || :
}

# obproxyctl upgrade (answers once the new master serves), commit; then
# obp_pid is the new master.  Prints "ms-served ms-old-master-gone".
upgrade_once() {
    ctl="$top/master/obproxyctl -d $dir/obproxy"
    old=$obp_pid
    $ctl upgrade >>"$dir/upgrade.ctl" 2>&1 ||
        die "obproxyctl upgrade failed: $(tail -2 "$dir/upgrade.ctl")"
    served=$(now_ms)
    $ctl commit >>"$dir/upgrade.ctl" 2>&1 || :
    obp_pid=$(cat "$dir/obproxy/run/obproxy.pid")
    wait_gone "$old"
    echo "$served $(now_ms)"
}

# BENCH_UPGRADE_THREADS transaction loops (upgrade.lua) through obproxy
# for BENCH_UPGRADE_TIME s, upgraded a third of the way in.  Appends to
# upgrade.results: "load USR2-ms served-ms old-gone-ms" and the summed
# statements per 100 ms window, "windows FIRST N N ...".
upgrade_load() {
    log=$dir/upgrade.load.log
    timeout -k 5 $((BENCH_UPGRADE_TIME + 60)) sysbench "$here/upgrade.lua" \
        $(sysbench_args "$obp_port") --threads="$BENCH_UPGRADE_THREADS" \
        --time="$BENCH_UPGRADE_TIME" --report-interval=0 run >"$log" 2>&1 &
    job=$!
    sleep $((BENCH_UPGRADE_TIME / 3))
    t0=$(now_ms)
    echo "load $t0 $(upgrade_once)" >>"$dir/upgrade.results"
    rc=0
    wait "$job" || rc=$?
    job=""
    [ "$rc" -eq 0 ] || echo "bench: the upgrade load exited with $rc"
    awk '
    /^windows:/ {
        for (i = 3; i <= NF; i++) sum[$2 + i - 3] += $i
        if (first == "" || $2 < first) first = $2
        if ($2 + NF - 3 > last) last = $2 + NF - 3
    }
    /^failures:/ { f += $2; r += $4 }
    END {
        printf "windows %d", first
        for (w = first; w <= last; w++) printf " %d", sum[w]
        printf "\nerrors %d %d\n", f, r
    }' "$log" >>"$dir/upgrade.results"
}

# BENCH_IDLE idle clients (idle.pl) through obproxy, then an upgrade:
# appends "idle USR2-ms served-ms workers-gone-ms old-gone-ms".
upgrade_idle() {
    out=$dir/upgrade.idle.out
    idle_clients "$obp_port" "$out" || die "idle clients: $(cat "$out")"
    sleep 1
    old_workers=$(children "$obp_pid")
    ctl="$top/master/obproxyctl -d $dir/obproxy"
    t0=$(now_ms)
    $ctl upgrade >>"$dir/upgrade.ctl" 2>&1 ||
        die "obproxyctl upgrade failed: $(tail -2 "$dir/upgrade.ctl")"
    served=$(now_ms)
    for w in $old_workers; do
        wait_gone "$w"
    done
    gone=$(now_ms)
    old=$obp_pid
    $ctl commit >>"$dir/upgrade.ctl" 2>&1 || :
    obp_pid=$(cat "$dir/obproxy/run/obproxy.pid")
    wait_gone "$old"
    echo "idle $t0 $served $gone $(now_ms)" >>"$dir/upgrade.results"
    stop_pid "$job" 10
    job=""
}

upgrade_report() {
    echo
    echo "hot upgrade under sysbench load ($BENCH_UPGRADE_THREADS threads," \
        "upgrade.lua: BEGIN, 4 point SELECTs, UPDATE, COMMIT):"
    awk '
    function median(n,    i, j, v) {
        for (i = 2; i <= n; i++) {
            v = s[i]
            for (j = i - 1; j >= 1 && s[j] > v; j--) s[j + 1] = s[j]
            s[j + 1] = v
        }
        return n % 2 ? s[(n + 1) / 2] : (s[n / 2] + s[n / 2 + 1]) / 2
    }
    $1 == "load" { usr2 = $2; served = $3; oldgone = $4 }
    $1 == "errors" { fails = $2; reconn = $3 }
    $1 == "windows" {
        first = $2
        # one second off each end: threads start and stop there
        for (i = 13; i <= NF - 10; i++) {
            v[++n] = $i
            s[n] = $i
            if ($i < min || n == 1) { min = $i; at = first + i - 3 }
            d = (first + i - 3) * 100 - usr2
            if (d >= -100 && d < 1000 && ($i < near || near == ""))
                near = $i
        }
    }
    $1 == "idle" { it0 = $2; iserved = $3; igone = $4; iold = $5 }
    END {
        if (n > 0) {
            med = median(n)
            for (i = 1; i <= n; i++) low += v[i] < med / 2
            printf "  statements per 100 ms window: median %d, lowest %d" \
                " (%+d ms from USR2), %d window(s) below half the median" \
                "  target: none  %s\n", med, min, at * 100 - usr2, low,
                low == 0 ? "met" : "NOT MET"
            printf "  from USR2 to 1 s after: lowest window %d (%.0f%% of" \
                " the median)\n", near, (med > 0 ? 100 * near / med : 0)
            printf "  USR2 -> new generation serving %d ms, -> old master" \
                " gone (commit at once) %d ms\n", served - usr2,
                oldgone - usr2
            printf "  failed transactions %d, reconnects at a boundary %d\n",
                fails, reconn
        }
        if (it0 != "") {
            printf "  with only idle clients: USR2 -> old workers gone %d" \
                " ms  target < 1000 ms  %s; -> old master gone (commit" \
                " once served) %d ms\n", igone - it0,
                igone - it0 < 1000 ? "met" : "NOT MET", iold - it0
        }
    }' "$dir/upgrade.results"
}

###########################################################################
# The report: medians over the runs of each cell, ratios of medians.

report() {
    echo
    echo "obproxy benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs;" \
        "$BENCH_TIME s per run, $BENCH_ROUNDS round(s) of" \
        "$(echo "$TARGETS" | wc -w) targets there and back"
    echo "$versions"
    echo "load average at the start: $load"
    echo "medians over the runs; churn = connect, SELECT 1, quit with" \
        "$BENCH_CHURN_THREADS loops (connections/s)"
    echo
    awk '
    function median(name, k, n,    i, j, v, a) {
        if (n == 0) return ""
        for (i = 1; i <= n; i++) a[i] = vals[name, k, i]
        for (i = 2; i <= n; i++) {
            v = a[i]
            for (j = i - 1; j >= 1 && a[j] > v; j--) a[j + 1] = a[j]
            a[j + 1] = v
        }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function cell(name, k) { return median(name, k, cnt[name, k]) }
    function ratio(a, b) { return a == "" || b == "" || b == 0 ? "-" :
        sprintf("%.2f", a / b) }
    function num(v, f) { return v == "" ? "-" : sprintf(f, v) }
    function kilo(v) { return v == "" ? "-" : sprintf("%.1fK", v / 1000) }
    $1 == "idle" {
        if ($8 == "ok") idle[$3] = $4 " KiB before, " $5 " KiB after: " \
            $6 " KiB per idle client"
        else idle[$3] = "FAILED"
        if ($3 == "obproxy" && $8 == "ok") idle_kib = $6
        idle_n = $2
        next
    }
    {
        row = $1 " " $2
        if (!(row in seen)) { seen[row] = 1; rows[++nrows] = row }
        k = row SUBSEP $3
        runs[k]++
        aborted[$3] += $9
        if ($8 != "ok") { failed[k]++; next }
        cnt["rate", k]++
        vals["rate", k, cnt["rate", k]] = $4
        if ($5 != "-") vals["p95", k, ++cnt["p95", k]] = $5
        if ($6 != "-") vals["cpu", k, ++cnt["cpu", k]] = $6
        if ($10 != "-") vals["srv", k, ++cnt["srv", k]] = $10
        if ($11 != "-") vals["prx", k, ++cnt["prx", k]] = $11
        if ($12 != "-") vals["mach", k, ++cnt["mach", k]] = $12
        errors[k] += $7
    }
    END {
        printf "%-21s %-31s%-23s%-26s%s\n", "", "  throughput (QPS; churn" \
            " conn/s)", "       ratios", "    p95 latency (ms)",
            "  per proxy CPU-second"
        printf "%-12s %8s %9s %9s %9s  %6s %7s %6s  %7s %7s %7s  %9s %9s\n",
            "test", "threads", "direct", "HAProxy", "obproxy", "ob/dir",
            "hap/dir", "ob/hap", "direct", "HAProxy", "obproxy",
            "HAProxy", "obproxy"
        for (r = 1; r <= nrows; r++) {
            split(rows[r], f, " ")
            d = cell("rate", rows[r] SUBSEP "direct")
            h = cell("rate", rows[r] SUBSEP "haproxy")
            o = cell("rate", rows[r] SUBSEP "obproxy")
            printf "%-12s %8s %9s %9s %9s  %6s %7s %6s  %7s %7s %7s  " \
                "%9s %9s\n", f[1], f[2], num(d, "%.0f"), num(h, "%.0f"),
                num(o, "%.0f"), ratio(o, d), ratio(h, d), ratio(o, h),
                num(cell("p95", rows[r] SUBSEP "direct"), "%.2f"),
                num(cell("p95", rows[r] SUBSEP "haproxy"), "%.2f"),
                num(cell("p95", rows[r] SUBSEP "obproxy"), "%.2f"),
                kilo(cell("cpu", rows[r] SUBSEP "haproxy")),
                kilo(cell("cpu", rows[r] SUBSEP "obproxy"))
            for (t = 1; t <= 3; t++) {
                tg = t == 1 ? "direct" : t == 2 ? "haproxy" : "obproxy"
                k = rows[r] SUBSEP tg
                if (failed[k] || errors[k])
                    notes = notes sprintf("  %s %s threads, %s: %d of %d" \
                        " runs failed, %d errors in the others\n", f[1],
                        f[2], tg, failed[k], runs[k], errors[k])
            }
            if (f[1] == "point_select" && f[2] == 32) ps32 = ratio(o, h)
            if (f[1] == "read_only" && f[2] == 32) ro32 = ratio(o, h)
            if (f[1] == "churn") {
                churn_od = ratio(o, d)
                churn_hd = ratio(h, d)
            }
        }
        if (notes != "") printf "\nfailures and errors:\n%s", notes
        cpu_table()
        printf "\nserver connections that ended without COM_QUIT (MariaDB" \
            " Aborted_clients)\nduring the runs: direct %d, HAProxy %d," \
            " obproxy %d\n", aborted["direct"], aborted["haproxy"],
            aborted["obproxy"]
        if (idle_n == "")
            printf "\nidle client connections: not measured\n"
        else {
            printf "\nidle client connections (%s through each proxy, RSS" \
                " summed over its processes):\n", idle_n
            printf "  obproxy: %s\n  HAProxy: %s\n", idle["obproxy"],
                idle["haproxy"]
        }
        printf "\ntargets:\n"
        target("point_select, 32 threads: obproxy/HAProxy", ps32, ">=", 0.85)
        target("read_only, 32 threads:    obproxy/HAProxy", ro32, ">=", 0.85)
        target("churn: obproxy/direct", churn_od, ">=", 1.5)
        printf "  %-42s %6s  (for reference)\n", "churn: HAProxy/direct",
            churn_hd == "" ? "-" : churn_hd
        printf "  %-42s %6s  (for reference)\n", "churn: obproxy/direct" \
            " if obproxy cost no CPU", churn_free == "" ? "-" : churn_free
        target("idle memory: KiB per client through obproxy", idle_kib, "<=",
            16)
        hot_path()
    }
    # With BENCH_BASELINE: queries per proxy CPU-second of the tree
    # binary against the baseline binary, in the same cells.
    function hot_path(   r, f, o, b, worst) {
        for (r = 1; r <= nrows; r++)
            if (cnt["cpu", rows[r] SUBSEP "baseline"]) break
        if (r > nrows) return
        printf "\nhot path: queries per proxy CPU-second of the tree" \
            " against BENCH_BASELINE\n"
        printf "%-12s %8s %11s %11s %7s\n", "test", "threads", "baseline",
            "obproxy", "ratio"
        worst = ""
        for (r = 1; r <= nrows; r++) {
            split(rows[r], f, " ")
            o = cell("cpu", rows[r] SUBSEP "obproxy")
            b = cell("cpu", rows[r] SUBSEP "baseline")
            printf "%-12s %8s %11s %11s %7s\n", f[1], f[2], num(b, "%.0f"),
                num(o, "%.0f"), ratio(o, b)
            if (ratio(o, b) == "-")
                continue
            if (worst == "" || ratio(o, b) + 0 < worst + 0)
                worst = ratio(o, b)
        }
        target("hot path: obproxy/baseline, lowest", worst, ">=", 0.97)
    }
    # Where the CPU goes: microseconds per query (churn: per connection)
    # of mariadbd, of the proxy and of the whole machine; what the machine
    # spends besides is the load generator and the network in the kernel.
    function cpu_table(   r, f, t, c, m, p, ncols, cols) {
        printf "\nCPU per query, churn: per connection (us, medians)\n"
        printf "%-12s %8s  %-26s%-18s%s\n", "", "", "  server (mariadbd)",
            "   proxy", "   whole machine"
        printf "%-12s %8s  %7s %7s %7s  %7s %7s  %7s %7s %7s\n", "test",
            "threads", "direct", "HAProxy", "obproxy", "HAProxy", "obproxy",
            "direct", "HAProxy", "obproxy"
        ncols = split("srv:direct srv:haproxy srv:obproxy prx:haproxy" \
            " prx:obproxy mach:direct mach:haproxy mach:obproxy", cols, " ")
        for (r = 1; r <= nrows; r++) {
            split(rows[r], f, " ")
            printf "%-12s %8s ", f[1], f[2]
            for (t = 1; t <= ncols; t++) {
                split(cols[t], c, ":")
                printf "%s%7s", t == 1 || t == 4 || t == 6 ? "  " : " ",
                    num(cell(c[1], rows[r] SUBSEP c[2]), "%.0f")
            }
            printf "\n"
            if (f[1] == "churn") {
                m = cell("mach", rows[r] SUBSEP "direct")
                p = cell("mach", rows[r] SUBSEP "obproxy") - \
                    cell("prx", rows[r] SUBSEP "obproxy")
                churn_free = m == "" || p <= 0 ? "-" : sprintf("%.2f", m / p)
            }
        }
    }
    function target(what, v, op, want,   verdict) {
        if (v == "" || v == "-") verdict = "not measured"
        else if (op == ">=") verdict = v + 0 >= want ? "met" : "NOT MET"
        else verdict = v + 0 <= want ? "met" : "NOT MET"
        printf "  %-42s %6s  target %s %s  %s\n", what, v == "" ? "-" : v,
            op, want, verdict
    }' "$dir/results"
}

# What the proxies said while they were measured.
proxy_logs() {
    echo
    now=$(children "$obp_pid" | tr '\n' ' ')
    [ "$now" = "$obp_workers" ] ||
        echo "obproxy workers changed during the run: $obp_workers-> $now"
    err=$dir/obproxy/log/obproxy.log.wf
    n=$(cat "$err" 2>/dev/null | wc -l)
    echo "obproxy log/obproxy.log.wf: $n lines"
    [ "$n" -eq 0 ] || { tail -10 "$err"; }
    n=$(wc -l <"$dir/haproxy.out")
    echo "haproxy output: $n lines"
    [ "$n" -eq 0 ] || tail -5 "$dir/haproxy.out"
}

###########################################################################

packages="sysbench haproxy mariadb-server mariadb-client perl coreutils"
[ -z "$BENCH_PLOT" ] || packages="$packages gnuplot-nox"
[ "$BENCH_TESTS" != micro ] || packages="gcc coreutils"
install_and_build "$packages"
raise_fd_limit
hz=$(getconf CLK_TCK)

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
dir=$(mktemp -d "${TMPDIR:-/tmp}/obproxy-bench.XXXXXX")
: >"$dir/results"

# First, on a machine with no server nor proxy running yet.
if wanted micro; then
    micro_bench
    [ "$BENCH_TESTS" != micro ] || exit 0
fi

start=$(date +%s)
mdb=$(mariadbd --version | sed 's/.*Ver \([0-9.]*\).*/\1/')
hap=$(haproxy -v | sed -n '1s/^HAProxy version \([^ ]*\).*/\1/p')
obp=$("$top/master/obproxy" -V 2>&1 | sed -n '1s/.*(\(.*\)).*/\1/p')
built=$(date -u -r "$top/master/obproxy" '+%Y-%m-%d %H:%M UTC')
versions="$(sysbench --version), MariaDB $mdb, HAProxy $hap, $obp"
versions="$versions (binary of $built)"
# Other work on the box skews every number; the report says how busy it was.
load=$(cut -d' ' -f1-3 /proc/loadavg)
start_mariadb
start_haproxy
start_obproxy
echo "MariaDB 127.0.0.1:$db_port, HAProxy :$hap_port (pid $hap_pid)," \
    "obproxy :$obp_port (pid $obp_pid, workers $obp_workers)"
check_targets

# Memory first, while the proxies are fresh: afterwards the heap keeps
# what the load runs freed and would hide what idle clients cost.
if wanted idle; then
    idle_memory obproxy
    idle_memory haproxy
fi

prepare_tables
warm_up

set -- $BENCH_THREADS
cells=0
for test in point_select read_only; do
    wanted "$test" && cells=$((cells + $#))
done
wanted churn && cells=$((cells + 1))
run=0
runs=$((BENCH_ROUNDS * cells * 2 * $(echo "$TARGETS" | wc -w)))
echo "$runs runs of $BENCH_TIME s"
r=0
while [ "$r" -lt "$BENCH_ROUNDS" ]; do
    r=$((r + 1))
    for test in point_select read_only; do
        wanted "$test" || continue
        for threads in $BENCH_THREADS; do
            interleaved "$test" "$threads"
        done
    done
    if wanted churn; then
        interleaved churn "$BENCH_CHURN_THREADS"
    fi
done

if wanted upgrade; then
    : >"$dir/upgrade.results"
    upgrade_load
    upgrade_idle
fi

report
[ ! -f "$dir/micro.out" ] || { echo; cat "$dir/micro.out"; }
! wanted upgrade || upgrade_report
proxy_logs
if [ -n "$BENCH_PLOT" ]; then
    echo
    case $BENCH_PLOT in
    /*) plots=$BENCH_PLOT ;;
    *) plots=$top/$BENCH_PLOT ;;
    esac
    sh "$here/plot.sh" "$dir" "$plots" || echo "bench: no pictures drawn"
fi
echo
echo "the benchmark took $(($(date +%s) - start)) s"
