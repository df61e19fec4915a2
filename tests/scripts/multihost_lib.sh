# multihost_lib.sh -- several "hosts" on this machine for the multi-host
# tests (sourced after launcher_lib.sh).  mh_hosts N makes N network
# namespaces joined by a bridge in the root namespace, with addresses in a
# subnet that exists only inside them (the bridge itself has none), and an
# agent, $AGENT, used like ssh ("$AGENT HOST COMMAND-LINE"), that enters a
# host's namespace with its own host name and its own /dev/shm (a tmpfs
# per host, also mounted under $scratch/shm so the tests can look in); files
# elsewhere stay shared, as on a cluster with a shared home.  Names carry
# this shell's pid, so concurrent runs do not clash; everything is removed
# when the script exits.  Without root (CAP_SYS_ADMIN) or iproute2 the test
# says why and exits 77, which automake counts as skipped.
mh_skip() {
    echo "SKIP: $*"
    exit 77
}
[ "$(id -u)" = 0 ] || mh_skip "network namespaces need root (CAP_SYS_ADMIN)"
command -v ip >/dev/null 2>&1 || mh_skip "no 'ip' command (iproute2)"
command -v unshare >/dev/null 2>&1 || mh_skip "no 'unshare' command (util-linux)"

MH="lk$$"
MH_BR="${MH}br"
mh_n=0

mh_cleanup() {
    i=0
    while [ $i -lt $mh_n ]; do
        pids=$(ip netns pids "${MH}h$i" 2>/dev/null)
        [ -n "$pids" ] && kill -9 $pids 2>/dev/null
        ip netns del "${MH}h$i" 2>/dev/null
        i=$((i + 1))
    done
    ip link del "$MH_BR" 2>/dev/null
    for d in "$scratch"/shm/*; do
        [ -d "$d" ] && umount "$d" 2>/dev/null
    done
    rm -rf "$scratch"
}
trap mh_cleanup EXIT
trap 'exit 1' INT TERM HUP

# mh_addr I: host I's address: 10.213.0.(I+1), or with MH_IPV6=1 an
# address of a unique local (ULA, fd00::/8) subnet made for this run.
MH_NET6="fd00:6c6b:$(printf %x $(($$ % 65536)))"
mh_addr() {
    if [ "${MH_IPV6:-0}" = 1 ]; then
        echo "$MH_NET6::$(printf %x $(($1 + 1)))"
    else
        echo "10.213.$(($1 / 250)).$(($1 % 250 + 1))"
    fi
}

# mh_hosts N: hosts ${MH}h0 .. ${MH}h(N-1) at 10.213.0.1 ...; with
# MH_IPV6=1 their only global addresses are IPv6 ($MH_NET6::1 ...: DAD off,
# so they work at once), and a machine that cannot give a namespace an
# IPv6 address skips the test (77), saying why.
mh_hosts() {
    ip link add "$MH_BR" type bridge 2>/dev/null ||
        mh_skip "cannot create a bridge (no CAP_NET_ADMIN here?)"
    ip link set "$MH_BR" up
    i=0
    while [ $i -lt "$1" ]; do
        ns="${MH}h$i"
        ip netns add "$ns" 2>/dev/null || mh_skip "cannot create network namespaces here"
        mh_n=$((i + 1))
        ip link add "${MH}v$i" type veth peer name eth0 netns "$ns" || fail "veth for $ns"
        ip link set "${MH}v$i" master "$MH_BR" up
        if [ "${MH_IPV6:-0}" = 1 ]; then
            ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 \
                net.ipv6.conf.eth0.disable_ipv6=0 2>/dev/null
            ip -n "$ns" -6 addr add "$(mh_addr $i)/64" dev eth0 nodad 2>/dev/null ||
                mh_skip "cannot give a network namespace an IPv6 address here (IPv6 disabled?)"
        else
            ip -n "$ns" addr add "$(mh_addr $i)/16" dev eth0
        fi
        ip -n "$ns" link set eth0 up
        ip -n "$ns" link set lo up
        # The host's /dev/shm: a tmpfs of its own, mounted here too, so
        # that mh_no_leftovers sees what a job left in it.
        mkdir -p "$scratch/shm/$ns"
        mount -t tmpfs -o size=1g,mode=1777 "lark-test-$ns" "$scratch/shm/$ns" ||
            mh_skip "cannot mount a tmpfs for ${ns}'s /dev/shm"
        i=$((i + 1))
    done
    AGENT="$scratch/agent"
    {
        echo '#!/bin/sh'
        echo '# agent HOST COMMAND-LINE: run the command line in HOST, as ssh would.'
        echo "shm='$scratch/shm'"
        cat <<'AGENT_EOF'
h=$1
shift
[ -d "$shm/$h" ] || { echo "agent: no host $h" >&2; exit 255; }
exec ip netns exec "$h" unshare -m -u --propagation private sh -c \
    'mount --bind "$1/$0" /dev/shm && hostname "$0" && exec sh -c "$2"' "$h" "$shm" "$*"
AGENT_EOF
    } >"$AGENT"
    chmod +x "$AGENT"
    "$AGENT" "${MH}h0" "test \"\$(hostname)\" = ${MH}h0" || fail "the agent cannot enter ${MH}h0"
}

# mh_run HOST ARGS...: mpirun ARGS... started on HOST (its namespace), with
# a time limit; sets rc and elapsed_ms, output in $out and $err.
mh_run() {
    h=$1
    shift
    q=""
    for a in "$@"; do
        q="$q '$(printf %s "$a" | sed "s/'/'\\\\''/g")'"
    done
    t0=$(date +%s%N)
    timeout -k 2 "${LARK_RUN_LIMIT:-30}" "$AGENT" "$h" "cd '$PWD' && exec '$MPIRUN' $q" \
        >"$out" 2>"$err" <"${MH_STDIN:-/dev/null}"
    rc=$?
    t1=$(date +%s%N)
    elapsed_ms=$(((t1 - t0) / 1000000))
}

# mh_no_leftovers WHAT: no process in any host namespace, no file left in
# any host's /dev/shm (its tmpfs, seen from here), nothing in our TMPDIR.
mh_no_leftovers() {
    i=0
    while [ $i -lt $mh_n ]; do
        k=0
        while [ -n "$(ip netns pids "${MH}h$i")" ]; do
            k=$((k + 1))
            if [ $k -gt 40 ]; then
                ps -o pid,args -p "$(ip netns pids "${MH}h$i" | tr '\n' ',' | sed 's/,$//')"
                fail "$1: processes left on host ${MH}h$i"
            fi
            sleep 0.05
        done
        k=0
        while [ -n "$(ls -A "$scratch/shm/${MH}h$i")" ]; do
            k=$((k + 1))
            if [ $k -gt 40 ]; then
                ls -lA "$scratch/shm/${MH}h$i"
                rm -f "$scratch/shm/${MH}h$i"/*
                fail "$1: files left in /dev/shm of host ${MH}h$i"
            fi
            sleep 0.05
        done
        i=$((i + 1))
    done
    [ -z "$(ls -A "$TMPDIR")" ] || { ls -lA "$TMPDIR"; rm -rf "${TMPDIR:?}"/*; fail "$1: files left in TMPDIR"; }
    return 0
}
