#!/bin/sh
# tcp_lost.sh -- a peer lost over TCP is an error on the requests that
# involve it (MPI_ERR_PROC_ABORTED), not the end of the job, when the
# program asks for that: under mpirun --enable-recovery with
# MPI_ERRORS_RETURN, rank 0's requests with the killed rank 1 fail, later
# calls with it fail at once, ranks 0 and 2 go on talking and finalize,
# and mpirun exits with the dead rank's status (137).  Under the default
# MPI_ERRORS_ARE_FATAL the same loss ends the job with a line naming both
# ranks and the host.  Without --enable-recovery the death ends the job
# (tcp_kill.sh).
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
LARK_TRANSPORTS=tcp,self timeout -k 5 60 "$LARK_MPIRUN" --enable-recovery --oversubscribe -n 3 \
    ./tcp_faults survive > "$scratch/out" 2> "$scratch/err"
rc=$?
cat "$scratch/out" "$scratch/err"
[ $rc -eq 137 ] || fail "--enable-recovery: mpirun exited $rc, not 137 (rank 1's SIGKILL)"
grep -q "rank 1 (pid [0-9]*) on .* was killed by signal 9 .*the job goes on" "$scratch/err" ||
    fail "--enable-recovery: no line says rank 1 died and the job went on"
grep -q "tcp_faults: rank 0: requests with the dead rank 1 failed: MPI_ERR_PROC_ABORTED" \
    "$scratch/out" || fail "--enable-recovery: rank 0 did not see MPI_ERR_PROC_ABORTED"
[ "$(grep -c "^tcp_faults: survive OK" "$scratch/out")" = 2 ] ||
    fail "--enable-recovery: ranks 0 and 2 did not both finish"
grep -q "tcp_faults: rank" "$scratch/err" && fail "--enable-recovery: a check failed"
# -disable-auto-cleanup (Hydra's spelling) is the same switch.
LARK_TRANSPORTS=tcp,self timeout -k 5 60 "$LARK_MPIRUN" -disable-auto-cleanup --oversubscribe -n 3 \
    ./tcp_faults survive > "$scratch/out2" 2> "$scratch/err2"
rc=$?
[ $rc -eq 137 ] && [ "$(grep -c "^tcp_faults: survive OK" "$scratch/out2")" = 2 ] ||
    fail "-disable-auto-cleanup: status $rc: $(cat "$scratch/out2" "$scratch/err2")"
# MPI_ERRORS_ARE_FATAL: the failed receive ends the job, naming who lost whom.
LARK_TRANSPORTS=tcp,self timeout -k 5 60 "$LARK_MPIRUN" --enable-recovery --oversubscribe -n 3 \
    ./tcp_faults fatal > "$scratch/out3" 2> "$scratch/err3"
rc=$?
cat "$scratch/err3"
[ $rc -ne 0 ] || fail "fatal: the job exited 0"
grep -q "MPI_Recv failed on rank 0 .*MPI_ERR_PROC_ABORTED.*rank 0 (host [^)]*) lost rank 1 (host [^)]*)" \
    "$scratch/err3" || fail "fatal: no line names the call, both ranks and the hosts"
grep -q "completed" "$scratch/err3" && fail "fatal: a receive from a dead rank completed"
echo "tcp_lost: requests with a lost peer fail; the error handler decides"
