#!/bin/sh
# tcp_kill.sh -- a rank killed in the middle of a 64 MiB transfer over TCP:
# the job ends within a couple of seconds, non-zero, with a message naming
# the rank that died.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
t0=$(date +%s%N)
LARK_TRANSPORTS=tcp,self timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./tcp_faults kill 2> "$scratch/err" &&
    fail "the job with a killed rank exited 0: $(cat "$scratch/err")"
t1=$(date +%s%N)
cat "$scratch/err"
grep -q "rank 1" "$scratch/err" || fail "no message names rank 1: $(cat "$scratch/err")"
grep -q "completed" "$scratch/err" && fail "a transfer with a dead rank completed"
# The kill comes at most ~0.3 s after the transfer starts; allow for a loaded machine.
ms=$(( (t1 - t0) / 1000000 ))
[ "$ms" -lt 5000 ] || fail "the job took $ms ms to end after a rank died"
echo "tcp_kill: the job ended in $ms ms"
