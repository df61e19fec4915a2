#!/bin/sh
# slurm.sh -- Lark jobs under a real two-node Slurm cluster made on this
# machine (tests/slurm/cluster.sh): srun --mpi=pmix on one and on two nodes,
# the --mpi=none trap, a rank that aborts or dies under srun, scancel of a
# running job, mpirun inside an sbatch and a salloc allocation (daemons
# started in one srun step), scancel of a job run by mpirun, a daemon killed,
# srun failing and a tree of call-backs inside the step.  Skipped (exit 77),
# with the reason, where the machine cannot host the cluster.
. "$top_srcdir/tests/scripts/lib.sh"
. "$top_srcdir/tests/slurm/cluster.sh"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lark-slurm.XXXXXX") || fail "mktemp"
trap 'lark_cluster_down; rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM
lark_cluster_up "$scratch/cluster"
case $? in
0) ;;
77) exit 77 ;;
*)
    # Nothing of Lark's runs yet: Slurm itself cannot run here (cgroups,
    # ports, a daemon that would not start); its logs are above.
    echo "SKIP: the test Slurm cluster did not start on this machine"
    exit 77
    ;;
esac

prog="$top_builddir/tests/slurm/slurm_prog"
t0=$(date +%s)

# Nothing of Lark's may stay on a node: no rank, no shm segment, no file in
# the node's TmpFS.  Each node has its own /dev/shm and TmpFS, seen from inside
# its slurmd's mount namespace (/tmp is shared by every node here, as by the
# other tests running on this machine, so it is not looked at).
no_leftovers() {
    what=$1
    for node in $LARK_SL_NODES; do
        pid=$(cat "$LARK_SL_DIR/slurmd-$node.pid" 2>/dev/null) || fail "$what: no slurmd pid on $node"
        left=$(nsenter -t "$pid" -m sh -c "ls -A /dev/shm; ls -A '$LARK_SL_DIR/tmpfs'" | grep -i lark)
        [ -z "$left" ] || fail "$what: left on $node: $left"
    done
    if pgrep -f "$prog" >/dev/null; then
        fail "$what: ranks still running: $(pgrep -af "$prog")"
    fi
}

# Wait until the 4 ranks of a "sleep" job run (what: the job, for the message).
wait_ranks() {
    i=0
    until [ "$(pgrep -fc "$prog sleep")" -ge 4 ]; do
        i=$((i + 1))
        [ $i -lt 300 ] || fail "$1 never started its 4 ranks: $(squeue; cat "$2")"
        sleep 0.1
    done
}

# Wait (at most $2 s) until job $1 (every job: "") has left the queue and
# no rank or daemon of ours runs (srun's command line names the daemon too).
wait_gone() {
    i=0
    while squeue -h ${1:+-j "$1"} 2>/dev/null | grep -q . || pgrep -f "$prog sleep" >/dev/null ||
        pgrep -f "$top_builddir/lark-noded" >/dev/null; do
        i=$((i + 1))
        [ $i -lt $(($2 * 10)) ] ||
            fail "$3: still there $2 s later: $(squeue; pgrep -af "$prog|$top_builddir/lark-noded")"
        sleep 0.1
    done
}

# 1. One node, two ranks, wire-up through Slurm's PMIx server.
out=$(timeout 60 srun --mpi=pmix -N1 -n2 "$prog" ok 2>&1) || fail "srun -N1 -n2 failed: $out"
echo "$out"
[ "$(echo "$out" | grep -c ': ok$')" -eq 2 ] || fail "srun -N1 -n2: not 2 ranks ok: $out"
echo "$out" | grep -q "of 2 on n1: ok" || fail "srun -N1: ranks not on n1"

# 2. Two nodes, four ranks: shm inside a node, TCP between them.
out=$(timeout 60 srun --mpi=pmix -N2 -n4 "$prog" ok 2>&1) || fail "srun -N2 -n4 failed: $out"
echo "$out"
[ "$(echo "$out" | grep -c 'of 4 on n[12]: ok$')" -eq 4 ] || fail "srun -N2 -n4: not 4 ranks ok: $out"
echo "$out" | grep -q "on n1: ok" && echo "$out" | grep -q "on n2: ok" ||
    fail "srun -N2: the ranks did not span both nodes: $out"
no_leftovers "after srun -N2"

# 3. srun without PMIx: every task fails at once and says to use --mpi=pmix,
# instead of running as independent singletons.
out=$(timeout 30 srun --mpi=none -N1 -n2 "$prog" ok 2>&1) && fail "srun --mpi=none succeeded: $out"
echo "$out"
echo "$out" | grep -q -- "--mpi=pmix" || fail "srun --mpi=none: no hint to use --mpi=pmix: $out"
echo "$out" | grep -q "of 1 on" && fail "srun --mpi=none: a task ran as a singleton: $out"

