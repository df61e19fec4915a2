#!/bin/sh
# coll.sh -- the collectives' rows of issue 15 side by side: Lark, Open MPI
# and MPICH on one node, implementations interleaved in every repetition
# (the order rotating), medians.  Prints a markdown table with Lark / best
# peer (Lark / Open MPI where the target names Open MPI), the target and
# whether it is met, and a figure of the ratios.
#
#   bench/coll.sh LARK_BUILD_DIR [REPETITIONS]      (default 5)
#
# LARK_BEFORE=DIR (another Lark build tree, e.g. of main before a change)
# adds its column, measured in the same interleaved run.  COLL_ONLY=REGEX
# (extended) keeps the rows whose "METRIC RANKS SIZE" it matches (size in
# bytes, 0 for the barrier), e.g. COLL_ONLY='^(allreduce 2 8|reduce 2
# (8|48)|bcast 8 8)$'.
#
# Rows: allreduce 8 B with 2 ranks (target <= 0.7 x the best peer);
# barrier and 8-byte allreduce with 8 ranks on the 2 cores (<= 0.5 x Open
# MPI); bcast 4-32 KiB with 2 ranks (<= the best peer); the sizes where
# Lark once collapsed (bcast 8 B and alltoall 8-512 B with 8 ranks,
# allgather 2-4 MiB with 2 ranks, reduce 4-32 KiB with 2 ranks: <= the
# best peer); reduce 8 and 48 B with 2 ranks (<= the best peer: per-rank
# rings of cells in the segment); and the overlap of an MPI_Iallreduce of 1 MiB with
# computation (bench/src/overlap.c, percent of the collective hidden,
# higher is better), 2 and 8 ranks.  The programs are bench/compare's
# (bench/src/coll.c, overlap.c).  Results go to $COLL_OUT (default
# ./coll-bench): raw.txt, table.md, ratios.png (with gnuplot).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/coll.sh LARK_BUILD_DIR [REPETITIONS]}" && pwd)
reps=${2:-5}
out=${COLL_OUT:-$PWD/coll-bench}
mkdir -p "$out"
: >"$out/raw.txt"
: >"$out/errors.txt"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
up0=$(uptime)
before=${LARK_BEFORE:-}
impls="lark openmpi mpich"
[ -n "$before" ] && before=$(cd "$before" && pwd) && impls="$impls before"
only=${COLL_ONLY:-.}
. "$src/side.sh"
for impl in $impls; do
    case $impl in
    lark) cc="$build/wrappers/build/mpicc" ;;
    before) cc="$before/wrappers/build/mpicc" ;;
    openmpi) cc=mpicc.openmpi ;;
    mpich) cc=mpicc.mpich ;;
    esac
    for c in barrier bcast reduce allreduce allgather alltoall; do
        $cc -O2 -DCOLL_$(echo $c | tr a-z A-Z) -o "$out/$c.$impl" "$src/src/coll.c" \
            "$src/src/common.c" -I"$src/src" -lm 2>>"$out/build.$impl.log" ||
            echo "build of $c with $impl failed" >&2
    done
    $cc -O2 -o "$out/overlap.$impl" "$src/src/overlap.c" "$src/src/common.c" -I"$src/src" -lm \
        2>>"$out/build.$impl.log" || echo "build of overlap with $impl failed" >&2
done
# One repetition of every row for one implementation.  MPICH (ch4:ucx)
# collapses when ranks outnumber cores: the 8-rank runs get small time
# budgets so that its runs end within the time limit.
# run IMPL PROGRAM RANKS SIZES BUDGET: one side_run, when COLL_ONLY keeps
# one of its rows.
run() {
    keep=
    for z in $(echo "$4" | tr , ' '); do
        z=$(echo "$z" | awk '{ n = $1 + 0; if ($1 ~ /K$/) n *= 1024; if ($1 ~ /M$/) n *= 1048576; print n }')
        echo "$2 $3 $z" | grep -Eq -- "$only" && keep=1
    done
    [ -n "$keep" ] || return 0
    sz=
    [ "$4" = 0 ] || sz="-s $4"
    side_run "$1" "$3" "$out/$2.$1" $sz -t "$5"
}
rows() {
    i=$1
    run "$i" allreduce 2 8 30
    run "$i" barrier 8 0 20
    run "$i" allreduce 8 8 20
    run "$i" bcast 2 4K,8K,16K,32K 20
    run "$i" bcast 8 8 20
    run "$i" alltoall 8 8,64,512 20
    run "$i" allgather 2 2M,4M 30
    run "$i" reduce 2 8,48 30
    run "$i" reduce 2 4K,8K,16K,32K 20
    run "$i" overlap 2 1M 100
    run "$i" overlap 8 1M 100
}
for r in $(seq "$reps"); do
    order=$(side_order "$r")
    [ -n "$before" ] && order="$order before"
    for impl in $order; do
        rows "$impl" 2>>"$out/errors.txt" | grep -v '^#' | sed "s/^/$impl /" >>"$out/raw.txt" || true
    done
