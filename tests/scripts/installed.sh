#!/bin/sh
# installed.sh PREFIX -- check an installed Lark (run by .ci/run after the
# README's example command installed into PREFIX): the files are all there,
# libmpi has a versioned soname, the installed mpicc builds a program that
# runs without LD_LIBRARY_PATH, and pkg-config finds the library.
set -u
prefix=${1:?usage: installed.sh PREFIX}
fail() { echo "FAIL: $*" >&2; exit 1; }
for f in bin/mpicc bin/mpicxx bin/mpic++ bin/mpirun bin/mpiexec include/mpi.h lib/libmpi.so lib/pkgconfig/lark.pc; do
    [ -e "$prefix/$f" ] || fail "$prefix/$f is not installed"
done
soname=$(objdump -p "$prefix/lib/libmpi.so" | awk '/SONAME/ {print $2}')
case "$soname" in libmpi.so.[0-9]*) ;; *) fail "libmpi.so has no versioned soname ($soname)" ;; esac
[ -e "$prefix/lib/$soname" ] || fail "$prefix/lib/$soname missing"
[ "$(readlink "$prefix/bin/mpiexec")" = mpirun ] || fail "mpiexec is not mpirun"
# The standard ABI's name and soname, for binaries built against any ABI mpi.h.
[ -e "$prefix/lib/libmpi_abi.so.1" ] || fail "$prefix/lib/libmpi_abi.so.1 is not installed"
abisoname=$(objdump -p "$prefix/lib/libmpi_abi.so.1" | awk '/SONAME/ {print $2}')
[ "$abisoname" = libmpi_abi.so.1 ] || fail "libmpi_abi.so.1 has soname '$abisoname'"
tmp=$(mktemp -d) && trap 'rm -rf "$tmp"' EXIT
printf '#include <mpi.h>\nint main(void){int v,s;MPI_Get_version(&v,&s);return v!=MPI_VERSION||s!=MPI_SUBVERSION;}\n' > "$tmp/t.c"
"$prefix/bin/mpicc" "$tmp/t.c" -o "$tmp/t" || fail "installed mpicc cannot build"
env -u LD_LIBRARY_PATH "$tmp/t" || fail "program built by installed mpicc does not run"
"$prefix/bin/mpicc" -show x.c | grep -q -- "-I$prefix/include" || fail "installed mpicc points elsewhere"
"$prefix/bin/mpicc" -show x.c | grep -q -- "-lmpi_abi" && fail "mpicc links -lmpi_abi (it links -lmpi)"
# mpirun --trace preloads the installed recorder and runs the installed merger.
printf '#include <mpi.h>\nint main(int c,char**v){MPI_Init(&c,&v);MPI_Barrier(MPI_COMM_WORLD);return MPI_Finalize();}\n' > "$tmp/b.c"
"$prefix/bin/mpicc" "$tmp/b.c" -o "$tmp/b" || fail "installed mpicc cannot build"
env -u LD_LIBRARY_PATH "$prefix/bin/mpirun" --oversubscribe -n 2 --trace "$tmp/t.json" "$tmp/b" >/dev/null 2>&1 ||
    fail "installed mpirun --trace failed"
grep -q '"traceEvents"' "$tmp/t.json" || fail "installed mpirun --trace wrote no Trace Event JSON"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags lark | grep -q "$prefix/include" || fail "pkg-config lark"
echo "installed: $prefix has mpicc, mpicxx, mpic++, mpirun, mpiexec, $soname, libmpi_abi.so.1, mpi.h, lark.pc, --trace"
