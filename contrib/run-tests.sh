#!/bin/sh
# Builds obproxy and runs every test, as CI does: installs the Debian
# packages that are missing and the Node.js driver mysql2 (npm, for
# t/node.t), builds with -Werror, runs the unit and
# integration tests with prove (three files at a time: most of a test's
# time is spent waiting on servers and timers, and CI has two cores),
# runs them again two at a time against a build with
# AddressSanitizer and UBSan (out of tree, in _build/asan), and ends with
# make distcheck, then runs every libFuzzer target (make fuzz) within 2
# minutes in all, printing each target's figures.
# In the sanitized run LeakSanitizer reports leaks at each process's exit:
# the harness stops a sanitized obproxy gracefully so that every process
# exits by itself, and any report fails the test.
# Prints a summary; exits non-zero if any step failed.
#
# Usage: sh contrib/run-tests.sh        (from anywhere in the repository)
set -eu

PACKAGES="gcc make autoconf automake pkg-config libev-dev libssl-dev
zlib1g-dev libinih-dev libyaml-dev mariadb-server mariadb-client
libdbi-perl libdbd-mariadb-perl libio-socket-ssl-perl perl python3
python3-pymysql mariadb-test python3-mysqldb sysbench openssl clang prometheus iproute2 nftables"

top=$(cd "$(dirname "$0")/.." && pwd)
summary=""
failed=0
began=$(date +%s)

say() {
    printf '\n=== %s\n' "$*"
}

# Runs a step, timing it and recording the outcome; never stops the script.
step() {
    name=$1
    shift
    say "$name"
    t0=$(date +%s)
    if "$@"; then
        result=ok
    else
        result=FAILED
        failed=1
    fi
    summary="$summary$(printf '%-36s %-7s %4ss' "$name" "$result" \
        $(($(date +%s) - t0)))
"
    [ "$result" = ok ]
}

skip() {
    summary="$summary$(printf '%-36s %-7s' "$1" skipped)
"
}

. "$top/contrib/deps.sh"

# automake refuses an out-of-tree build while the source directory is
# configured, and stale objects there would satisfy the out-of-tree make:
# clean the source tree first; the in-tree build comes after.
clean_source_tree() {
    if [ -f config.status ]; then
        make distclean >/dev/null
    fi
}

build_asan() {
    mkdir -p _build/asan
    (
        cd _build/asan
        ../../configure --enable-sanitizers --enable-werror &&
        make -j2 &&
        make -j2 check TESTS=
    )
}

# The Node.js driver mysql2 for t/node.t, from the npm registry into
# _build/node (Debian's nodejs and npm first when npm is missing).
install_node() {
    if ! command -v npm >/dev/null; then
        (PACKAGES="nodejs npm"; install_missing) || return 1
    fi
    [ -d _build/node/node_modules/mysql2 ] && return 0
    mkdir -p _build/node &&
    timeout 300 npm install --prefix _build/node --no-audit --no-fund \
        --loglevel=error mysql2@3
}

build() {
    ./configure --enable-werror && make -j2 && make -j2 check TESTS=
}

# The libFuzzer targets (make fuzz, t/Makefile.am) of the in-tree build,
# within FUZZ_BUDGET seconds in all: built first (the log in
# _build/fuzz-build.log), then the time left is shared among them, a few
# seconds each kept for starting and loading the seeds.  make fuzz prints
# each target's executions, speed and coverage; a crash, a sanitizer
# report, a leak or a timeout fails the step and leaves the input in
# t/fuzz-out/NAME (the whole output in t/fuzz-out/NAME/fuzz.log).
FUZZ_BUDGET=120

fuzz_all() {
    t0=$(date +%s)
    mkdir -p _build
    if ! make -j2 fuzz-build >_build/fuzz-build.log 2>&1; then
        tail -n 40 _build/fuzz-build.log
        return 1
    fi
    ntargets=$(ls -d t/fuzz/corpus/*/ | wc -l)
    left=$((FUZZ_BUDGET - ($(date +%s) - t0) - 3 * ntargets))
    secs=$((left / ntargets))
    [ "$secs" -ge 5 ] || secs=5
    echo "built in $(($(date +%s) - t0)) s; $ntargets targets, $secs s each"
    make fuzz FUZZ_TIME="$secs"
}

prove_asan() {
    TEST_OBPROXY_BINARY=$top/_build/asan/master/obproxy \
    TEST_OBPROXYCTL_BINARY=$top/_build/asan/master/obproxyctl \
        prove -j2 _build/asan/t/unit/*.t t/*.t
}

# In CI, a failing integration test prints the proxy's logs.
if [ -n "${CI:-}" ]; then
    TEST_OBPROXY_VERBOSE=1
    export TEST_OBPROXY_VERBOSE
fi

cd "$top"
if step "install missing packages" install_missing &&
    step "autoreconf" autoreconf -fi &&
    step "clean the source tree" clean_source_tree &&
    step "install mysql2 (npm)" install_node
then
    if step "build with sanitizers (_build/asan)" build_asan; then
        asan=yes
    else
        asan=no
    fi
    if step "build (-Werror)" build; then
        step "prove -j3 -r t/" prove -j3 -r t/ || :
        step "make distcheck" make -j2 distcheck || :
        step "fuzz every target (2 min)" fuzz_all || :
    else
        skip "prove -j3 -r t/"
        skip "make distcheck"
        skip "fuzz every target (2 min)"
    fi
    if [ "$asan" = yes ]; then
        step "prove (sanitizers)" prove_asan || :
    else
        skip "prove (sanitizers)"
    fi
fi

say "summary"
printf '%s' "$summary"
echo "total: $(($(date +%s) - began))s"
if [ "$failed" -ne 0 ]; then
    echo "FAILED"
    exit 1
fi
echo "all passed"
