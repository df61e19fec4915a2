#!/bin/sh
# Multi-host jobs over IPv6 alone: two network-namespace "hosts"
# (multihost_lib.sh) whose bridge carries only IPv6 (ULA addresses of a
# subnet made for this run, fd00::/8; no IPv4 address on it).  The
# daemon calls back to mpirun over IPv6, the ranks' TCP transport
# connects over IPv6, hosts may be written as IPv6 addresses in brackets
# ("--host [addr]:N", hostfile "addr slots=N"), and LARK_TCP_IF_INCLUDE /
# _EXCLUDE take IPv6 CIDR ranges.  After each run: no process on any host,
# no file; the namespaces (and with them the addresses) go at the end.
# Where namespaces or IPv6 are not available the test says why and exits
# 77 (skipped).
. "$top_srcdir/tests/scripts/launcher_lib.sh"
. "$top_srcdir/tests/scripts/multihost_lib.sh"
MH_IPV6=1
mh_hosts 2
H0=${MH}h0 H1=${MH}h1
A0=$(mh_addr 0) A1=$(mh_addr 1)
# No IPv4 on the bridge: whatever connects between the hosts is IPv6.
[ -z "$(ip -n "$H1" -4 addr show dev eth0)" ] || fail "host $H1 has an IPv4 address on eth0"
"$AGENT" "$H1" "ping -6 -c 1 -W 2 $A0 >/dev/null 2>&1 || ip -6 route get $A0 >/dev/null" ||
    mh_skip "the IPv6 hosts cannot reach each other here"
cp "$top_builddir/lark-noded" "$scratch/lark-noded"
LARK_NODED="$scratch/lark-noded"
export LARK_NODED
for p in p2p_basic coll_check; do
    cp "$top_builddir/tests/mpi/$p" "$scratch/$p" || fail "no tests/mpi/$p in the build tree"
done
LARK_RUN_LIMIT=${LARK_RUN_LIMIT:-120}
# An agent that also takes a host's address: it enters that host.
AGENT6="$scratch/agent6"
cat >"$AGENT6" <<AGENT6_EOF
#!/bin/sh
h=\$1
shift
case "\$h" in
$A0) h=$H0 ;;
$A1) h=$H1 ;;
esac
exec "$AGENT" "\$h" "\$@"
AGENT6_EOF
chmod +x "$AGENT6"

# mpi WHAT EXPECTED-RC MPIRUN-ARGS...: one job from h0, checked.
mpi() {
    what=$1 want=$2
    shift 2
    mh_run "$H0" "$@"
    if [ "$want" = fails ]; then
        [ "$rc" != 0 ] && [ "$rc" != 124 ] || { cat "$out" "$err"; fail "$what: mpirun exited $rc"; }
    else
        expect_rc "$want" "$what"
    fi
    mh_no_leftovers "$what"
}

# One rank per host: the daemon on h1 calls back over IPv6, the ranks talk
# over TCP/IPv6 (every point-to-point call, 0 B to 4 MiB).
mpi "p2p over IPv6" 0 -launcher-exec "$AGENT" --host "$H0,$H1" -n 2 "$scratch/p2p_basic"
# Collectives with two ranks per host: shm inside, TCP/IPv6 between.
mpi "collectives over IPv6" 0 -launcher-exec "$AGENT" --host "$H0:2,$H1:2" --map-by node -n 4 \
    -x LARK_TCP_IF_INCLUDE=fd00::/8 "$scratch/coll_check"
# Hosts written as IPv6 addresses: in brackets with a count on the command
# line, plain with slots=N in a hostfile (mpirun on h0 runs no rank then:
# an address is not a name of this host, so both hosts get a daemon).
mpi "--host [addr]:N" 0 -launcher-exec "$AGENT6" --host "[$A0]:1,[$A1]:1" -n 2 \
    "$scratch/p2p_basic"
printf '%s slots=1\n[%s]:1\n' "$A0" "$A1" >"$scratch/hostfile"
mpi "hostfile of IPv6 addresses" 0 -launcher-exec "$AGENT6" --hostfile "$scratch/hostfile" -n 2 \
    "$scratch/p2p_basic"
# Excluding the IPv6 subnet leaves a rank nothing to listen on: MPI_Init
# fails saying so (and which selection), the job ends.
mpi "LARK_TCP_IF_EXCLUDE=fd00::/8" fails -launcher-exec "$AGENT" --host "$H0,$H1" -n 2 \
    -x LARK_TCP_IF_EXCLUDE=fd00::/8 "$scratch/p2p_basic"
expect_err "no usable network interface.*not in LARK_TCP_IF_EXCLUDE=fd00::/8" \
    "LARK_TCP_IF_EXCLUDE=fd00::/8"
# With TCP forced (LARK_TRANSPORTS), loopback is allowed, so the same
# exclusion leaves only loopback: across hosts that reaches no peer, and
# MPI_Init says so rather than the first send.
mpi "TCP forced, only loopback left" fails -launcher-exec "$AGENT" --host "$H0,$H1" -n 2 \
    -x LARK_TRANSPORTS=tcp,self -x LARK_TCP_IF_EXCLUDE=fd00::/8 "$scratch/p2p_basic"
expect_err "no usable network interface for the ranks on other hosts: only loopback.*not in LARK_TCP_IF_EXCLUDE=fd00::/8" \
    "TCP forced, only loopback left"
echo "multihost_ipv6: daemons and ranks across hosts over IPv6 alone"