done
{
    printf '| row |%s Lark | Open MPI | MPICH | ratio | target | met |\n' "${before:+ Lark before |}"
    printf '|---|%s---:|---:|---:|---:|---|:---:|\n' "${before:+---:|}"
    # metric ranks size unit better against limit title
    #   against: best (ratio = Lark / best peer) or ompi (Lark / Open MPI);
    #   for "high" rows the ratio is best / Lark, so below 1 is always better.
    while read -r metric n size unit better against limit title; do
        echo "$metric $n $size" | grep -Eq -- "$only" || continue
        l=$(side_get lark "$metric" "$n" "$size")
        o=$(side_get openmpi "$metric" "$n" "$size")
        m=$(side_get mpich "$metric" "$n" "$size")
        line=$(awk -v l="$l" -v o="$o" -v m="$m" -v hi="$better" -v vs="$against" -v lim="$limit" 'BEGIN {
            b = ""; if (o != "missing") b = o
            if (vs == "best" && m != "missing" && (b == "" || (hi == "high" ? m > b : m < b))) b = m
            if (l == "missing" || b == "" || b == 0 || (hi == "high" && l == 0)) { print "- | - | -"; exit }
            r = hi == "high" ? b / l : l / b
            t = (vs == "best" ? "Lark / best" : "Lark / Open MPI")
            if (hi == "high") t = (vs == "best" ? "best / Lark" : "Open MPI / Lark")
            if (lim == "-") printf "%.2f | (shown beside the peers) | -\n", r
            else printf "%.2f | %s <= %s | %s\n", r, t, lim, (r <= lim ? "yes" : "no") }')
        bcol=
        [ -n "$before" ] && bcol=" $(side_get before "$metric" "$n" "$size") |"
        printf '| %s, %s |%s %s | %s | %s | %s |\n' "$title" "$unit" "$bcol" "$l" "$o" "$m" "$line"
    done <<EOF
allreduce 2 8 us low best 0.7 MPI_Allreduce 8 B, 2 ranks
barrier 8 0 us low ompi 0.5 MPI_Barrier, 8 ranks (over)
allreduce 8 8 us low ompi 0.5 MPI_Allreduce 8 B, 8 ranks (over)
bcast 2 4096 us low best 1 MPI_Bcast 4 KiB, 2 ranks
bcast 2 8192 us low best 1 MPI_Bcast 8 KiB, 2 ranks
bcast 2 16384 us low best 1 MPI_Bcast 16 KiB, 2 ranks
bcast 2 32768 us low best 1 MPI_Bcast 32 KiB, 2 ranks
bcast 8 8 us low best 1 MPI_Bcast 8 B, 8 ranks (over)
alltoall 8 8 us low best 1 MPI_Alltoall 8 B, 8 ranks (over)
alltoall 8 64 us low best 1 MPI_Alltoall 64 B, 8 ranks (over)
alltoall 8 512 us low best 1 MPI_Alltoall 512 B, 8 ranks (over)
allgather 2 2097152 us low best 1 MPI_Allgather 2 MiB, 2 ranks
allgather 2 4194304 us low best 1 MPI_Allgather 4 MiB, 2 ranks
reduce 2 8 us low best 1 MPI_Reduce 8 B, 2 ranks
reduce 2 48 us low best 1 MPI_Reduce 48 B, 2 ranks
reduce 2 4096 us low best 1 MPI_Reduce 4 KiB, 2 ranks
reduce 2 8192 us low best 1 MPI_Reduce 8 KiB, 2 ranks
reduce 2 16384 us low best 1 MPI_Reduce 16 KiB, 2 ranks
reduce 2 32768 us low best 1 MPI_Reduce 32 KiB, 2 ranks
overlap 2 1048576 % high best - MPI_Iallreduce 1 MiB hidden behind computation, 2 ranks
overlap 8 1048576 % high best - MPI_Iallreduce 1 MiB hidden behind computation, 8 ranks (over)
EOF
    echo
    echo "($reps repetitions, medians, implementations interleaved; load average $load0 at the start," \
        "$(cut -d' ' -f1-3 /proc/loadavg) at the end; raw results in $out/raw.txt)"
    echo "(uptime at the start: $up0)"
} | tee "$out/table.md"
# The figure: how many times better than the target's reference Lark is
# (1 / ratio: above 1 is better), per row.
col=6 # the ratio's field (one more with the before column)
[ -n "$before" ] && col=7
awk -F'|' -v c="$col" 'NR > 2 && NF > c && $c ~ /[0-9]/ {
    r = $c + 0; t = $2; gsub(/^ +| +$/, "", t); gsub(/"/, "", t)
    if (r > 0) printf "\"%s\" %g\n", t, 1 / r }' "$out/table.md" >"$out/ratios.dat"
side_plot "$out/ratios.dat" "$out/ratios.png" \
    "Collectives: Lark against the target's reference (> 1: Lark better)"
