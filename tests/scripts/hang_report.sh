#!/bin/sh
# hang_report.sh -- mpirun's hang report: on --timeout, and on demand
# (mpirun --report-state PID), it says where each rank is and names the
# cause: a deadlock cycle, a straggler outside a collective, a tag
# mismatch, a rank spinning outside MPI.  Each verdict is checked, and no
# where-record is left in /dev/shm.
. "$top_srcdir/tests/scripts/launcher_lib.sh"
HANG="$scratch/hang"
cp "$top_builddir/tests/mpi/hang" "$HANG" || fail "no hang helper"
# This job's where-records (by its namespace, which rank 0 prints):
# none may be left once mpirun is gone.
job_left() {
    ns=$(sed -n 's/^hang: job //p' "$out" | head -n 1)
    [ -n "$ns" ] || { cat "$out"; fail "$1: the job did not say its namespace"; }
    ls /dev/shm | grep -q "^$ns\.where\." && fail "$1: where-records left in /dev/shm: $(ls /dev/shm | grep "^$ns\.")"
    return 0
}

# expect_line REGEX WHAT: stderr of the last run has a line matching REGEX.
expect_line() {
    grep -Eq -- "$1" "$err" || {
        echo "--- stderr"; cat "$err"
        fail "$2: no line matching: $1"
    }
}

run --oversubscribe --timeout 3 -n 3 "$HANG" deadlock
expect_rc 124 "deadlock"
expect_line '^  rank 0 \(.*\): in MPI_Recv from rank 1 tag 5 on MPI_COMM_WORLD for [0-9.]+ s' "deadlock: rank 0"
expect_line '^mpirun: deadlock: rank 0 in MPI_Recv from rank 1 tag 5 on MPI_COMM_WORLD, rank 1 in MPI_Recv from rank 0 tag 5 on MPI_COMM_WORLD: a cycle 0 → 1 → 0$' "deadlock: the cycle"
job_left deadlock

# straggler MODE CALL: 3 ranks; ranks 0 and 1 wait in CALL on
# MPI_COMM_WORLD, rank 2 sleeps outside MPI.
straggler() {
    run --oversubscribe --timeout 3 -n 3 "$HANG" "$1"
    expect_rc 124 "$1"
    expect_line "^mpirun: straggler: ranks 0, 1 wait in $2 on MPI_COMM_WORLD; rank 2 has not entered it: it is outside MPI for [0-9.]+ s" "$1: the verdict"
}
straggler straggler MPI_Allreduce
# A collective records where it is only once it waits (as point to point
# does): over point to point (a bcast of 64 KiB, with its root), and on a
# word of the communicator's shared segment (a barrier after the first).
straggler bcast MPI_Bcast
expect_line '^  rank 1 \(.*\): in MPI_Bcast \(root 0\) on MPI_COMM_WORLD for [0-9.]+ s' "bcast: rank 1"
straggler segment MPI_Barrier

run --oversubscribe --timeout 3 -n 3 "$HANG" tag
expect_rc 124 "tag mismatch"
expect_line '^mpirun: unmatched: rank 0 waits in MPI_Recv from rank 1 tag 6 on MPI_COMM_WORLD, but the message rank 1 sent it with tag 5 \(4 bytes\) is there unreceived: a tag mismatch\?$' "tag mismatch: the verdict"
expect_line '^mpirun: straggler: ranks 1, 2 wait in MPI_Barrier on MPI_COMM_WORLD; rank 0 has not entered it: it is in MPI_Recv from rank 1 tag 6' "tag mismatch: the barrier"

run --oversubscribe --timeout 3 -n 2 "$HANG" spin
expect_rc 124 "spin"
expect_line '^  rank 1 \(.*\): outside MPI for [0-9.]+ s \(computing\?\)$' "spin: rank 1"
expect_line '^mpirun: waiting on a busy rank: rank 0 waits in MPI_Recv from rank 1 tag 0 on MPI_COMM_WORLD; rank 1 is outside MPI' "spin: the verdict"

