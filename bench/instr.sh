#!/bin/sh
# instr.sh -- instructions per call of the point-to-point hot path
# (issue 19): bench/src/instr.c on 2 ranks under valgrind
# --tool=callgrind, only the MPI calls counted, no waiting in them (the
# ranks go in lock step outside MPI), the loop's own cost subtracted.
# Load-independent: the numbers repeat to the instruction, so a change
# of a few instructions on the hot path shows.
#
#   bench/instr.sh LARK_BUILD_DIR [N]      (N iterations per phase, default 1000)
#
# Per operation: a warm-up (first-use costs, not reported), N and then 2N
# iterations, each dumped apart; per call = (count of 2N - count of N) / N
# minus the same for the "empty" operation (the brackets alone).
# LARK_BEFORE=DIR (another Lark build tree, e.g. of main) adds its column,
# INSTR_PEERS=1 adds Open MPI's and MPICH's (their own mpicc/mpirun).
# Results in $INSTR_OUT (default ./instr-bench): table.md, and one
# directory per implementation with the callgrind files of every phase
# (callgrind_annotate DIR/cg.PID.K shows where a phase's instructions go:
# the file's "desc: Trigger" line names the phase).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/instr.sh LARK_BUILD_DIR [N]}" && pwd)
n=${2:-1000}
out=${INSTR_OUT:-$PWD/instr-bench}
command -v valgrind >/dev/null || { echo "instr.sh: valgrind is not installed" >&2; exit 1; }
[ -f /usr/include/valgrind/callgrind.h ] ||
    { echo "instr.sh: valgrind/callgrind.h is missing (Debian: valgrind)" >&2; exit 1; }
before=${LARK_BEFORE:-}
[ -n "$before" ] && before=$(cd "$before" && pwd)
impls=lark
[ -n "$before" ] && impls="before $impls"
[ "${INSTR_PEERS:-0}" != 0 ] && impls="$impls openmpi mpich"
asroot=
[ "$(id -u)" = 0 ] && asroot=--allow-run-as-root
mkdir -p "$out"

# run IMPL: build and run instr.c, write $out/IMPL/counts ("OP RANK ITERATIONS IR" lines).
run() {
    i=$1 d=$out/$1
    rm -rf "$d"
    mkdir -p "$d"
    case $i in
    lark) cc="$build/wrappers/build/mpicc" run="$build/mpirun -n 2" ;;
    before) cc="$before/wrappers/build/mpicc" run="$before/mpirun -n 2" ;;
    openmpi) cc=mpicc.openmpi run="mpirun.openmpi $asroot -n 2" ;;
    mpich) cc=mpicc.mpich run="mpirun.mpich -n 2" ;;
    esac
    $cc -O2 -o "$d/instr" "$src/src/instr.c" 2> "$d/build.log" ||
        { echo "instr.sh: building with $i failed (see $d/build.log)" >&2; return 1; }
    timeout 600 $run valgrind --tool=callgrind --collect-atstart=no \
        --callgrind-out-file="$d/cg.%p" "$d/instr" "$d/flags" "$n" > "$d/stdout" 2> "$d/stderr" ||
        { echo "instr.sh: the run with $i failed (see $d/stderr)" >&2; return 1; }
    # Each dump: "desc: Trigger: Client Request: OP ITERATIONS" and a
    # "summary:" (or "totals:") line of instructions.
    : > "$d/counts"
    grep '^instr pid ' "$d/stdout" | while read -r _ _ pid _ rank; do
        for f in "$d/cg.$pid".*; do
            awk -v rank="$rank" '
                /^desc: Trigger: Client Request:/ { op = $5; it = $6 }
                /^(summary|totals):/ { ir = $2 }
                END { if (op != "") print op, rank, it, ir }' "$f"
        done >> "$d/counts"
    done
}

# per IMPL OP RANK: instructions per call, or "-" (not measured, or it waited).
per() {
    awk -v op="$2" -v rank="$3" -v n="$n" '
        $2 == rank && $3 == n { one[$1] = $4 }
        $2 == rank && $3 == 2 * n { two[$1] = $4 }
        END {
            if (!(op in one) || !(op in two) || !("empty" in one) || !("empty" in two)) { print "-"; exit }
            # a counted call that waited (see check) has no per-call cost
            d = (two[op] - 2 * one[op]) / (one[op] > 0 ? one[op] : 1)
            if (d > 0.01 || d < -0.01) { print "-"; exit }
            e = (two["empty"] - one["empty"]) / n
            printf "%.0f\n", (two[op] - one[op]) / n - e
        }' "$out/$1/counts"
}

# check IMPL: say when a phase of 2N is not twice the phase of N (something
# in the measured calls waited, or the count depends on the iteration).
check() {
    awk -v n="$n" -v impl="$1" '
        $3 == n { one[$1 " " $2] = $4 }
        $3 == 2 * n { two[$1 " " $2] = $4 }
        END {
            for (k in one) if (k in two && one[k] > 0) {
                d = (two[k] - 2 * one[k]) / one[k]
                if (d > 0.01 || d < -0.01)
                    printf "instr.sh: %s %s: 2N phase is %.1f%% off twice the N phase (waiting counted?)\n", impl, k, 100 * d > "/dev/stderr"
            }
        }' "$out/$1/counts"
}

for i in $impls; do
    run "$i" || true
    [ -f "$out/$i/counts" ] && check "$i"
done

{
    printf '| call (rank counted) |'
    for i in $impls; do
        case $i in
        lark) printf ' Lark |' ;; before) printf ' Lark before |' ;;
        openmpi) printf ' Open MPI |' ;; mpich) printf ' MPICH |' ;;
        esac
    done
    printf '\n|---|'
    for i in $impls; do printf -- '---:|'; done
    printf '\n'
    while read -r op rank title; do
        printf '| %s |' "$title"
        for i in $impls; do
            if [ "$op" = pair ]; then
                s=$(per "$i" send 0) r=$(per "$i" send 1)
                case "$s$r" in *-*) v=- ;; *) v=$((s + r)) ;; esac
            else
                v=$(per "$i" "$op" "$rank")
            fi
            printf ' %s |' "$v"
        done
        printf '\n'
    done <<EOF
send 0 MPI_Send 0 B (0)
send 1 MPI_Recv 0 B, message there (1)
pair - MPI_Send + MPI_Recv pair
isend 0 MPI_Isend + MPI_Wait 0 B (0)
isend 1 MPI_Irecv + MPI_Wait 0 B, message there (1)
sendrecv 0 MPI_Sendrecv 0 B each way, message there (0)
allreduce 1 MPI_Allreduce 8 B, MPI_DOUBLE MPI_SUM, last to arrive (1)
EOF
    echo
    echo "(callgrind, instructions per call: (phase of 2N - phase of N) / N, N = $n," \
        "minus the brackets' own cost; files in $out)"
} | tee "$out/table.md"
