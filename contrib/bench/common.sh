# Sourced by bench/run.sh and bench/routed.sh (after die(),
# with $top set): bounded commands, free ports, the benchmark's server,
# the install and the build.

# Runs a command in the background and waits for it, so that a TERM or
# Ctrl-C reaches the trap at once; every command is bounded by timeout.
bounded() {
    secs=$1
    shift
    timeout -k 5 "$secs" "$@" &
    job=$!
    brc=0
    wait "$job" || brc=$?
    job=""
    return "$brc"
}

# A free port below the kernel's ephemeral range, so that no outgoing
# connection (the churn test makes many) takes it before it is bound.
free_port() {
    p=$(perl -MIO::Socket::INET -e '
        my $low = 32768;
        if (open my $f, "<", "/proc/sys/net/ipv4/ip_local_port_range") {
            ($low) = split " ", <$f>;
        }
        $low = 32768 if $low < 12000;
        my %taken = map { $_ => 1 } @ARGV;
        for (1 .. 500) {
            my $p = 10000 + int rand($low - 10000);
            next if $taken{$p};
            next unless IO::Socket::INET->new(LocalAddr => "127.0.0.1",
                LocalPort => $p, Proto => "tcp", Listen => 1);
            print $p;
            exit 0;
        }
        exit 1' $ports) || die "no free port found"
    ports="$ports $p"
    echo "$p"
}

# Installs the Debian packages <packages> that are missing (and the build
# tools when master/obproxy has not been built yet), then builds it.
install_and_build() {
    PACKAGES=$1
    [ -x "$top/master/obproxy" ] || PACKAGES="$PACKAGES gcc make autoconf
        automake pkg-config libev-dev libssl-dev zlib1g-dev libinih-dev
        libyaml-dev"
    . "$top/contrib/deps.sh"
    install_missing
    [ ! -x "$top/master/obproxy" ] || return 0
    echo "building obproxy"
    (
        cd "$top"
        [ -f configure ] || autoreconf -fi
        [ -f Makefile ] || ./configure
        make -j2
    )
    [ -x "$top/master/obproxy" ] || die "the build made no master/obproxy"
}

# The server is made for speed, not safety: no binary log, no flush at
# commit, a buffer pool that holds every sysbench table, connections for
# two idle tests at once, and no host blocking for the many connections
# the proxies' probes and the churn test open and drop.
start_mariadb() {
    d=$dir/db
    root=""
    [ "$(id -u)" -ne 0 ] || root=--user=root
    mkdir -p "$d.tmp"
    bounded 300 mariadb-install-db --no-defaults $root --datadir="$d" \
        --tmpdir="$d.tmp" --auth-root-authentication-method=normal \
        --skip-test-db --skip-name-resolve >"$d.install.log" 2>&1 || {
        tail -30 "$d.install.log" >&2
        die "mariadb-install-db failed"
    }
    db_port=$(free_port)
    mariadbd --no-defaults $root --datadir="$d" --port="$db_port" \
        --bind-address=127.0.0.1 --socket="$d.sock" --pid-file="$d.pid" \
        --tmpdir="$d.tmp" --log-error="$d.err" --skip-log-bin \
        --skip-name-resolve --innodb-buffer-pool-size=256M \
        --innodb-log-file-size=64M --innodb-flush-log-at-trx-commit=0 \
        --innodb-doublewrite=0 --performance-schema=OFF \
        --max-connections=$((BENCH_IDLE * 2 + 200)) \
        --max-connect-errors=1000000000 --key-buffer-size=1M \
        --loose-feedback=OFF >/dev/null 2>&1 &
    db_pid=$!
    wait_listen "$db_port" "$db_pid" 60 || {
        tail -20 "$d.err" >&2
        die "mariadbd did not start"
    }
    bounded 30 mariadb --no-defaults --socket="$d.sock" -uroot -e "
        DELETE FROM mysql.global_priv WHERE User = '';
        FLUSH PRIVILEGES;
        CREATE USER '$USER'@'%' IDENTIFIED BY '$PASSWORD';
        GRANT ALL PRIVILEGES ON $DB.* TO '$USER'@'%';
        CREATE USER '$SERVICE_USER'@'%' IDENTIFIED BY '$SERVICE_PASSWORD';
        GRANT SELECT ON mysql.* TO '$SERVICE_USER'@'%';
        CREATE DATABASE $DB;" || die "MariaDB account setup failed"
}

# BENCH_TIME and BENCH_THREADS must be positive integers.
check_time_threads() {
    case $BENCH_TIME in
    '' | *[!0-9]* | 0) die "BENCH_TIME must be a positive integer" ;;
    esac
    for t in $BENCH_THREADS; do
        case $t in
        *[!0-9]* | 0) die "BENCH_THREADS: '$t' is not a positive integer" ;;
        esac
    done
}

# Runs <sql> as root on server <k> of $dir (its socket $dir/db<k>.sock).
sql() {
    bounded 60 mariadb --no-defaults --socket="$dir/db$1.sock" -uroot -N -B \
        -e "$2"
}

# The queries per second of sysbench's output <log>.
qps() {
    awk '/^ *queries:/ { q = $2 } /^ *total time:/ { t = $3 + 0 }
        END { printf "%.0f\n", (t > 0 ? q / t : 0) }' "$1"
}

# The end of a cleanup: the servers of $db_pids stopped, then $dir kept
# (BENCH_KEEP=1) or removed.
stop_servers_and_dir() {
    for p in $db_pids; do
        stop_pid "$p" 60
    done
    if [ -n "$dir" ] && [ "$BENCH_KEEP" = 1 ]; then
        echo "bench: logs left in $dir"
    elif [ -n "$dir" ]; then
        rm -rf "$dir"
    fi
}