# One-sided synchronisation: a fence some ranks have not entered, a lock
# that another rank holds.
run --oversubscribe --timeout 3 -n 3 "$HANG" fence
expect_rc 124 "fence"
expect_line '^mpirun: straggler: ranks 0, 1 wait in MPI_Win_fence on communicator [0-9]+ \(3 ranks\); rank 2 has not entered it: it is outside MPI for' "fence: the verdict"
run --oversubscribe --timeout 3 -n 3 "$HANG" lock
expect_rc 124 "lock"
expect_line '^  rank 2 \(.*\): in MPI_Win_lock for [0-9.]+ s' "lock: rank 2"

# A communicator constructor some ranks have not entered.
straggler split MPI_Comm_split

# A rank polling with MPI_Test is waiting for what it polls: with the
# peer receiving from it, a cycle.  One that stopped polling is computing,
# and the report says what it polled last.
run --oversubscribe --timeout 3 -n 2 "$HANG" testloop
expect_rc 124 "testloop"
expect_line '^  rank 0 \(.*\): in MPI_Test polling a receive from rank 1 tag 5 on MPI_COMM_WORLD for [0-9.]+ s' "testloop: rank 0"
expect_line '^mpirun: deadlock: rank 0 in MPI_Test polling a receive from rank 1 tag 5 on MPI_COMM_WORLD, rank 1 in MPI_Recv from rank 0 tag 5 on MPI_COMM_WORLD: a cycle 0 → 1 → 0$' "testloop: the cycle"
run --oversubscribe --timeout 3 -n 2 "$HANG" polled
expect_rc 124 "polled"
expect_line '^  rank 0 \(.*\): outside MPI for [0-9.]+ s \(computing\?; it last polled then: MPI_Test polling a receive from rank 1 tag 5 on MPI_COMM_WORLD\)$' "polled: rank 0"
expect_line '^mpirun: waiting on a busy rank: rank 1 waits in MPI_Recv from rank 0 tag 5 on MPI_COMM_WORLD; rank 0 is outside MPI' "polled: the verdict"

# On demand, while the job runs: the report comes on the job's stderr and
# the job goes on (until we end it: SIGTERM).
timeout -k 2 60 "$MPIRUN" --oversubscribe --timeout 50 -n 2 "$HANG" deadlock >"$out" 2>"$err" </dev/null &
job=$!
# Ask until the report names the deadlock (the ranks may still be starting).
i=0
mp=
while [ $i -lt 120 ] && ! grep -q '^mpirun: deadlock:' "$err"; do
    sleep 0.5
    i=$((i + 1))
    grep -q '^hang: job' "$out" || continue # mpirun is past its signal setup
    [ -n "$mp" ] || mp=$(pgrep -P $job -x mpirun)
    [ -n "$mp" ] || continue
    "$MPIRUN" --report-state "$mp" 2>"$scratch/ask" || { cat "$scratch/ask"; fail "--report-state failed"; }
    grep -q "asked mpirun $mp for its report" "$scratch/ask" || fail "--report-state said: $(cat "$scratch/ask")"
done
grep -q '^mpirun: deadlock: .*a cycle 0 → 1 → 0$' "$err" || { cat "$err"; fail "no report on demand"; }
kill -0 "$mp" 2>/dev/null || fail "the job ended after the report"
grep -q 'timeout of 50 s reached' "$err" && fail "the job ended by its timeout, not after the report"
kill -TERM "$mp"
wait $job
rc=$?
[ $rc = 143 ] || { cat "$err"; fail "the job on demand exited $rc after SIGTERM, expected 143"; }
job_left "on demand"
"$MPIRUN" --report-state $$ 2>"$scratch/ask" && fail "--report-state accepted a shell's pid"
grep -q "needs the process id of a running mpirun" "$scratch/ask" || fail "--report-state on a shell: $(cat "$scratch/ask")"

echo "hang_report: OK"
