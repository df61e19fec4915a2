#!/bin/sh
# bench/slurm_launch.sh -- launch time of a 4-rank hello over the two nodes
# of the test Slurm cluster (tests/slurm/cluster.sh; needs root and
# slurm-wlm), inside one `salloc -N2 -n4` made from this host: Lark and
# Open MPI 4.1, each started with `srun --mpi=pmix` and with its own mpirun
# (daemons through srun); REPS runs each, interleaved; medians in seconds.
#
#   bench/slurm_launch.sh [LARK_BUILD_DIR]     (default: ./_build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(dirname "$here")
build=$(cd "${1:-$top_srcdir/_build}" && pwd) || exit 1
REPS=${REPS:-5}
. "$top_srcdir/tests/scripts/lib.sh"
. "$top_srcdir/tests/slurm/cluster.sh"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lark-slbench.XXXXXX") || fail "mktemp"
trap 'lark_cluster_down; rm -rf "$scratch"' EXIT
trap 'exit 1' INT TERM
lark_cluster_up "$scratch/cluster" || fail "the test Slurm cluster did not start"
"$build/wrappers/build/mpicc" -o "$scratch/hello_lark" "$top_srcdir/examples/hello.c" || fail "Lark's mpicc"
mpicc.openmpi -o "$scratch/hello_ompi" "$top_srcdir/examples/hello.c" || fail "mpicc.openmpi"
cat >"$scratch/inner.sh" <<INNER
#!/bin/sh
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_ALLOW_RUN_AS_ROOT OMPI_ALLOW_RUN_AS_ROOT_CONFIRM
one() {
    what=\$1
    shift
    s=\$(date +%s%N)
    "\$@" >"$scratch/last.out" 2>&1 || { echo "\$what failed:"; cat "$scratch/last.out"; exit 1; }
    echo "\$what \$(((\$(date +%s%N) - s) / 1000000))"
}
i=0
while [ \$i -lt $REPS ]; do
    one lark-srun srun --mpi=pmix -N2 -n4 "$scratch/hello_lark"
    one ompi-srun srun --mpi=pmix -N2 -n4 "$scratch/hello_ompi"
    one lark-mpirun "$build/mpirun" -n 4 "$scratch/hello_lark"
    one ompi-mpirun mpirun.openmpi -n 4 "$scratch/hello_ompi"
    i=\$((i + 1))
done
INNER
chmod +x "$scratch/inner.sh"
salloc -Q -N2 -n4 "$scratch/inner.sh" >"$scratch/times" || { cat "$scratch/times"; fail "salloc"; }
for what in lark-srun ompi-srun lark-mpirun ompi-mpirun; do
    grep "^$what " "$scratch/times" | awk '{print $2}' | sort -n |
        awk -v w="$what" '{v[NR] = $1} END {printf "%-12s median %.2f s (of %d)\n", w, v[int((NR + 1) / 2)] / 1000, NR}'
done
