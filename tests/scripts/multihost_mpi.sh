#!/bin/sh
# Real MPI traffic across network-namespace "hosts" (multihost_lib.sh):
# point-to-point (every call family, 0 B to 4 MiB), collectives and
# one-sided communication, with ranks on the same host and on different
# hosts; a rank's death under --enable-recovery, heard on both hosts.
# Where the traffic goes is checked, not assumed: with LARK_TRANSPORTS
# limited to shm the pairs inside a host still work (so they use shm) and a
# pair across hosts is refused (so shm never claims a remote rank).  Each host has its own network stack and
# /dev/shm, so a wrong locality verdict cannot pass by accident.  After
# each run: no process on any host, no file.
. "$top_srcdir/tests/scripts/launcher_lib.sh"
. "$top_srcdir/tests/scripts/multihost_lib.sh"
mh_hosts 2
H0=${MH}h0 H1=${MH}h1
cp "$top_builddir/lark-noded" "$scratch/lark-noded"
LARK_NODED="$scratch/lark-noded"
export LARK_NODED
for p in coll_check rma_basic rma_sync rma_atomic p2p_basic tcp_faults lost_coll trace_mix hang; do
    cp "$top_builddir/tests/mpi/$p" "$scratch/$p" || fail "no tests/mpi/$p in the build tree"
done
A="-launcher-exec $AGENT"
# MPI programs take longer than the launcher's own tests (coll_check under
# ASan on a loaded 2-core machine: over 30 s); the failure cases below
# check their own, much shorter, bounds.
LARK_RUN_LIMIT=${LARK_RUN_LIMIT:-150}
# Two ranks per host: by slot, ranks 0,1 on h0 and 2,3 on h1, so the
# programs' pairs (rank ^ 1) stay inside a host; by node, 0,2 on h0 and
# 1,3 on h1, so every pair crosses hosts.
SLOT="--host $H0:2,$H1:2 -n 4"
NODE="--host $H0:2,$H1:2 --map-by node -n 4"

