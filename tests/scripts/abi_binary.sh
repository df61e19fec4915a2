#!/bin/sh
# abi_binary.sh -- a binary built against the standard ABI, not against Lark,
# runs on Lark's libmpi_abi.so.1 under Lark's mpirun.
#
# The program's mpi.h is made here from tests/abi/abi_types.h, the constants
# of tests/abi/constants.tsv (each cast to its handle or pointer type) and
# tests/abi/abi_functions.h; Lark's include/ is never on the command line.
# It is compiled with plain cc, linked with -lmpi_abi only, must record
# libmpi_abi.so.1 (and no libmpi.so) as its MPI library, and runs on 4 ranks.
. "$top_srcdir/tests/scripts/lib.sh"
abi="$top_srcdir/tests/abi"
libdir="$top_builddir/.libs"
[ -f "$libdir/libmpi_abi.so.1" ] || fail "$libdir/libmpi_abi.so.1 not built"
lark_scratch

{
    echo '#ifndef MPI_H_ABI_TEST'
    echo '#define MPI_H_ABI_TEST'
    cat "$abi/abi_types.h"
    awk -F '\t' '
    function cast(n, v) {
        if (n ~ /^MPI_(OP_NULL|SUM|MIN|MAX|PROD|BAND|BOR|BXOR|LAND|LOR|LXOR|MINLOC|MAXLOC|REPLACE|NO_OP)$/) return "MPI_Op"
        if (n ~ /^MPI_COMM_(NULL|WORLD|SELF)$/) return "MPI_Comm"
        if (n ~ /^MPI_GROUP_(NULL|EMPTY)$/) return "MPI_Group"
        if (n == "MPI_WIN_NULL") return "MPI_Win"
        if (n == "MPI_FILE_NULL") return "MPI_File"
        if (n == "MPI_SESSION_NULL") return "MPI_Session"
        if (n ~ /^MPI_MESSAGE_(NULL|NO_PROC)$/) return "MPI_Message"
        if (n ~ /^MPI_INFO_(NULL|ENV)$/) return "MPI_Info"
        if (n ~ /^MPI_(ERRHANDLER_NULL|ERRORS_)/) return "MPI_Errhandler"
        if (n == "MPI_REQUEST_NULL") return "MPI_Request"
        if (v >= 512 && v < 1024 && n !~ /^MPI_(MAX_|BSEND_|WIN_|T_)/) return "MPI_Datatype"
        if (n ~ /^MPI_(BOTTOM|IN_PLACE|BUFFER_AUTOMATIC)$/ || n ~ /_FN(_NULL)?(_C)?$/) return "void *"
        if (n ~ /^MPI_T_.*(_NULL|_ALL_HANDLES)$/) return "void *"
        if (n ~ /^MPI_STATUS(ES)?_IGNORE$/) return "MPI_Status *"
        if (n ~ /^MPI_(ERRCODES_IGNORE|UNWEIGHTED|WEIGHTS_EMPTY)$/) return "int *"
        if (n == "MPI_ARGV_NULL") return "char **"
        if (n == "MPI_ARGVS_NULL") return "char ***"
        if (n == "MPI_DISPLACEMENT_CURRENT") return "MPI_Offset"
        return ""
    }
    {
        c = cast($1, $2 + 0)
        if (c == "") printf "#define %s (%s)\n", $1, $2
        else printf "#define %s ((%s)%s)\n", $1, c, $2
    }' "$abi/constants.tsv"
    cat "$abi/abi_functions.h"
    echo '#endif'
} > "$scratch/mpi.h"

# Sanitizer builds: the program must load the sanitizer runtime first, as
# Lark's mpicc would arrange; nothing else of mpicc is used.
san=$("$LARK_MPICC" -show x.c | tr ' ' '\n' | grep -- '^-fsanitize' | tr '\n' ' ')
# shellcheck disable=SC2086 # $san is a list of flags
LC_ALL=C ${CC:-cc} $san -I"$scratch" -o "$scratch/abi_prog" "$abi/abi_prog.c" \
    -L"$libdir" -lmpi_abi -Wl,-rpath,"$libdir" ||
    fail "plain cc cannot build a standard-ABI program against libmpi_abi"
needed=$(LC_ALL=C readelf -d "$scratch/abi_prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
case " $needed " in *" libmpi_abi.so.1 "*) ;; *) fail "abi_prog does not need libmpi_abi.so.1 (needs: $needed)" ;; esac
case " $needed " in *" libmpi.so"*) fail "abi_prog needs libmpi.so too (needs: $needed)" ;; esac

timeout -k 5 "${LARK_TEST_TIMEOUT:-120}" "$LARK_MPIRUN" --oversubscribe -n 4 "$scratch/abi_prog" > "$scratch/out" 2>&1
rc=$?
cat "$scratch/out"
[ $rc -eq 0 ] || fail "the standard-ABI program failed under mpirun -n 4 (exit $rc)"
grep -q '^abi_prog: 4 ranks OK' "$scratch/out" || fail "abi_prog did not report success"
echo "abi binary: built with plain cc against the standard ABI header, needs $needed, ran on 4 ranks"
