#!/bin/sh
# tcp_kill.sh -- a rank killed in the middle of a 64 MiB transfer over TCP:
# the job ends within a couple of seconds, non-zero, with a message naming
# the rank that died.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
LARK_TRANSPORTS=tcp,self timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./tcp_faults kill 2> "$scratch/err" &&
    fail "the job with a killed rank exited 0: $(cat "$scratch/err")"
t1=$(( $(date +%s%N) / 1000000 ))
cat "$scratch/err"
grep -q "rank 1" "$scratch/err" || fail "no message names rank 1: $(cat "$scratch/err")"
grep -q "completed" "$scratch/err" && fail "a transfer with a dead rank completed"
# From the death (rank 1 prints the time) to the end of mpirun: about a second
# on a quiet machine; 5 s leaves room for a loaded one.
t0=$(sed -n 's/.*rank 1 dies at \([0-9]*\) ms.*/\1/p' "$scratch/err")
[ -n "$t0" ] || fail "rank 1 did not say when it died: $(cat "$scratch/err")"
ms=$((t1 - t0))
[ "$ms" -lt 5000 ] || fail "the job took $ms ms to end after rank 1 died"
echo "tcp_kill: the job ended $ms ms after rank 1 died"
