#!/bin/sh
# tcp_stranger.sh -- a stranger connects to a rank's TCP port and sends
# garbage, then a well-formed handshake with a wrong secret: both are
# dropped with one line each, and the job's results are unaffected.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
command -v ss >/dev/null || fail "ss is missing (iproute2)"
command -v bash >/dev/null || fail "bash is missing"
lo=$((41000 + $$ % 20000))
hi=$((lo + 19))
LARK_TRANSPORTS=tcp,self LARK_TCP_PORT_RANGE=$lo-$hi \
    timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./tcp_faults slow 100 > "$scratch/out" 2> "$scratch/err" &
job=$!
# Wait for the ranks' listening ports.
ports=
for i in $(seq 100); do
    ports=$(ss -Hltnp "sport >= :$lo and sport <= :$hi" | grep tcp_faults | awk '{n=split($4,a,":"); print a[n]}')
    [ "$(echo "$ports" | wc -w)" -ge 2 ] && break
    sleep 0.1
done
[ -n "$ports" ] || { wait $job; fail "no rank listened in $lo-$hi: $(cat "$scratch/err")"; }
for p in $ports; do
    # Garbage, as from a port scanner.
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$p && printf 'GET / HTTP/1.0\r\n\r\n%0200d' 0 >&3" 2>/dev/null
    # A Lark handshake (magic, version 1, HELLO, from 1 to 0) with a secret of zeros.
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$p && printf 'LARKTCP1\001\0\0\0\001\0\0\0\001\0\0\0\0\0\0\0' >&3 &&
             head -c 104 /dev/zero >&3 && sleep 0.2" 2>/dev/null
done
wait $job || fail "the job failed after a stranger called: $(cat "$scratch/err")"
grep -q "tcp_faults: slow OK" "$scratch/out" || fail "no result: $(cat "$scratch/out")"
grep -q "dropped a TCP connection from 127.0.0.1:[0-9]*: not a Lark handshake" "$scratch/err" ||
    fail "the garbage was not logged: $(cat "$scratch/err")"
grep -q "dropped a TCP connection from 127.0.0.1:[0-9]*: wrong job secret" "$scratch/err" ||
    fail "the wrong secret was not logged: $(cat "$scratch/err")"
# One line per dropped connection at most (a rank that reached MPI_Finalize
# before reading a stranger drops it silently).
n=$(grep -c "dropped a TCP connection" "$scratch/err")
[ "$n" -le "$(( 2 * $(echo "$ports" | wc -w) ))" ] ||
    fail "more than one line per dropped connection ($n): $(cat "$scratch/err")"
echo "tcp_stranger: strangers dropped and logged, the job unharmed"