# mpi WHAT EXPECTED-RC MPIRUN-ARGS...: one job from h0, checked; the
# status "fails" means any non-zero one, well before mh_run's time limit.
mpi() {
    what=$1 want=$2
    shift 2
    mh_run "$H0" "$@"
    if [ "$want" = fails ]; then
        [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$elapsed_ms" -lt $((LARK_RUN_LIMIT * 1000 - 5000)) ] ||
            { cat "$out" "$err"; fail "$what: mpirun exited $rc after $elapsed_ms ms"; }
    else
        expect_rc "$want" "$what"
    fi
    mh_no_leftovers "$what"
}

# --- point-to-point (every call family, 0 B to 4 MiB: eager and
# rendezvous): pairs across hosts (TCP), then inside hosts with shm alone
mpi "p2p across hosts" 0 $A $NODE "$scratch/p2p_basic"
mpi "p2p inside hosts, shm alone" 0 $A $SLOT -x LARK_TRANSPORTS=shm,self "$scratch/p2p_basic"
# ... and shm never claims a rank on another host
mpi "shm alone across hosts" fails $A $NODE -x LARK_TRANSPORTS=shm,self "$scratch/p2p_basic"
expect_err "no transport reaches rank" "shm alone across hosts"

# --- collectives (each rank uses shm and TCP) and one-sided communication
# Node-aware barrier, bcast, reduce and allreduce (an intra-node phase, then
# one between the hosts' leaders): COLL_CHECK_NODE makes coll_check verify
# through MPI_T that they ran so; nodes of adjacent ranks (by slot), of
# interleaved ones (by node), and of unequal sizes, in all three forms.
mpi "collectives" 0 $A $SLOT -x COLL_CHECK_NODE=1 "$scratch/coll_check"
mpi "collectives, ranks by node" 0 $A $NODE -x COLL_CHECK_NODE=1 "$scratch/coll_check" nb
mpi "collectives, 3 + 2 ranks" 0 $A --host "$H0:3,$H1:2" -n 5 -x COLL_CHECK_NODE=1 \
    "$scratch/coll_check" persistent
mpi "rma" 0 $A --host "$H0:2,$H1:3" -n 5 "$scratch/rma_basic"
# Every synchronisation mode and the atomics with targets on the other
# host (active messages over TCP, the target's progress engine serving).
mpi "rma sync modes" 0 $A $NODE "$scratch/rma_sync"
mpi "rma atomics" 0 $A $NODE "$scratch/rma_atomic"

# The hang report across hosts: mpirun gathers the records of the other
# host's ranks from its daemon, and names the cycle between the hosts.
mpi "hang report across hosts" 124 $A $NODE --timeout 4 "$scratch/hang" deadlock
expect_err "^  rank 1 (${MH}h1): in MPI_Recv from rank 0 tag 5 on MPI_COMM_WORLD for" "hang report across hosts"
expect_err "^  rank 3 (${MH}h1): no record\\|^  rank 3 (${MH}h1): in MPI_Finalize\\|^  rank 3 (${MH}h1): outside MPI" "hang report across hosts: rank 3"
expect_err "^mpirun: deadlock: rank 0 in MPI_Recv from rank 1 tag 5 on MPI_COMM_WORLD, rank 1 in MPI_Recv from rank 0 tag 5 on MPI_COMM_WORLD: a cycle 0 → 1 → 0" "hang report across hosts"
grep -q "not gathered" "$err" && { cat "$err"; fail "hang report across hosts: a record was not gathered"; }

# A timeline across hosts: one process per host in the trace, every
# message drawn from its send to its receive, clocks aligned.
if command -v python3 >/dev/null; then
    ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0" \
        mpi "trace across hosts" 0 $A $NODE --trace "$scratch/mh.json" "$scratch/trace_mix"
    python3 "$top_srcdir/tests/scripts/trace_check.py" "$scratch/mh.json" 4 20 2 ||
        fail "trace across hosts: not the trace expected"
    rm -f "$scratch/mh.json"
else
    echo "trace across hosts: not checked (no python3)"
fi

# --- a rank killed on the other host in the middle of a 64 MiB transfer:
# the job ends about a second after its death (5 s: room for a loaded
# machine), naming the rank and its host: as killed by its daemon's word
# (status 137), or as lost by rank 0 whose TCP connection broke first
mpi "remote rank killed mid-transfer" fails $A --host "$H0,$H1" -n 2 "$scratch/tcp_faults" kill
grep -q "rank 1 (pid [0-9]*) on ${MH}h1 was killed by signal 9\|lost rank 1 (host ${MH}h1)" "$err" ||
    { cat "$err"; fail "remote rank killed: no line names rank 1 on ${MH}h1"; }
t0=$(sed -n 's/.*rank 1 dies at \([0-9]*\) ms.*/\1/p' "$err")
[ -n "$t0" ] || fail "rank 1 did not say when it died"
ms=$((t1 / 1000000 - t0))
within "$ms" 5000 "the job took $ms ms to end after rank 1 died"
echo "remote rank killed: the job ended $ms ms after its death"

# --- --enable-recovery across hosts: rank 3 dies on h1 while every rank
# waits for it in a barrier; rank 2 beside it (shm only) hears of it from
# its own daemon, ranks 0 and 1 on h0 from mpirun's PMIx server (the
# daemon's EXIT up, a DIED frame down the tree): the barrier, and every
# later collective, fails on all three, who then finish.
mpi "a death across hosts, the job goes on" 137 $A $SLOT --enable-recovery --timeout 60 \
    "$scratch/lost_coll" barrier
[ "$(grep -c "^lost_coll: rank [012]: OK$" "$out")" = 3 ] ||
    { cat "$out" "$err"; fail "a death across hosts: not every survivor finished"; }
grep -q "^lost_coll: " "$err" && { cat "$err"; fail "a death across hosts: a check failed"; }

# --- the daemon of the other host killed while its rank talks to ours:
# the job ends naming the host, and the rank it ran goes with it
rm -f "$scratch/rc"
(mh_run "$H0" $A --host "$H0,$H1" -n 2 "$scratch/tcp_faults" slow 300; echo "$rc" >"$scratch/rc") &
i=0
until [ "$(ip netns pids "$H1" | while read -r p; do readlink "/proc/$p/exe"; done |
    grep -c "^$scratch/tcp_faults$")" = 1 ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "the job did not start on $H1"; sleep 0.05
done
sleep 0.5
# Pick the daemon first, kill it after: once it is dead its cleaner (a
# lark-noded child) has another parent and would look like a daemon too.
daemon=
for p in $(ip netns pids "$H1"); do
    pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
    [ "$(readlink "/proc/$p/exe")" = "$LARK_NODED" ] &&
        [ "$(readlink "/proc/$pp/exe")" != "$LARK_NODED" ] && daemon="$daemon $p"
done
[ "$(echo $daemon | wc -w)" = 1 ] || fail "daemon killed: not one daemon on $H1:$daemon"
kill -9 $daemon
t0=$(date +%s%N)
wait
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(cat "$scratch/rc")" = 1 ] || { cat "$err"; fail "daemon killed: status $(cat "$scratch/rc")"; }
expect_err "the daemon on host ${MH}h1 died" "daemon killed"
within "$ms" 5000 "daemon killed: the job took $ms ms to end"
echo "daemon killed: the job ended $ms ms after"
mh_no_leftovers "daemon killed"
exit 0
