#!/bin/sh
# tcp_ipv6.sh -- the TCP transport over IPv6 between local ranks: with
# LARK_TCP_IF_INCLUDE=::1 a rank listens on the IPv6 loopback alone, so
# the conformance program (every protocol path, data checked byte for
# byte) passes only if TCP works over IPv6; "[::1]" is the same.  A
# selection that matches no address fails MPI_Init with a line that says
# so.  Where this machine has no ::1 (IPv6 disabled) the test says why and
# is skipped (77).
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
awk '$1 == "00000000000000000000000000000001" { found = 1 } END { exit !found }' \
    /proc/net/if_inet6 2>/dev/null || {
    echo "SKIP: no IPv6 loopback address (::1) on this machine (/proc/net/if_inet6)"
    exit 77
}
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
LARK_TRANSPORTS=tcp,self LARK_TCP_IF_INCLUDE=::1 timeout -k 5 120 "$LARK_MPIRUN" -n 2 \
    ./conformance > "$scratch/out" 2>&1 || { cat "$scratch/out"; fail "conformance over ::1 failed"; }
LARK_TRANSPORTS=tcp,self LARK_TCP_IF_INCLUDE='[::1]' LARK_EAGER_LIMIT=1 timeout -k 5 60 \
    "$LARK_MPIRUN" -n 2 ./p2p_basic > "$scratch/out" 2>&1 ||
    { cat "$scratch/out"; fail "p2p_basic over [::1], rendezvous for all, failed"; }
LARK_TRANSPORTS=tcp,self LARK_TCP_IF_INCLUDE=fd00:0:0:1::/64 timeout -k 5 60 "$LARK_MPIRUN" \
    -n 2 ./p2p_basic > "$scratch/out" 2>&1 && fail "a selection matching nothing: the job passed"
grep -q "no usable network interface.*in LARK_TCP_IF_INCLUDE=fd00:0:0:1::/64" "$scratch/out" ||
    { cat "$scratch/out"; fail "no line says no interface matches LARK_TCP_IF_INCLUDE"; }
echo "tcp_ipv6: TCP between local ranks over ::1"
