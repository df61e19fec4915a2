#!/bin/sh
# trace.sh -- what `mpirun --trace` costs (issue 18): the 0-byte ping-pong
# (bench/src/pingpong.c), the 1-byte message rate with 2 ranks and the cost
# of one cheap call (bench/src/callcost.c: MPI_Comm_rank), without and with
# --trace, and the peers' figures for scale, interleaved in every
# repetition.  Without --trace liblark_trace is not loaded at all, so "off"
# is plain Lark.  Prints a markdown table of medians and the overhead as a
# ratio; raw results go to $TRACE_OUT (default ./trace-bench).
#
#   bench/trace.sh LARK_BUILD_DIR [REPETITIONS]      (default 5)
#
# LARK_TRACE_CLOCK=monotonic in the environment makes the recorder use
# clock_gettime instead of the time-stamp counter (to measure the clock's
# share of the cost).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/trace.sh LARK_BUILD_DIR [REPETITIONS]}" && pwd)
reps=${2:-5}
out=${TRACE_OUT:-$PWD/trace-bench}
mkdir -p "$out"
: > "$out/raw.txt"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
asroot=
[ "$(id -u)" = 0 ] && asroot=--allow-run-as-root
for impl in lark openmpi mpich; do
    case $impl in
    lark) cc="$build/wrappers/build/mpicc" ;;
    openmpi) cc=mpicc.openmpi ;;
    mpich) cc=mpicc.mpich ;;
    esac
    for p in pingpong msgrate; do
        $cc -O2 -o "$out/$p.$impl" "$src/src/$p.c" "$src/src/common.c" -I"$src/src" -lm ||
            { echo "trace.sh: build of $p with $impl failed" >&2; exit 1; }
    done
    $cc -O2 -o "$out/callcost.$impl" "$src/src/callcost.c" ||
        { echo "trace.sh: build of callcost with $impl failed" >&2; exit 1; }
done
run() { # label program args...
    label=$1 p=$2
    shift 2
    case $label in
    off) timeout 120 "$build/mpirun" -n 2 "$out/$p.lark" "$@" ;;
    on) rm -f "$out/t.json"
        timeout 120 "$build/mpirun" -n 2 --trace "$out/t.json" "$out/$p.lark" "$@" 2>/dev/null ;;
    openmpi) timeout 120 mpirun.openmpi $asroot -n 2 "$out/$p.openmpi" "$@" ;;
    mpich) timeout 120 mpirun.mpich -n 2 "$out/$p.mpich" "$@" ;;
    esac | awk -v l="$label" '/^(lat|msgrate|callcost) / {print l, $0}' >> "$out/raw.txt"
}
for r in $(seq "$reps"); do
    for label in off on openmpi mpich; do
        run "$label" pingpong -s 0 -t 50
        run "$label" msgrate -s 1 -t 50
        run "$label" callcost
    done
done
rm -f "$out/t.json"
# raw.txt: "<label> lat 2 0 <us>" and "<label> msgrate 2 1 <Mmsg/s>"
awk -v load0="$load0" -v load1="$(cut -d' ' -f1-3 /proc/loadavg)" '
function median(key,    n, i, j, t, a) {
    n = cnt[key]
    for (i = 1; i <= n; i++) a[i] = v[key, i]
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n == 0 ? -1 : (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2)
}
{ key = $1 " " $2; v[key, ++cnt[key]] = $NF }
END {
    printf "| what (2 ranks, medians of %d) | Lark | Lark --trace | traced / plain | Open MPI | MPICH |\n", cnt["off lat"]
    printf "|---|---:|---:|---:|---:|---:|\n"
    lo = median("off lat"); ln = median("on lat")
    printf "| ping-pong 0 B, one way (us) | %.3f | %.3f | %.2f | %.3f | %.3f |\n", lo, ln, ln / lo, median("openmpi lat"), median("mpich lat")
    ro = median("off msgrate"); rn = median("on msgrate")
    printf "| message rate 1 B (Mmsg/s) | %.2f | %.2f | %.2f | %.2f | %.2f |\n", ro, rn, rn / ro, median("openmpi msgrate"), median("mpich msgrate")
    co = median("off callcost"); cn = median("on callcost")
    printf "| one MPI_Comm_rank call (ns) | %.1f | %.1f | %.2f | %.1f | %.1f |\n", co, cn, cn / co, median("openmpi callcost"), median("mpich callcost")
    printf "\nload average before: %s, after: %s\n", load0, load1
}' "$out/raw.txt" | tee "$out/table.md"
