#!/bin/sh
# The quick start: installs the Debian packages that are missing, builds
# obproxy, starts three MariaDB servers on free loopback ports and obproxy
# in front of them on 127.0.0.1:2883, then waits.  Ctrl-C (or TERM) stops
# every process it started and removes every file it made.
#
# Usage: sh contrib/demo.sh
set -eu

PACKAGES="gcc make autoconf automake pkg-config libev-dev libssl-dev
zlib1g-dev libinih-dev libyaml-dev mariadb-server mariadb-client perl"
PORT=2883
# The proxy's service account on each server; the proxy is given the SHA1
# of its password (observer_sys_password).
SERVICE_PW=demo-proxyro-pw

top=$(cd "$(dirname "$0")/.." && pwd)
dir=""
proxy_pid=""
db_pids=""

. "$top/contrib/deps.sh"
. "$top/contrib/proc.sh"

build() {
    cd "$top"
    [ -f configure ] || autoreconf -fi
    [ -f Makefile ] || ./configure
    make -j2
}

free_port() {
    perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(
        LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport'
}

cleanup() {
    trap - EXIT INT TERM
    set +e
    [ -z "$proxy_pid" ] || stop_obproxy "$proxy_pid"
    for p in $db_pids; do
        stop_pid "$p" 30
    done
    [ -z "$dir" ] || rm -rf "$dir"
    echo "demo stopped; nothing left behind"
}

start_mariadb() {
    i=$1
    d=$dir/mdb$i
    root=""
    [ "$(id -u)" -ne 0 ] || root=--user=root
    mkdir "$d.tmp"
    mariadb-install-db --no-defaults $root --datadir="$d" --tmpdir="$d.tmp" \
        --auth-root-authentication-method=normal --skip-test-db \
        --skip-name-resolve --innodb-log-file-size=4M \
        --innodb-buffer-pool-size=16M >"$d.install.log" 2>&1 || {
        cat "$d.install.log" >&2
        return 1
    }
    port=$(free_port)
    mariadbd --no-defaults $root --datadir="$d" --port="$port" \
        --bind-address=127.0.0.1 --socket="$d.sock" --pid-file="$d.pid" \
        --tmpdir="$d.tmp" \
        --log-error="$d.err" --skip-log-bin --skip-name-resolve \
        --innodb-buffer-pool-size=16M --innodb-log-file-size=4M \
        --performance-schema=OFF --loose-feedback=OFF >/dev/null 2>&1 &
    db_pids="$db_pids $!"
    wait_listen "$port" $! 30 || {
        echo "mariadbd $i did not start:" >&2
        tail -20 "$d.err" >&2
        return 1
    }
    mariadb --no-defaults --socket="$d.sock" -uroot <<EOF
CREATE USER 'demo'@'%' IDENTIFIED BY 'demo';
GRANT ALL PRIVILEGES ON *.* TO 'demo'@'%';
CREATE USER 'proxyro'@'%' IDENTIFIED BY '$SERVICE_PW';
GRANT SELECT ON mysql.* TO 'proxyro'@'%';
CREATE DATABASE demo;
CREATE TABLE demo.greeting (id INT PRIMARY KEY, server VARCHAR(40));
INSERT INTO demo.greeting VALUES (1, 'server $i on port $port'),
    (2, 'server $i on port $port'), (3, 'server $i on port $port');
EOF
    servers="$servers${servers:+;}127.0.0.1:$port"
    topo_servers="$topo_servers  s$i: {address: 127.0.0.1:$port, zone: z$i}
"
}

# The demo's cluster: one zone per server, and demo.greeting in three HASH
# partitions, each led by another server (see "Cluster topology" in README).
topology() {
    cat <<EOF
zones: {z1: ~, z2: ~, z3: ~}
servers:
$topo_servers
tenants:
  sys:
    primary_zone: "z1;z2;z3"
    replicas: [s1 leader, s2 follower, s3 follower]
    databases:
      demo:
        greeting:
          partition: HASH
          columns: [id INT]
          partitions: 3
          replicas:
            p0: [s1 leader, s2 follower, s3 follower]
            p1: [s2 leader, s3 follower, s1 follower]
            p2: [s3 leader, s1 follower, s2 follower]
EOF
}

install_missing
build

if listening "$PORT"; then
    echo "port $PORT is in use: stop what listens there first" >&2
    exit 1
fi

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

dir=$(mktemp -d "${TMPDIR:-/tmp}/obproxy-demo.XXXXXX")
servers=""
topo_servers=""
for i in 1 2 3; do
    start_mariadb "$i"
done

sha1=$(printf '%s' "$SERVICE_PW" | sha1sum | cut -d' ' -f1)
admin_sha1=$(printf '%s' demo | sha1sum | cut -d' ' -f1)
mkdir -p "$dir/etc"
cat >"$dir/etc/obproxy.yaml" <<EOF
listen_port: $PORT
local_bound_ip: 127.0.0.1
rootservice_list: "$servers"
observer_sys_password: "$sha1"
obproxy_sys_password: "$admin_sha1"
automatic_match_work_thread: true
syslog_level: INFO
EOF
topology >>"$dir/etc/obproxy.yaml"

OBPROXY_ROOT=$dir "$top/master/obproxy" -N -f "$dir/etc/obproxy.yaml" \
    >"$dir/obproxy.out" 2>&1 &
proxy_pid=$!
if ! wait_listen "$PORT" "$proxy_pid" 20; then
    echo "obproxy did not start:" >&2
    tail -20 "$dir/obproxy.out" >&2
    exit 1
fi

cat <<EOF

obproxy (pid $proxy_pid) listens on 127.0.0.1:$PORT in front of three
MariaDB servers: $servers

  connect:  mariadb -c -h127.0.0.1 -P$PORT -udemo -pdemo demo
            (-c keeps /* target_db_server=ip:port */ comments)
  then:     SELECT * FROM greeting WHERE id = 1;   -- which server answered
            (each server holds ids 1 to 3, marked with its name; id 1 is
            led by server 2, id 2 by server 3, id 3 by server 1)
  admin:    mariadb -h127.0.0.1 -P$PORT -uroot@proxysys -pdemo
            (the proxy's own: SHOW PROXYSESSION, SHOW PROXYCONFIG, ...)
  status:   $top/master/obproxyctl -d $dir status
  logs:     $dir/log/obproxy.log, obproxy.log.wf (WARN and above)
            $dir/log/obproxy_error.log (statements that failed),
            obproxy_slow.log, obproxy_digest.log, obproxy_stat.log,
            obproxy_diagnosis.log

$dir/etc/obproxy.yaml declares the three servers as a cluster and
demo.greeting partitioned over them: each statement goes to the leader of
its partition.  Ctrl-C stops obproxy and the three servers and removes
$dir.
EOF

rc=0
wait "$proxy_pid" || rc=$?
proxy_pid=""
echo "obproxy exited with status $rc"
exit "$rc"
