#!/bin/sh
# cmake.sh -- CMake's find_package(MPI) finds Lark through mpicc/mpicxx, and
# the programs it builds run under mpirun.
. "$top_srcdir/tests/scripts/lib.sh"
[ -n "$CMAKE" ] || fail "cmake not found at configure time (apt-get install cmake)"
lark_scratch
cd "$scratch" || fail "cd"
# In a --enable-sanitizers build the wrapper adds -fsanitize=...; FindMPI
# keeps only -l/-L/-Wl link flags, so hand the sanitizer to the linker.
san=$("$LARK_MPICC" --showme:link | tr ' ' '\n' | grep -- '^-fsanitize=' | tr '\n' ' ')
"$CMAKE" -S "$top_srcdir/tests/cmake" -B build -DCMAKE_EXE_LINKER_FLAGS="$san" \
    -DMPI_C_COMPILER="$LARK_MPICC" -DMPI_CXX_COMPILER="$LARK_MPICXX" > cmake.log 2>&1 ||
    { cat cmake.log; fail "cmake could not configure the project with Lark's MPI"; }
grep -q "lark-test: MPI_C_VERSION=4.1" cmake.log || { cat cmake.log; fail "FindMPI did not report MPI 4.1"; }
inc=$(cd "$top_srcdir/include" && pwd -P) # CMake prints canonical paths
grep -q "lark-test: MPI_C_INCLUDE_DIRS=.*$inc" cmake.log || { cat cmake.log; fail "FindMPI did not find Lark's mpi.h"; }
"$CMAKE" --build build > build.log 2>&1 || { cat build.log; fail "the CMake project did not build"; }
out=$(timeout 60 "$LARK_MPIRUN" -n 2 ./build/cmake_hello) || fail "cmake_hello did not run: $out"
echo "$out"
[ "$(echo "$out" | grep -c 'cmake_hello [01] of 2')" -eq 2 ] || fail "cmake_hello output wrong"
out=$(timeout 60 "$LARK_MPIRUN" -n 2 ./build/cmake_hello_cxx) || fail "cmake_hello_cxx did not run: $out"
[ "$(echo "$out" | grep -c 'cmake_hello_cxx [01] of 2')" -eq 2 ] || fail "cmake_hello_cxx output wrong"
echo "cmake: find_package(MPI) found Lark; C and C++ programs ran"
