#!/bin/sh
# fastpath.sh -- the shared-memory fast path (issue 19) side by side: Lark,
# Open MPI and MPICH on one node, implementations interleaved in every
# repetition, and the floor: bench/src/cacheline.c, one cache line moving
# between the two cores ranks 0 and 1 run on.  Prints a markdown table of
# medians with Lark / best peer, and a figure of those ratios.
#
#   bench/fastpath.sh LARK_BUILD_DIR [REPETITIONS]      (default 5)
#
# Rows: 0 B and 1 KiB ping-pong latency; message rate at 1, 8, 64 and 512 B
# with 2 ranks and with 4 ranks (on this 2-core machine: oversubscribed);
# streaming bandwidth at 1-64 B; bidirectional bandwidth at 64 B - 1 MiB;
# MPI_Bcast and MPI_Reduce at 2-64 KiB with 2 ranks.  The programs are
# those of bench/compare (bench/src/*.c).  Raw results go to
# $FASTPATH_OUT (default ./fastpath-bench): raw.txt (every measurement),
# table.md, ratios.png when gnuplot is installed.  LARK_BEFORE=DIR (another
# Lark build tree, e.g. of the commit before a change) adds its column,
# measured in the same interleaved run.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/fastpath.sh LARK_BUILD_DIR [REPETITIONS]}" && pwd)
reps=${2:-5}
out=${FASTPATH_OUT:-$PWD/fastpath-bench}
mkdir -p "$out"
: > "$out/raw.txt"
: > "$out/errors.txt"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
before=${LARK_BEFORE:-}
impls="lark openmpi mpich"
[ -n "$before" ] && before=$(cd "$before" && pwd) && impls="$impls before"
. "$src/side.sh"
for impl in $impls; do
    case $impl in
    lark) cc="$build/wrappers/build/mpicc" ;;
    before) cc="$before/wrappers/build/mpicc" ;;
    openmpi) cc=mpicc.openmpi ;;
    mpich) cc=mpicc.mpich ;;
    esac
    for p in pingpong bandwidth msgrate; do
        $cc -O2 -o "$out/$p.$impl" "$src/src/$p.c" "$src/src/common.c" -I"$src/src" -lm \
            2>> "$out/build.$impl.log" || echo "build of $p with $impl failed" >&2
    done
    for c in bcast reduce; do
        $cc -O2 -DCOLL_$(echo $c | tr a-z A-Z) -o "$out/$c.$impl" "$src/src/coll.c" \
            "$src/src/common.c" -I"$src/src" -lm 2>> "$out/build.$impl.log" ||
            echo "build of $c with $impl failed" >&2
    done
done
cc -O2 -o "$out/cacheline" "$src/src/cacheline.c"
# One repetition of every row for one implementation.
rows() {
    i=$1
    side_run "$i" 2 "$out/pingpong.$i" -s 0,1K -t 50
    side_run "$i" 2 "$out/msgrate.$i" -s 1,8,64,512 -t 50
    side_run "$i" 4 "$out/msgrate.$i" -s 1,8,64,512 -t 50
    side_run "$i" 2 "$out/bandwidth.$i" -x uni -s 1,8,64 -t 30
    side_run "$i" 2 "$out/bandwidth.$i" -x bi -s 64,1K,4K,16K,64K,256K,1M -t 30
    side_run "$i" 2 "$out/bcast.$i" -s 2K,4K,8K,16K,32K,64K -t 20
    side_run "$i" 2 "$out/reduce.$i" -s 2K,4K,8K,16K,32K,64K -t 20
}
for r in $(seq "$reps"); do
    order=$(side_order "$r")
    [ -n "$before" ] && order="$order before"
    for impl in $order; do
        rows "$impl" 2>> "$out/errors.txt" | grep -v '^#' | sed "s/^/$impl /" >> "$out/raw.txt" || true
    done
    "$out/cacheline" | sed "s/^/floor /" >> "$out/raw.txt"
