#!/bin/sh
# slurm.sh -- Lark jobs under a real two-node Slurm cluster made on this
# machine (tests/slurm/cluster.sh): srun --mpi=pmix on one and on two nodes,
# the --mpi=none trap, a rank that aborts or dies under srun, scancel of a
# running job, mpirun inside an sbatch and a salloc allocation (daemons
# started with srun), and scancel of a job run by mpirun.  Skipped (exit 77),
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
i=0
until [ "$(pgrep -fc "$prog sleep")" -ge 4 ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || fail "the job to cancel never started its 4 ranks: $(squeue; cat "$scratch/scancel.out")"
    sleep 0.1
done
scancel "$job" || fail "scancel failed"
i=0
while squeue -h -j "$job" 2>/dev/null | grep -q .; do
    i=$((i + 1))
    [ $i -lt 300 ] || fail "job $job still in the queue 30 s after scancel"
    sleep 0.1
done
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
i=0
until [ "$(pgrep -fc "$prog sleep")" -ge 4 ]; do
    i=$((i + 1))
    [ $i -lt 300 ] || fail "mpirun's job to cancel never started its 4 ranks: $(squeue; cat "$scratch/cancel.out")"
    sleep 0.1
done
steps=$(scontrol show step)
echo "$steps" | grep -q "CPUs=2 Tasks=1 Name=lark-noded" ||
    fail "the daemon's step did not get the node's 2 CPUs: $steps"
scancel "$job" || fail "scancel failed"
i=0
while squeue -h -j "$job" 2>/dev/null | grep -q . || pgrep -f "$prog sleep" >/dev/null ||
    pgrep -f "$top_builddir/lark-noded" >/dev/null; do
    i=$((i + 1))
    [ $i -lt 300 ] || fail "job $job or its processes still there 30 s after scancel: $(pgrep -af "$prog|$top_builddir/lark-noded")"
    sleep 0.1
done
no_leftovers "after scancel of mpirun"

echo "slurm: srun on 1 and 2 nodes, --mpi=none, abort, rank death, scancel, mpirun in sbatch and salloc, scancel of mpirun: ok in $(($(date +%s) - t0)) s"
