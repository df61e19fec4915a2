#!/bin/sh
# coll_errors_fatal.sh -- under the default MPI_ERRORS_ARE_FATAL, a
# collective with a bad root ends the whole job with a message that names
# the call, the rank and the reason, and a non-zero exit status.
. "$top_srcdir/tests/scripts/lib.sh"
out=$(timeout 60 "$LARK_MPIRUN" -n 2 "$top_builddir/tests/mpi/coll_errors" fatal 2>&1)
rc=$?
echo "$out"
[ $rc -ne 0 ] || fail "the job exited 0 after a fatal error"
[ $rc -ne 124 ] || fail "the job hung after a fatal error"
echo "$out" | grep -q "MPI_Bcast" || fail "the message does not name MPI_Bcast"
echo "$out" | grep -qi "root" || fail "the message does not say the root was wrong"
echo "$out" | grep -q "rank [01]" || fail "the message does not name the rank"
echo "$out" | grep -q "returned" && fail "MPI_Bcast returned under MPI_ERRORS_ARE_FATAL"
echo "coll_errors_fatal: the job ended with status $rc and a clear message"