# 4. MPI_Abort in one rank ends the whole step, non-zero, promptly.
s=$(date +%s)
out=$(timeout 60 srun --mpi=pmix -N2 -n4 "$prog" abort 2>&1) && fail "an aborting step exited 0: $out"
echo "$out"
[ $(($(date +%s) - s)) -le 20 ] || fail "the aborting step took $(($(date +%s) - s)) s to end"
echo "$out" | grep -q "aborting" || fail "abort: the rank did not run: $out"
no_leftovers "after MPI_Abort"

# 5. A rank killed by a signal ends the step too.
s=$(date +%s)
out=$(timeout 60 srun --mpi=pmix -N2 -n4 "$prog" die 2>&1) && fail "a step with a dead rank exited 0: $out"
echo "$out"
[ $(($(date +%s) - s)) -le 20 ] || fail "the step with a dead rank took $(($(date +%s) - s)) s to end"
no_leftovers "after a rank died"

# 6. scancel of a running batch job leaves nothing behind on any node.
job=$(sbatch --parsable -N2 -n4 -o "$scratch/scancel.out" \
    --wrap "srun --mpi=pmix $prog sleep") || fail "sbatch failed"
wait_ranks "the job to cancel" "$scratch/scancel.out"
scancel "$job" || fail "scancel failed"
wait_gone "$job" 30 "job $job after scancel"
sleep 0.5
no_leftovers "after scancel"

# 7. mpirun inside an sbatch allocation finds the nodes and slots Slurm
# granted, starts its daemons with srun, and runs one job over both nodes.
cat >"$scratch/job.sh" <<JOB
#!/bin/sh
exec "$LARK_MPIRUN" -n 4 "$prog" ok
JOB
out=$(timeout 90 sbatch --wait -N2 -n4 -o "$scratch/mpirun.out" "$scratch/job.sh" 2>&1) ||
    fail "mpirun inside sbatch failed: $out $(cat "$scratch/mpirun.out")"
out=$(cat "$scratch/mpirun.out")
echo "$out"
[ "$(echo "$out" | grep -c 'of 4 on n[12]: ok$')" -eq 4 ] || fail "mpirun in sbatch: not 4 ranks ok: $out"
echo "$out" | grep -q "on n1: ok" && echo "$out" | grep -q "on n2: ok" ||
    fail "mpirun in sbatch: the ranks did not span both nodes: $out"
# The cluster binds nothing (task/none): the daemons' srun must not be
# given --cpu-bind, or it says so on every launch.
echo "$out" | grep -q "lacks support for cpu binding" &&
    fail "mpirun in sbatch: srun complained about cpu binding: $out"
cat >"$scratch/over.sh" <<JOB
#!/bin/sh
exec "$LARK_MPIRUN" -n 9 "$prog" ok
JOB
timeout 90 sbatch --wait -N2 -n4 -o "$scratch/over.out" "$scratch/over.sh" >/dev/null 2>&1 &&
    fail "mpirun -n 9 in a 4-slot allocation succeeded: $(cat "$scratch/over.out")"
cat "$scratch/over.out"
grep -qi "slot" "$scratch/over.out" || fail "mpirun -n 9 in 4 slots: no clear error: $(cat "$scratch/over.out")"
no_leftovers "after mpirun in sbatch"

# 8. mpirun inside salloc, on a host outside the allocation (this one): every
# node gets a daemon through srun, ranks only on the allocated nodes.
out=$(timeout 90 salloc -Q -N2 -n4 "$LARK_MPIRUN" -n 4 "$prog" ok 2>&1) ||
    fail "mpirun inside salloc failed: $out"
echo "$out"
[ "$(echo "$out" | grep -c 'of 4 on n[12]: ok$')" -eq 4 ] || fail "mpirun in salloc: not 4 ranks ok: $out"
echo "$out" | grep -q "on n1: ok" && echo "$out" | grep -q "on n2: ok" ||
    fail "mpirun in salloc: the ranks did not span both nodes: $out"
no_leftovers "after mpirun in salloc"

# 9. scancel of a batch job whose mpirun runs ranks on both nodes: mpirun,
# its daemons and every rank go, and nothing stays on any node.  With
# SLURM_EXACT=1 in the user's environment (srun's --exact: a one-task step
# gets one CPU, and under task/cgroup its children with it) the daemon's
# step still gets every CPU of the node (--whole): 2 here.
cat >"$scratch/cancel.sh" <<JOB
#!/bin/sh
export SLURM_EXACT=1
exec "$LARK_MPIRUN" -n 4 "$prog" sleep
JOB
job=$(sbatch --parsable -N2 -n4 -o "$scratch/cancel.out" "$scratch/cancel.sh") || fail "sbatch failed"
wait_ranks "mpirun's job to cancel" "$scratch/cancel.out"
steps=$(scontrol show step)
echo "$steps" | grep -q "CPUs=2 Tasks=1 Name=lark-noded" ||
    fail "the daemon's step did not get the node's 2 CPUs: $steps"
