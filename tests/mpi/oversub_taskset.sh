#!/bin/sh
# oversub_taskset.sh -- a job confined to one CPU (taskset) is oversubscribed
# even though each rank sees only its own mask: ranks must give the core away
# (the union of the local ranks' masks decides, see runtime/progress.c).
. "$top_srcdir/tests/scripts/lib.sh"
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
command -v taskset >/dev/null || fail "taskset is missing (util-linux)"
out=$(taskset -c 0 timeout -k 5 60 "$LARK_MPIRUN" --oversubscribe -n 2 ./oversub 250) ||
    fail "2 ranks on one CPU: $out"
echo "$out"
out=$(taskset -c 0 timeout -k 5 60 "$LARK_MPIRUN" --oversubscribe -n 4 ./oversub 250) ||
    fail "4 ranks on one CPU: $out"
echo "$out"
