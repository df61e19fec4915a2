#!/bin/sh
# errors_fatal.sh -- under the default MPI_ERRORS_ARE_FATAL a bad call ends
# the whole job, non-zero, with a message naming the call, the rank and the
# reason; as a singleton and under mpirun.  So does MPI_ERRORS_ABORT.
# MPI_Abort ends the job with its code.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
check_msg() {
    grep -q "MPI_Send failed on rank [01] " "$1" || fail "no call/rank in the message: $(cat "$1")"
    grep -q "MPI_ERR_RANK" "$1" || fail "no error class in the message: $(cat "$1")"
    grep -q "is not in the communicator" "$1" || fail "no reason in the message: $(cat "$1")"
}
env -u PMIX_NAMESPACE timeout 60 ./errors fatal 2> "$scratch/single" && fail "singleton: a fatal error exited 0"
check_msg "$scratch/single"
timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./errors fatal 2> "$scratch/job" && fail "mpirun: a fatal error exited 0"
check_msg "$scratch/job"
# MPI_ERRORS_ABORT: the job ends, non-zero, saying which handler did it.
timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./errors errabort 2> "$scratch/errabort" &&
    fail "MPI_ERRORS_ABORT: the job exited 0"
grep -q "MPI_Send failed on rank 0 .*MPI_ERR_RANK.*MPI_ERRORS_ABORT" "$scratch/errabort" ||
    fail "MPI_ERRORS_ABORT: no call, rank, class or handler in: $(cat "$scratch/errabort")"
# MPI_Abort ends every rank, even those blocked in a receive, with its code.
timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./errors abort 2> "$scratch/abort"
rc=$?
[ $rc -eq 7 ] || fail "MPI_Abort(7): mpirun exited $rc: $(cat "$scratch/abort")"
grep -q "MPI_Abort" "$scratch/abort" || fail "no MPI_Abort message: $(cat "$scratch/abort")"
env -u PMIX_NAMESPACE timeout 60 ./errors abort 2> "$scratch/abort1"
rc=$?
[ $rc -eq 7 ] || fail "singleton MPI_Abort(7) exited $rc"
echo "errors_fatal: the job stops with a clear message"
