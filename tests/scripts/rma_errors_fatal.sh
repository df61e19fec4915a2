#!/bin/sh
# rma_errors_fatal.sh -- under a window's default MPI_ERRORS_ARE_FATAL, a
# put past the end of the target's window ends the whole job with a message
# that names the call, the rank, the class and the reason.
. "$top_srcdir/tests/scripts/lib.sh"
out=$(timeout 60 "$LARK_MPIRUN" -n 2 "$top_builddir/tests/mpi/rma_errors" fatal 2>&1)
rc=$?
echo "$out"
[ $rc -ne 0 ] || fail "the job exited 0 after a fatal error"
[ $rc -ne 124 ] || fail "the job hung after a fatal error"
echo "$out" | grep -q "MPI_Put failed on rank [01]" || fail "the message does not name MPI_Put and the rank"
echo "$out" | grep -q "MPI_ERR_RMA_RANGE" || fail "the message does not give the class"
echo "$out" | grep -q "outside the target's window" || fail "the message does not say why"
echo "$out" | grep -q "returned" && fail "MPI_Put returned under MPI_ERRORS_ARE_FATAL"
echo "rma_errors_fatal: the job ended with status $rc and a clear message"
