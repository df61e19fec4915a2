#!/bin/sh
# launcher_mpi.sh -- the launcher with real MPI programs (libmpi): MPI_Abort's
# code becomes mpirun's status, a rank that skips MPI_Finalize or leaves
# before MPI_Init, or crashes inside MPI, ends the job, and nothing of the job
# stays in /dev/shm; without mpirun a program is a singleton.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

cat >"$scratch/fail.c" <<'PROG'
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* fail MODE: rank 1 misbehaves (MODE: abort, nofinalize, beforeinit,
 * segv, ok); the others wait in a barrier that needs it. */
int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ok";
    const char *r = getenv("LARK_COMM_WORLD_RANK");
    const char *ns = getenv("LARK_JOB_NAMESPACE");
    if (ns) {
        printf("ns=%s\n", ns);
        fflush(stdout);
    }
    if (strcmp(mode, "beforeinit") == 0 && r && atoi(r) == 1)
        return 0;
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank == 1 || size == 1) {
        if (strcmp(mode, "abort") == 0)
            MPI_Abort(MPI_COMM_WORLD, 42);
        if (strcmp(mode, "nofinalize") == 0)
            return 0;
        if (strcmp(mode, "segv") == 0)
            raise(SIGSEGV);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    printf("rank %d of %d ok\n", rank, size);
    MPI_Finalize();
    return 0;
}
PROG
"$LARK_MPICC" -o "$scratch/fail" "$scratch/fail.c" || fail "cannot build the MPI test program"

# mpi MODE RC TEXT
mpi() {
    run --oversubscribe -n 3 "$scratch/fail" $1
    expect_rc "$2" "MPI $1"
    [ -z "$3" ] || expect_err "$3" "MPI $1"
    sed -n 's/^ns=//p' "$out" | sort -u >"$scratch/ns"
    [ -s "$scratch/ns" ] || fail "MPI $1: no namespace printed"
    no_leftovers "MPI $1"
    echo "ok: MPI $1 -> exit $rc in $elapsed_ms ms"
}
mpi ok 0 ""
[ "$(grep -c 'of 3 ok' "$out")" = 3 ] || fail "MPI ok: $(cat "$out")"
mpi abort 42 "rank 1 .* called MPI_Abort with error code 42"
mpi nofinalize 1 "rank 1 .* without calling MPI_Finalize"
mpi beforeinit 1 "rank 1 .* exited before MPI_Init"
mpi segv 139 "rank 1 .* killed by signal 11"

# Singleton: no mpirun, MPI_COMM_WORLD of size 1.
o=$(env -u PMIX_NAMESPACE "$scratch/fail" ok) || fail "singleton failed: $o"
echo "$o" | grep -q "rank 0 of 1 ok" || fail "singleton printed: $o"
no_leftovers "singleton"
exit 0
