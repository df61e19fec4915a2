#!/bin/sh
# pmpi.sh -- a profiling tool that defines MPI_Send/MPI_Finalize and calls
# PMPI_Send/PMPI_Finalize intercepts the program's calls, both when linked
# into the program and when preloaded as a shared library.
. "$top_srcdir/tests/scripts/lib.sh"
mpi="$top_builddir/tests/mpi"

# Linked: rank 0 makes three MPI_Send calls; rank 1 none.
out=$(timeout 60 "$LARK_MPIRUN" -n 2 "$mpi/pmpi_linked") || fail "pmpi_linked failed: $out"
echo "$out"
echo "$out" | grep -q "rank 0 intercepted 3 MPI_Send calls" || fail "linked tool did not see rank 0's 3 sends"
echo "$out" | grep -q "rank 1 intercepted 0 MPI_Send calls" || fail "linked tool miscounted rank 1"

# Preloaded into a program that knows nothing of the tool.
tool="$mpi/.libs/libpmpitool.so"
[ -f "$tool" ] || fail "$tool not built"
# In a --enable-sanitizers build the ASan runtime must come first.
asan=$(ldd "$mpi/pmpi_plain" | awk '/libasan/ {print $3}')
out=$(timeout 60 "$LARK_MPIRUN" -n 2 -x LD_PRELOAD="${asan:+$asan }$tool" "$mpi/pmpi_plain") || fail "preloaded run failed: $out"
echo "$out"
echo "$out" | grep -q "rank 0 intercepted 3 MPI_Send calls" || fail "preloaded tool did not see rank 0's 3 sends"

# Without the tool nothing is printed by it.
out=$(timeout 60 "$LARK_MPIRUN" -n 2 "$mpi/pmpi_plain") || fail "plain run failed: $out"
echo "$out" | grep -q "pmpi-tool" && fail "the plain program must not contain the tool"
echo "pmpi: interposition works linked and preloaded"