scancel "$job" || fail "scancel failed"
wait_gone "$job" 30 "job $job or its processes after scancel"
no_leftovers "after scancel of mpirun"

# 10. mpirun inside salloc from this host starts both nodes' daemons in ONE
# srun step: one srun process under mpirun, one step named lark-noded with
# a task on each node.  Then the daemon on n2 is killed: the job ends at
# once, non-zero, with one line naming n2, and nothing stays behind (no
# rank, no daemon, no srun, no file, the allocation gone).
salloc -Q -N2 -n4 "$LARK_MPIRUN" -n 4 "$prog" sleep >"$scratch/kill.out" 2>&1 &
sal=$!
wait_ranks "mpirun in salloc" "$scratch/kill.out"
mp=$(pgrep -P "$sal" | head -n 1)
[ -n "$mp" ] || fail "no mpirun under salloc $sal"
sruns=$(pgrep -P "$mp" -x srun | wc -l)
[ "$sruns" -eq 1 ] || fail "mpirun runs $sruns srun processes for 2 daemons, not 1: $(pgrep -a -P "$mp")"
steps=$(scontrol show step)
echo "$steps"
[ "$(echo "$steps" | grep -c 'Name=lark-noded')" -eq 1 ] ||
    fail "the daemons did not run in exactly one step: $steps"
echo "$steps" | grep -q 'Nodes=2 CPUs=[0-9]* Tasks=2 Name=lark-noded' ||
    fail "the daemons' step has not one task on each of the 2 nodes: $steps"
victim=
for p in $(ip netns pids "lsl$LARK_SL_TAG-n2"); do
    # the daemon, not its cleaner (a child of it, same command line)
    pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
    tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null | grep -q "lark-noded --node by-name" &&
        ! tr '\0' ' ' <"/proc/$pp/cmdline" 2>/dev/null | grep -q "lark-noded" && victim=$p
done
[ -n "$victim" ] || fail "no lark-noded found on n2"
s=$(date +%s)
kill -9 "$victim"
i=0
while kill -0 "$sal" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 150 ] || fail "mpirun still runs 15 s after its daemon on n2 was killed: $(cat "$scratch/kill.out")"
    sleep 0.1
done
wait "$sal" && fail "mpirun exited 0 after its daemon on n2 was killed: $(cat "$scratch/kill.out")"
cat "$scratch/kill.out"
[ $(($(date +%s) - s)) -le 5 ] || fail "the job took $(($(date +%s) - s)) s to end after the daemon died"
grep -q "mpirun: the daemon on host n2 died" "$scratch/kill.out" ||
    fail "no line naming n2's dead daemon: $(cat "$scratch/kill.out")"
[ "$(grep -c '^mpirun: ' "$scratch/kill.out")" -eq 1 ] ||
    fail "more than one line from mpirun: $(cat "$scratch/kill.out")"
wait_gone "" 10 "the job whose daemon died"
no_leftovers "after the daemon on n2 was killed"

# 11. srun refusing the daemons' step (a bad option of the user's): the
# launch ends at once, naming the hosts and the agent.
out=$(timeout 60 salloc -Q -N2 -n4 "$LARK_MPIRUN" -launcher-exec "srun --no-such-option" -n 4 "$prog" ok 2>&1) &&
    fail "mpirun with a failing srun exited 0: $out"
echo "$out"
echo "$out" | grep -q "cannot start the daemon on host n[12]: the agent 'srun --no-such-option' exited" ||
    fail "a failing srun: no line naming the host and the agent: $out"
no_leftovers "after a failing srun"

# 12. A tree of call-backs inside the one step (--tree-radix 1 from this
# host: n1's daemon is mpirun's child, n2's is n1's): n2's daemon calls
# mpirun, is sent on to n1, and the fences are combined on the way (mpirun
# gets one contribution, n1's holding n2's, not one per node).
out=$(LARK_MPIRUN_DEBUG=1 timeout 90 salloc -Q -N2 -n4 "$LARK_MPIRUN" --tree-radix 1 -n 4 "$prog" ok 2>&1) ||
    fail "mpirun --tree-radix 1 inside salloc failed: $out"
[ "$(echo "$out" | grep -c 'of 4 on n[12]: ok$')" -eq 4 ] || fail "tree under srun: not 4 ranks ok: $out"
echo "$out" | grep -q "fence .* complete: 1 contribution " || fail "tree under srun: fence not combined: $out"
echo "$out" | grep -q "fence .* complete: [02-9]" && fail "tree under srun: contributions relayed: $out"
no_leftovers "after a tree of call-backs"

echo "slurm: srun on 1 and 2 nodes, --mpi=none, abort, rank death, scancel, mpirun in sbatch and salloc, scancel of mpirun, one srun step for the daemons, a daemon killed, srun failing, a tree of call-backs: ok in $(($(date +%s) - t0)) s"
