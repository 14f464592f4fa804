# Sourced by bench/run.sh and bench/routed.sh (after die(), with $top
# set): bounded commands, free ports, the install and the build.

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
