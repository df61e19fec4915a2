#!/bin/sh
# lost_peer.sh -- a rank that dies under mpirun --enable-recovery is lost
# to every survivor, whatever the transport: mpirun tells the others (a
# PMIx event, runtime/lost.h), so a rank waiting on a dead peer over
# shared memory fails with MPI_ERR_PROC_ABORTED instead of waiting for
# --timeout.  tcp_faults survive (requests with the dead rank fail, later
# calls fail at once, the others go on) over shm; lost_coll (barrier,
# bcast, allreduce, fence waiting for the dead rank, a lock on it, and
# every later one) over shm, with the shared-memory collectives and
# without, and over TCP.  Every job ends with the dead rank's status
# (137), each survivor having said OK; none reaches --timeout.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"

# job WHAT EXPECTED-OK-LINES "VAR=V ..." ARGS...: one --enable-recovery job.
job() {
    what=$1 oks=$2 vars=$3
    shift 3
    # shellcheck disable=SC2086
    env $vars timeout -k 5 60 "$LARK_MPIRUN" --enable-recovery --oversubscribe --timeout 20 "$@" \
        > "$scratch/out" 2> "$scratch/err"
    rc=$?
    [ $rc -eq 137 ] || { cat "$scratch/out" "$scratch/err"; fail "$what: mpirun exited $rc, not 137"; }
    [ "$(grep -c ": OK$\|: survive OK$" "$scratch/out")" = "$oks" ] ||
        { cat "$scratch/out" "$scratch/err"; fail "$what: not every survivor finished"; }
    grep -q "^lost_coll: \|^tcp_faults: " "$scratch/err" &&
        { cat "$scratch/err"; fail "$what: a check failed"; }
    grep -q "was killed by signal 9 .*the job goes on" "$scratch/err" ||
        { cat "$scratch/err"; fail "$what: no line says the rank died and the job went on"; }
}

# Point to point over shm: what tcp_lost.sh checks over TCP.
job "p2p over shm" 2 LARK_TRANSPORTS=shm,self -n 3 ./tcp_faults survive
grep -q "tcp_faults: rank 0: requests with the dead rank 1 failed: MPI_ERR_PROC_ABORTED" \
    "$scratch/out" || fail "p2p over shm: rank 0 did not see MPI_ERR_PROC_ABORTED"
for op in barrier bcast allreduce fence lock; do
    job "$op over shm" 3 LARK_TRANSPORTS=shm,self -n 4 ./lost_coll $op
done
for op in barrier allreduce; do
    job "$op over shm, point-to-point algorithms" 3 "LARK_TRANSPORTS=shm,self LARK_COLL_SHM=off" \
        -n 4 ./lost_coll $op
done
for op in barrier fence; do
    job "$op over TCP" 3 LARK_TRANSPORTS=tcp,self -n 4 ./lost_coll $op
done
echo "lost_peer: a dead rank is lost to every survivor, over shm and TCP"
