#!/bin/sh
# wrappers.sh -- mpicc and mpicxx: the options users of Open MPI and MPICH
# rely on, the compiler override, and programs that build and run without
# LD_LIBRARY_PATH.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cc="$LARK_MPICC"
cxx="$LARK_MPICXX"
inc="$top_srcdir/include"

# -show / --showme print the real command line (compiler, -I, -L, rpath, -lmpi).
out=$("$cc" -show foo.c -o foo) || fail "mpicc -show failed"
echo "mpicc -show: $out"
case "$out" in *"-I$inc"*) ;; *) fail "mpicc -show lacks -I$inc: $out" ;; esac
case "$out" in *"foo.c -o foo"*"-lmpi"*) ;; *) fail "mpicc -show: -lmpi must follow the user's files: $out" ;; esac
case "$out" in *"-Wl,-rpath,"*) ;; *) fail "mpicc -show has no rpath: $out" ;; esac
[ "$("$cc" --showme foo.c)" = "$out" ] 2>/dev/null || [ -n "$("$cc" --showme foo.c)" ] || fail "--showme printed nothing"

# Compile-only: no link flags.
out=$("$cc" -show -c foo.c) || fail "mpicc -show -c"
case "$out" in *"-lmpi"*) fail "mpicc -c must not add link flags: $out" ;; esac

# Open MPI spellings.
out=$("$cc" --showme:compile) || fail "--showme:compile"
case "$out" in "-I$inc"*) ;; *) fail "--showme:compile: $out" ;; esac
out=$("$cc" --showme:link) || fail "--showme:link"
case "$out" in *"-lmpi"*) ;; *) fail "--showme:link: $out" ;; esac
out=$("$cc" --showme:version) || fail "--showme:version"
case "$out" in *Lark*) ;; *) fail "--showme:version: $out" ;; esac
"$cc" --showme:bogus >/dev/null 2>&1 && fail "--showme:bogus should be an error"

# MPICH spellings.
out=$("$cc" -compile-info x.c) || fail "-compile-info"
case "$out" in *"-I$inc"*"x.c"*) ;; *) fail "-compile-info: $out" ;; esac
case "$out" in *"-lmpi"*) fail "-compile-info must not link: $out" ;; esac
out=$("$cc" -link-info x.o) || fail "-link-info"
case "$out" in *"x.o"*"-lmpi"*) ;; *) fail "-link-info: $out" ;; esac

# The compiler can be overridden: environment variable and -cc=.
out=$(LARK_CC=my-cc "$cc" -show x.c) || fail "LARK_CC -show"
case "$out" in "my-cc "*) ;; *) fail "LARK_CC not honoured: $out" ;; esac
out=$("$cc" -cc=other-cc -show x.c) || fail "-cc= -show"
case "$out" in "other-cc "*) ;; *) fail "-cc= not honoured: $out" ;; esac
out=$(LARK_CXX=my-cxx "$cxx" -show x.cc) || fail "LARK_CXX -show"
case "$out" in "my-cxx "*) ;; *) fail "LARK_CXX not honoured: $out" ;; esac

# No input: a clear error, not a silent success.
"$cc" >/dev/null 2>&1 && fail "mpicc with no arguments should fail"

# A C program and a C++ program build and run with no LD_LIBRARY_PATH.
cat > "$scratch/v.c" <<'PROG'
#include <mpi.h>
#include <stdio.h>
int main(void)
{
    int v, sv;
    MPI_Get_version(&v, &sv);
    printf("MPI %d.%d\n", v, sv);
    return !(v == MPI_VERSION && sv == MPI_SUBVERSION);
}
PROG
cp "$scratch/v.c" "$scratch/v.cc"
"$cc" -O2 "$scratch/v.c" -o "$scratch/v" || fail "mpicc could not build a C program"
out=$(env -u LD_LIBRARY_PATH "$scratch/v") || fail "C program did not run: $out"
[ "$out" = "MPI 4.1" ] || fail "C program printed '$out'"
"$cxx" -O2 "$scratch/v.cc" -o "$scratch/vxx" || fail "mpicxx could not build a C++ program"
out=$(env -u LD_LIBRARY_PATH "$scratch/vxx") || fail "C++ program did not run: $out"
[ "$out" = "MPI 4.1" ] || fail "C++ program printed '$out'"

# Separate compile and link steps.
"$cc" -c "$scratch/v.c" -o "$scratch/v.o" || fail "mpicc -c"
"$cc" "$scratch/v.o" -o "$scratch/v2" || fail "mpicc link step"
"$scratch/v2" >/dev/null || fail "separately linked program did not run"

echo "wrappers: all checks passed"
