#!/bin/sh
# launcher_leftovers.sh -- nothing of a job outlives it: descendants of a rank
# that left its process group (setsid) are ended with the job, however the
# job ends; and what a job killed with SIGKILL leaves in TMPDIR and /dev/shm
# (it cannot clean up) is swept by the next mpirun of the same user.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# A rank starts a daemon in its own session, then fails: the daemon goes too.
run -n 2 sh -c "setsid $SLEEP 300 & if [ \$LARK_COMM_WORLD_RANK = 1 ]; then exit 2; fi; while :; do $SLEEP 0.1; done" "$scratch/a"
expect_rc 2 "setsid descendant, failed job"
no_leftovers "setsid descendant, failed job"
# The same in a job that ends well.
run -n 2 sh -c "setsid $SLEEP 300 & exit 0" "$scratch/b"
expect_rc 0 "setsid descendant, clean job"
no_leftovers "setsid descendant, clean job"
# A double fork into a new session while the rank lives; mpirun gets SIGTERM.
timeout -k 2 30 "$MPIRUN" -n 1 sh -c "(setsid sh -c '$SLEEP 300 & exit 0' &); touch $scratch/ready; $SLEEP 300" "$scratch/c" >"$out" 2>"$err" </dev/null &
pid=$!
i=0
until [ -f "$scratch/ready" ] && [ "$(pgrep -fc "^$SLEEP 300")" -ge 2 ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "double fork: the job did not start"; sleep 0.02
done
kill -TERM "$(pgrep -P $pid)"
wait $pid; rc=$?
expect_rc 143 "double-forked setsid descendant, SIGTERM"
no_leftovers "double-forked setsid descendant, SIGTERM"

# SIGKILL of mpirun at random moments of the start-up, MPI_Init included.
cat >"$scratch/initsleep.c" <<'PROG'
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    FILE *f = fopen(argv[1], "a");
    if (f) {
        fprintf(f, "%s\n", getenv("LARK_JOB_NAMESPACE"));
        fclose(f);
    }
    MPI_Init(&argc, &argv);
    sleep(30);
    MPI_Finalize();
    return 0;
}
PROG
"$LARK_MPICC" -o "$scratch/initsleep" "$scratch/initsleep.c" || fail "cannot build the test program"
trials=${LARK_SIGKILL_TRIALS:-10}
t=0 left_tmp=0 left_shm=0
while [ $t -lt $trials ]; do
    # In a session of its own, so that "every process of that job is gone"
    # can be asked: pgrep -s.
    setsid "$MPIRUN" -n 2 --oversubscribe "$scratch/initsleep" "$scratch/ns.$t" >/dev/null 2>&1 </dev/null &
    mp=$!
    # Even trials: 0 to 190 ms after the start; odd ones: 0 to 45 ms after
    # both ranks entered MPI_Init.
    if [ $((t % 2)) = 0 ]; then
        sleep "0.$(( (t * 37) % 20 ))"
    else
        i=0
        until [ "$(grep -c . "$scratch/ns.$t" 2>/dev/null)" = 2 ]; do
            i=$((i + 1)); [ $i -gt 500 ] && break; sleep 0.01
        done
        sleep "0.0$(( (t * 7) % 10 ))"
    fi
    kill -KILL $mp
    wait $mp 2>/dev/null
    # The ranks die with mpirun (PR_SET_PDEATHSIG).
    i=0
    while pgrep -f "$scratch/initsleep" >/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && fail "SIGKILL trial $t: ranks survived mpirun"; sleep 0.02
    done
    # A child mpirun had forked but not yet turned into a rank holds the
    # job's owner lock until its death signal lands: the sweep below must
    # come after it, as it would for any later job.  Such a child may have
    # left mpirun's session already (a session per rank): it still has
    # mpirun's command line.
    i=0
    while pgrep -s $mp >/dev/null || pgrep -f "$scratch/ns\.$t\$" >/dev/null; do
        i=$((i + 1)); [ $i -gt 100 ] && fail "SIGKILL trial $t: processes of the job survived mpirun"; sleep 0.02
    done
    [ -z "$(ls -A "$TMPDIR")" ] || left_tmp=$((left_tmp + 1))
    for ns in $(sort -u "$scratch/ns.$t" 2>/dev/null); do
        if ls /dev/shm/"$ns".shm.* >/dev/null 2>&1; then left_shm=$((left_shm + 1)); break; fi
    done
    # The next job sweeps what this one left.
    run -n 1 true
    expect_rc 0 "the job after SIGKILL trial $t"
    [ -z "$(ls -A "$TMPDIR")" ] || { ls -la "$TMPDIR"; fail "SIGKILL trial $t: the next mpirun left $(ls "$TMPDIR") in TMPDIR"; }
    for ns in $(cat "$scratch"/ns.* 2>/dev/null | sort -u); do
        ls /dev/shm/"$ns".* >/dev/null 2>&1 && { ls -la /dev/shm/"$ns".*; fail "SIGKILL trial $t: /dev/shm/$ns.* not swept"; }
    done
    t=$((t + 1))
done
echo "SIGKILL of mpirun, $trials trials: TMPDIR left behind $left_tmp times, /dev/shm $left_shm times; all swept by the next mpirun"
no_leftovers "SIGKILL trials"
exit 0
