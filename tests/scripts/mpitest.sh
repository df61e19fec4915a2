#!/bin/sh
# mpitest.sh FILE.mpi -- run one MPI test program under the real launcher.
#
# FILE.mpi holds one line: the mpirun arguments, with the program named
# relative to tests/mpi/ in the build tree, e.g. "-n 2 ./ring".  The run fails
# if mpirun exits non-zero or takes longer than LARK_TEST_TIMEOUT seconds
# (default 120): a hang is a failure, never a silent wait.
. "$top_srcdir/tests/scripts/lib.sh"
spec=$1
[ -f "$spec" ] || fail "no test spec $spec"
args=$(grep -v '^#' "$spec" | head -n 1)
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
# shellcheck disable=SC2086 # the spec is a list of words
exec timeout -k 5 "${LARK_TEST_TIMEOUT:-120}" "$LARK_MPIRUN" $args
