#!/bin/sh
# errors_fatal.sh -- under the default MPI_ERRORS_ARE_FATAL a bad call ends
# the whole job, non-zero, with a message naming the call, the rank and the
# reason; as a singleton and under mpirun.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
check_msg() {
    grep -q "MPI_Send failed on rank 0" "$1" || fail "no call/rank in the message: $(cat "$1")"
    grep -q "MPI_ERR_RANK" "$1" || fail "no error class in the message: $(cat "$1")"
    grep -q "is not in the communicator" "$1" || fail "no reason in the message: $(cat "$1")"
}
env -u PMIX_NAMESPACE timeout 60 ./errors fatal 2> "$scratch/single" && fail "singleton: a fatal error exited 0"
check_msg "$scratch/single"
timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./errors fatal 2> "$scratch/job" && fail "mpirun: a fatal error exited 0"
check_msg "$scratch/job"
echo "errors_fatal: the job stops with a clear message"
