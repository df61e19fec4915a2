#!/bin/sh
# bench/launch.sh -- how long `mpirun -n N hello` takes over N hosts, for
# N = 1, 2, 4, 8, 16, 32 "hosts" made of network namespaces on this machine
# (tests/scripts/multihost_lib.sh; needs root), one rank per host: Lark with
# its launch tree (--tree-radix 4, so that 32 hosts are 3 levels deep),
# Lark flat (--flat-launch), and Open MPI 4.1 (mpirun.openmpi), all starting
# their daemons through the same agent ("ip netns exec HOST unshare ...").
# mpirun itself runs on host h0; the time is the whole command, agent
# included, the median of REPS runs, the implementations interleaved.
#
#   bench/launch.sh [LARK_BUILD_DIR]     (default: ./_build)
#   HOSTS="1 2 4" REPS=3 bench/launch.sh _build
#
# Writes OUT/launch.csv (hosts,impl,median_s,min_s) and, with gnuplot,
# OUT/launch.png; OUT defaults to LARK_BUILD_DIR/bench/results.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(dirname "$here")
build=$(cd "${1:-$top_srcdir/_build}" && pwd) || exit 1
OUT=${OUT:-$build/bench/results}
REPS=${REPS:-5}
HOSTS=${HOSTS:-"1 2 4 8 16 32"}
mkdir -p "$OUT"
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
. "$top_srcdir/tests/scripts/multihost_lib.sh"
max=1
for h in $HOSTS; do [ "$h" -gt "$max" ] && max=$h; done
mh_hosts "$max"
LARK_NODED="$build/lark-noded"
export LARK_NODED
"$build/wrappers/build/mpicc" -o "$scratch/hello_lark" "$top_srcdir/examples/hello.c" || fail "Lark's mpicc"
have_ompi=0
if command -v mpicc.openmpi >/dev/null && command -v mpirun.openmpi >/dev/null &&
    mpicc.openmpi -o "$scratch/hello_ompi" "$top_srcdir/examples/hello.c"; then
    have_ompi=1
fi

# one IMPL N: seconds of one run (or "fail")
one() {
    hosts=""
    i=0
    while [ $i -lt "$2" ]; do
        hosts="$hosts${hosts:+,}${MH}h$i"
        i=$((i + 1))
    done
    case $1 in
    lark-tree) cmd="'$build/mpirun' -launcher-exec '$AGENT' --tree-radix 4 --host $hosts -n $2 ./hello_lark" ;;
    lark-flat) cmd="'$build/mpirun' -launcher-exec '$AGENT' --flat-launch --host $hosts -n $2 ./hello_lark" ;;
    openmpi) cmd="mpirun.openmpi --allow-run-as-root --mca plm_rsh_agent '$AGENT' --host $hosts -n $2 ./hello_ompi" ;;
    esac
    t0=$(date +%s%N)
    if timeout 120 "$AGENT" "${MH}h0" "cd '$scratch' && $cmd" >"$scratch/out" 2>&1 &&
        [ "$(grep -c '^Hello from rank' "$scratch/out")" = "$2" ]; then
        echo "$(((($(date +%s%N) - t0) / 1000)))" | awk '{printf "%.4f\n", $1 / 1e6}'
    else
        sed 's/^/    /' "$scratch/out" | tail -5 >&2
        echo fail
    fi
}

impls="lark-tree lark-flat"
[ $have_ompi = 1 ] && impls="$impls openmpi"
echo "hosts,impl,median_s,min_s" >"$OUT/launch.csv"
for n in $HOSTS; do
    for impl in $impls; do : >"$scratch/t.$impl"; done
    r=0
    while [ $r -lt "$REPS" ]; do
        for impl in $impls; do one "$impl" "$n" >>"$scratch/t.$impl"; done
        r=$((r + 1))
    done
    for impl in $impls; do
        line=$(grep -v fail "$scratch/t.$impl" | sort -n |
            awk '{v[NR]=$1} END {if (NR == 0) print "fail,fail"; else printf "%s,%s\n", (NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2), v[1]}')
        echo "$n,$impl,$line" >>"$OUT/launch.csv"
        echo "hosts $n  $impl  median,min s: $line"
    done
done
if command -v gnuplot >/dev/null; then
    for impl in $impls; do
        grep ",$impl," "$OUT/launch.csv" | grep -v fail | cut -d, -f1,3 | tr , ' ' >"$scratch/p.$impl"
    done
    {
        echo "set terminal pngcairo size 800,500 noenhanced" 2>/dev/null
        echo "set output '$OUT/launch.png'"
        echo "set title 'mpirun -n N hello over N namespace hosts (1 rank each), median of $REPS'"
        echo "set xlabel 'hosts'; set ylabel 'seconds'; set logscale x 2; set key top left; set grid"
        printf "plot "
        sep=""
        for impl in $impls; do
            printf "%s'%s' using 1:2 with linespoints title '%s'" "$sep" "$scratch/p.$impl" "$impl"
            sep=", "
        done
        echo
    } >"$scratch/plot.gp"
    gnuplot "$scratch/plot.gp" 2>/dev/null || sed -i 's/pngcairo/png/' "$scratch/plot.gp" && gnuplot "$scratch/plot.gp"
fi
echo "results: $OUT/launch.csv"
