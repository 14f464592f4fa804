# Sourced by demo.sh and bench/run.sh: watching and stopping the
# processes a script started, by pid, with bounded waits.

# True while <pid> runs (a zombie does not count).
alive() {
    state=$(sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$state" ] && [ "$state" != Z ]
}

# TERM, at most <seconds> of waiting, then KILL; reaps our child.
stop_pid() {
    kill -TERM "$1" 2>/dev/null || :
    n=0
    while alive "$1" && [ "$n" -lt $(($2 * 10)) ]; do
        sleep 0.1
        n=$((n + 1))
    done
    if alive "$1"; then
        echo "pid $1 ignored TERM for $2 s; killing it" >&2
        kill -KILL "$1" 2>/dev/null || :
    fi
    wait "$1" 2>/dev/null || :
}

# The children of <pid> (obproxy's workers).  The command name may hold
# spaces, so the fields are counted after its closing parenthesis.
children() {
    cat /proc/[0-9]*/stat 2>/dev/null | awk -v p="$1" '
        { pid = $1; sub(/^.*\) /, ""); if ($2 == p) print pid }'
}

# Stops obproxy's master <pid>, then KILLs any worker that outlived it.
stop_obproxy() {
    workers=$(children "$1")
    stop_pid "$1" 10
    for w in $workers; do
        alive "$w" && kill -KILL "$w" 2>/dev/null
    done
    return 0
}

# True when something accepts connections on 127.0.0.1:<port>.
listening() {
    perl -MIO::Socket::INET -e 'exit !IO::Socket::INET->new(
        PeerAddr => "127.0.0.1", PeerPort => $ARGV[0], Timeout => 1)' "$1"
}

# Waits at most <seconds> for <port> to accept while <pid> lives.
wait_listen() {
    n=0
    while [ "$n" -lt $(($3 * 10)) ]; do
        listening "$1" && return 0
        alive "$2" || return 1
        sleep 0.1
        n=$((n + 1))
    done
    return 1
}
