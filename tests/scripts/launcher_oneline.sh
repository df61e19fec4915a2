#!/bin/sh
# launcher_oneline.sh -- every failure is said once, in Lark's words: one
# line on stderr for MPI_Abort, for a fatal MPI error, for two ranks failing
# at once; nothing of PMIx's own (its "PMIX ERROR" lines, its help banners)
# in any of them; and a job that cannot fit under the user's process limit
# fails at once, before anything starts.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

cat >"$scratch/fail.c" <<'PROG'
#include <mpi.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
/* fail MODE: abort (every rank calls MPI_Abort), fatal (every rank makes a
 * bad call under MPI_ERRORS_ARE_FATAL), crash (rank 1 segfaults), exit
 * (rank 1 exits 3); the others wait in a barrier. */
int main(int argc, char **argv)
{
    int rank;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (strcmp(argv[1], "abort") == 0)
        MPI_Abort(MPI_COMM_WORLD, 5);
    if (strcmp(argv[1], "fatal") == 0)
        MPI_Send(NULL, -1, MPI_INT, 0, 0, MPI_COMM_WORLD);
    if (rank == 1 && strcmp(argv[1], "crash") == 0)
        raise(SIGSEGV);
    if (rank == 1 && strcmp(argv[1], "exit") == 0)
        exit(3);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
PROG
"$LARK_MPICC" -o "$scratch/fail" "$scratch/fail.c" || fail "cannot build the test program"

# one MODE RC TEXT: stderr is exactly one line, from mpirun, holding TEXT.
one() {
    run --oversubscribe -n 3 "$scratch/fail" "$1"
    expect_rc "$2" "$1"
    expect_err "$3" "$1"
    [ "$(grep -c . "$err")" = 1 ] || { cat "$err"; fail "$1: $(grep -c . "$err") lines on stderr, not 1"; }
    grep -q '^mpirun: ' "$err" || { cat "$err"; fail "$1: the line is not mpirun's"; }
    no_leftovers "$1"
}
one abort 5 "called MPI_Abort with error code 5; the job is aborted"
one fatal 2 "aborted the job (error code 2): MPI_Send failed on rank .*MPI_ERR_COUNT"
one crash 139 "rank 1 .* killed by signal 11"
one exit 3 "rank 1 .* exited with status 3"

# Many failures in a row: never a line of PMIx's own.
i=0
while [ $i -lt ${LARK_ONELINE_RUNS:-5} ]; do
    for m in abort fatal crash exit; do
        run --oversubscribe -n 4 "$scratch/fail" $m
        if grep -q 'PMIX\|pmix\|^----' "$err"; then cat "$err"; fail "PMIx's own output in failure $m"; fi
        [ "$(grep -c . "$err")" = 1 ] || { cat "$err"; fail "failure $m: $(grep -c . "$err") lines on stderr"; }
    done
    i=$((i + 1))
done
no_leftovers "repeated failures"

# More ranks than the user may run processes: one line at once, nothing
# started.  RLIMIT_NPROC binds only users other than root.
if [ "$(id -u)" = 0 ]; then
    as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    chmod 777 "$scratch" "$TMPDIR"
else
    as=""
fi
t0=$(date +%s%N)
$as prlimit --nproc=200 timeout -k 2 60 "$MPIRUN" -n 100000 --oversubscribe "$scratch/fail" exit >"$out" 2>"$err" </dev/null
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
echo "-n 100000 under ulimit -u 200: exit $rc after $ms ms: $(cat "$err")"
expect_rc 1 "-n 100000 under a process limit"
expect_err "ulimit -u" "-n 100000 under a process limit"
[ "$(grep -c . "$err")" = 1 ] || { cat "$err"; fail "-n 100000: more than one line"; }
within "$ms" 5000 "-n 100000 under a process limit took $ms ms to fail"
no_leftovers "-n 100000 under a process limit"
exit 0
