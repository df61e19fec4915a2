#!/bin/sh
# abi_constants.sh -- every constant of mpi.h has the MPI 5.0 standard ABI's value.
#
# Compiles a program against Lark's mpi.h that prints each name of
# tests/abi/constants.tsv (handles and pointer constants through intptr_t)
# and compares the output with the table: any difference fails.  Names that
# mpi.h does not define are found from the compiler's complaints, left out,
# counted and listed; since mpi.h defines all of them, a missing one fails too.
. "$top_srcdir/tests/scripts/lib.sh"
table="$top_srcdir/tests/abi/constants.tsv"
[ -f "$table" ] || fail "$table missing"
lark_scratch
# MPI_VERSION and MPI_SUBVERSION name the standard the library implements
# (README, "Standards"), not a value a binary passes to it: compared apart.
cut -f1 "$table" | grep -v -E '^MPI_(VERSION|SUBVERSION)$' | sort > "$scratch/names"

gen() { # names file -> C program printing each name and its value
    {
        echo '#include <stdio.h>'
        echo '#include <stdint.h>'
        echo '#include "mpi.h"'
        echo 'int main(void) {'
        sed 's/.*/    printf("%s\\t%lld\\n", "&", (long long)(intptr_t)(&));/' "$1"
        echo '    return 0;'
        echo '}'
    } > "$scratch/consts.c"
}
compile() {
    LC_ALL=C ${CC:-cc} -I"$top_srcdir/include" -o "$scratch/consts" "$scratch/consts.c" 2> "$scratch/errs"
}

cp "$scratch/names" "$scratch/defined"
gen "$scratch/defined"
if ! compile; then
    # "'MPI_FOO' undeclared" (gcc) / "use of undeclared identifier 'MPI_FOO'" (clang)
    sed -n -e "s/.*'\(MPI_[A-Za-z0-9_]*\)' undeclared.*/\1/p;t" \
        -e "s/.*undeclared identifier '\(MPI_[A-Za-z0-9_]*\)'.*/\1/p" \
        "$scratch/errs" | sort -u > "$scratch/undefined"
    [ -s "$scratch/undefined" ] || { cat "$scratch/errs"; fail "the constants program does not compile"; }
    comm -23 "$scratch/names" "$scratch/undefined" > "$scratch/defined"
    gen "$scratch/defined"
    compile || { cat "$scratch/errs"; fail "the constants program does not compile"; }
else
    : > "$scratch/undefined"
fi
"$scratch/consts" | sort > "$scratch/got" || fail "the constants program failed"
sort "$table" | join -t "$(printf '\t')" "$scratch/defined" - | sort > "$scratch/want"
status=0
if ! diff "$scratch/want" "$scratch/got" > "$scratch/diff"; then
    echo "mpi.h differs from the standard ABI (< standard, > mpi.h):"
    cat "$scratch/diff"
    status=1
fi
ndef=$(wc -l < "$scratch/defined")
nundef=$(wc -l < "$scratch/undefined")
echo "abi constants: $ndef of $(wc -l < "$scratch/names") names defined with the standard value, $nundef not defined yet"
echo "abi constants: MPI_VERSION.MPI_SUBVERSION is Lark's own (the standard ABI header says $(sed -n 's/^MPI_VERSION\t//p' "$table").$(sed -n 's/^MPI_SUBVERSION\t//p' "$table"))"
if [ "$nundef" -ne 0 ]; then
    # Every name is defined today: one that goes missing is a regression.
    sed 's/^/  not defined: /' "$scratch/undefined"
    status=1
fi
exit $status
