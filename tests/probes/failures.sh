#!/bin/sh
# failures.sh -- a probe of issue 17's "one clear line" and "no orphans":
# TRIALS jobs of 4 ranks (2 cores: oversubscribed) in which one rank, chosen
# at random, fails at a random moment while the others exchange messages
# (SIGKILL, SIGSEGV, exit 3, MPI_Abort or a fatal MPI error).  Counts the
# jobs that exited 0 (must be none), the lines mpirun's stderr had, PMIx's
# own lines ("PMIX ERROR", banners), processes left behind and files left
# in /dev/shm and $TMPDIR.  Not part of make check (it is long and its
# figures are for the closing note).
#
#   tests/probes/failures.sh LARK_BUILD_DIR [TRIALS]      (default 100)
set -u
build=$(cd "${1:?usage: failures.sh LARK_BUILD_DIR [TRIALS]}" && pwd)
trials=${2:-100}
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/victim.c" <<'PROG'
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
/* victim RANK HOW USEC: RANK fails after USEC microseconds of ring traffic. */
int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, x = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int victim = atoi(argv[1]), how = atoi(argv[2]);
    if (rank == 0 && getenv("PMIX_NAMESPACE") != NULL) { /* to find the job's files */
        printf("%s\n", getenv("PMIX_NAMESPACE"));
        fflush(stdout);
    }
    double until = MPI_Wtime() + atoi(argv[3]) / 1e6;
    for (int i = 0;; i++) {
        if (rank == victim && MPI_Wtime() > until) {
            switch (how) {
            case 0: raise(SIGKILL); break;
            case 1: raise(SIGSEGV); break;
            case 2: exit(3);
            case 3: MPI_Abort(MPI_COMM_WORLD, 7); break;
            default: MPI_Send(&x, -1, MPI_INT, 0, 0, MPI_COMM_WORLD);
            }
        }
        MPI_Sendrecv_replace(&x, 1, MPI_INT, (rank + 1) % size, 0, (rank + size - 1) % size, 0,
                             MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (i % 64 == 0)
            MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    }
}
PROG
"$build/wrappers/build/mpicc" -O2 "$tmp/victim.c" -o "$tmp/victim" || exit 1
zero=0 lines=0 pmix=0 orphans=0 files=0 maxlines=0 shm=0
for t in $(seq "$trials"); do
    v=$(shuf -i 0-3 -n 1) how=$(shuf -i 0-4 -n 1) us=$(shuf -i 0-300000 -n 1)
    TMPDIR="$tmp" timeout -k 5 60 "$build/mpirun" --oversubscribe -n 4 "$tmp/victim" "$v" "$how" "$us" \
        >"$tmp/out" 2>"$tmp/err"
    [ $? = 0 ] && zero=$((zero + 1))
    n=$(wc -l <"$tmp/err")
    lines=$((lines + n))
    [ "$n" -gt "$maxlines" ] && maxlines=$n
    pmix=$((pmix + $(grep -ci 'pmix' "$tmp/err")))
    sleep 0.2
    orphans=$((orphans + $(pgrep -c -f "$tmp/victim" || true)))
    pkill -9 -f "$tmp/victim" 2>/dev/null
    files=$((files + $(find "$tmp" -mindepth 1 -maxdepth 1 ! -name 'victim*' ! -name err ! -name out | wc -l)))
    ns=$(head -n 1 "$tmp/out")
    [ -n "$ns" ] && shm=$((shm + $(ls /dev/shm | grep -c "^$ns\." || true)))
done
echo "failures: $trials jobs with one rank failing (kill/segv/exit/abort/fatal): $zero exited 0," \
    "stderr lines $lines in all (at most $maxlines per job), $pmix mentioning PMIx," \
    "$orphans processes left, $files files left in TMPDIR, $shm in /dev/shm"
