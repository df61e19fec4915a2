#!/bin/sh
# exports.sh -- libmpi exports exactly what mpi.h declares.
#
# For every function declared in mpi.h, libmpi.so must define PMPI_X (strong)
# and MPI_X (weak, so that a tool may override it), and it must export no
# other symbol: internal code stays hidden.  Every exported MPI function is
# one of the standard ABI's (tests/abi/functions.txt); the coverage of that
# list is printed.
. "$top_srcdir/tests/scripts/lib.sh"
lib="$top_builddir/.libs/libmpi.so"
[ -f "$lib" ] || fail "$lib not built"
lark_scratch

# Declared names: "int MPI_Foo(" / "double MPI_Wtime(" at the start of a line.
sed -n 's/^[a-zA-Z][a-zA-Z_ ]*[ *]\(MPI_[A-Za-z0-9_]*\)(.*/\1/p' "$top_srcdir/include/mpi.h" | sort -u > "$scratch/declared"
sed -n 's/^[a-zA-Z][a-zA-Z_ ]*[ *]\(PMPI_[A-Za-z0-9_]*\)(.*/\1/p' "$top_srcdir/include/mpi.h" | sort -u > "$scratch/pdeclared"
[ -s "$scratch/declared" ] || fail "found no declarations in mpi.h"

# Every MPI_X has its PMPI_X declared too.
sed 's/^MPI_/PMPI_/' "$scratch/declared" | diff - "$scratch/pdeclared" ||
    fail "mpi.h: MPI_ and PMPI_ declarations differ (above)"

nm -D --defined-only "$lib" | awk '{print $2, $3}' > "$scratch/syms"
status=0
while read -r name; do
    grep -q "^W $name\$" "$scratch/syms" || { echo "MPI function $name: not exported as a weak symbol"; status=1; }
    grep -q "^T P$name\$" "$scratch/syms" || { echo "MPI function P$name: not exported"; status=1; }
done < "$scratch/declared"

# Nothing else is exported (allow the linker's own _init/_fini/_end markers).
grep -v -E ' (P?MPI_[A-Za-z0-9_]+|_init|_fini|_edata|_end|__bss_start)$' "$scratch/syms" > "$scratch/extra"
if [ -s "$scratch/extra" ]; then
    echo "libmpi.so exports symbols that are not MPI_/PMPI_:"
    cat "$scratch/extra"
    status=1
fi
# And what is exported is declared (no hidden extras callable by accident).
awk '{print $2}' "$scratch/syms" | grep -E '^MPI_' | sort -u > "$scratch/exported"
comm -13 "$scratch/declared" "$scratch/exported" > "$scratch/undeclared"
if [ -s "$scratch/undeclared" ]; then
    echo "libmpi.so exports MPI functions that mpi.h does not declare:"
    cat "$scratch/undeclared"
    status=1
fi
# Every exported function is one of the standard ABI (tests/abi/functions.txt):
# an ABI binary finds each by its standard name, and Lark adds no others.
sort -u "$top_srcdir/tests/abi/functions.txt" > "$scratch/abi"
comm -23 "$scratch/exported" "$scratch/abi" > "$scratch/nonabi"
if [ -s "$scratch/nonabi" ]; then
    echo "libmpi.so exports MPI functions that the MPI 5.0 standard ABI does not have:"
    cat "$scratch/nonabi"
    status=1
fi
nimpl=$(comm -12 "$scratch/exported" "$scratch/abi" | wc -l)
echo "exports: standard ABI coverage $nimpl / $(wc -l < "$scratch/abi") functions"
[ $status -eq 0 ] && echo "exports: $(wc -l < "$scratch/declared") MPI functions, each MPI_ weak and PMPI_ strong, nothing else"
exit $status