done
# Medians per (implementation, metric, ranks, size), then the table.
get() { side_get "$@"; }
median() { side_median; }
{
    if [ -n "$before" ]; then
        printf '| row | Lark before | Lark | Open MPI | MPICH | Lark / best peer |\n'
        printf '|---|---:|---:|---:|---:|---:|\n'
    else
        printf '| row | Lark | Open MPI | MPICH | Lark / best peer |\n|---|---:|---:|---:|---:|\n'
    fi
    while read -r metric n size unit better title; do
        l=$(get lark "$metric" "$n" "$size")
        o=$(get openmpi "$metric" "$n" "$size")
        m=$(get mpich "$metric" "$n" "$size")
        ratio=$(awk -v l="$l" -v o="$o" -v m="$m" -v hi="$better" 'BEGIN {
            b = ""; if (o != "missing") b = o
            if (m != "missing" && (b == "" || (hi == "high" ? m > b : m < b))) b = m
            if (l == "missing" || b == "" || b == 0) print "-"; else printf "%.2f", l / b }')
        bcol=
        [ -n "$before" ] && bcol=" $(get before "$metric" "$n" "$size") |"
        printf '| %s, %s |%s %s | %s | %s | %s |\n' "$title" "$unit" "$bcol" "$l" "$o" "$m" "$ratio"
    done <<EOF
lat 2 0 us low ping-pong 0 B (one way)
lat 2 1024 us low ping-pong 1 KiB (one way)
msgrate 2 1 Mmsg/s high message rate 1 B
msgrate 2 8 Mmsg/s high message rate 8 B
msgrate 2 64 Mmsg/s high message rate 64 B
msgrate 2 512 Mmsg/s high message rate 512 B
msgrate 4 1 Mmsg/s high message rate 1 B, 4 ranks (over)
msgrate 4 8 Mmsg/s high message rate 8 B, 4 ranks (over)
msgrate 4 64 Mmsg/s high message rate 64 B, 4 ranks (over)
msgrate 4 512 Mmsg/s high message rate 512 B, 4 ranks (over)
bw 2 1 GB/s high streaming 1 B
bw 2 8 GB/s high streaming 8 B
bw 2 64 GB/s high streaming 64 B
bibw 2 64 GB/s high bidirectional 64 B
bibw 2 1024 GB/s high bidirectional 1 KiB
bibw 2 4096 GB/s high bidirectional 4 KiB
bibw 2 16384 GB/s high bidirectional 16 KiB
bibw 2 65536 GB/s high bidirectional 64 KiB
bibw 2 262144 GB/s high bidirectional 256 KiB
bibw 2 1048576 GB/s high bidirectional 1 MiB
bcast 2 2048 us low MPI_Bcast 2 KiB
bcast 2 4096 us low MPI_Bcast 4 KiB
bcast 2 8192 us low MPI_Bcast 8 KiB
bcast 2 16384 us low MPI_Bcast 16 KiB
bcast 2 32768 us low MPI_Bcast 32 KiB
bcast 2 65536 us low MPI_Bcast 64 KiB
reduce 2 2048 us low MPI_Reduce 2 KiB
reduce 2 4096 us low MPI_Reduce 4 KiB
reduce 2 8192 us low MPI_Reduce 8 KiB
reduce 2 16384 us low MPI_Reduce 16 KiB
reduce 2 32768 us low MPI_Reduce 32 KiB
reduce 2 65536 us low MPI_Reduce 64 KiB
EOF
    printf '| floor: one cache line between the two cores (bench/src/cacheline.c), us |%s %s | | | |\n' \
        "${before:+ |}" "$(grep '^floor ' "$out/raw.txt" | awk '{print $5}' | median)"
    echo
    echo "($reps repetitions, medians, implementations interleaved; load average $load0 at the start," \
        "$(cut -d' ' -f1-3 /proc/loadavg) at the end; raw results in $out/raw.txt)"
} | tee "$out/table.md"
# The figure: Lark / best peer per row (below 1 is better for times, above
# 1 for rates: both are drawn as "how many times better", best / Lark for
# times).
awk -F'|' 'NR > 2 && NF > 3 && $(NF - 1) ~ /[0-9]/ {
    r = $(NF - 1) + 0; t = $2; gsub(/^ +| +$/, "", t)
    if (t ~ /us$/) r = 1 / r
    gsub(/"/, "", t); printf "\"%s\" %g\n", t, r }' "$out/table.md" > "$out/ratios.dat"
side_plot "$out/ratios.dat" "$out/ratios.png" \
    "Lark against the best of Open MPI and MPICH (> 1: Lark better)"
