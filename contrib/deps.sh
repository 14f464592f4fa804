# Sourced by demo.sh and run-tests.sh: installs the Debian packages named
# in $PACKAGES that are missing, and checks each one afterwards.

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q ' installed$'
}

# apt-get for the packages not installed yet; an install never starts a
# system service (policy-rc.d), and every package is checked afterwards.
install_missing() {
    missing=""
    for p in $PACKAGES; do
        installed "$p" || missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        echo "every package is installed"
        return 0
    fi
    echo "missing:$missing"
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "not root and no sudo: install$missing" >&2
            return 1
        }
        sudo=sudo
    fi
    policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d \
            >/dev/null
        $sudo chmod 755 /usr/sbin/policy-rc.d
        policy=yes
    fi
    rc=0
    $sudo apt-get update && $sudo env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends $missing </dev/null \
        || rc=1
    [ -z "$policy" ] || $sudo rm -f /usr/sbin/policy-rc.d
    for p in $missing; do
        installed "$p" || { echo "package $p is not installed" >&2; rc=1; }
    done
    return $rc
}
