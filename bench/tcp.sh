#!/bin/sh
# tcp.sh -- Lark's TCP transport over loopback, side by side with Open MPI
# (--mca btl tcp,self), MPICH (UCX_TLS=tcp,self) and a plain-socket
# ping-pong and stream (bench/src/sockbench.c, the floor), in one run,
# implementations interleaved.  Prints a markdown table of medians.
#
#   bench/tcp.sh LARK_BUILD_DIR [REPETITIONS]      (default 5)
#
# 0 B latency from bench/src/pingpong.c, 4 MiB streaming bandwidth from
# bench/src/bandwidth.c (the same sources as bench/compare).  Raw results
# go to $TCP_BENCH_OUT (default ./tcp-bench), with a gnuplot figure when
# gnuplot is installed.  LARK_BEFORE=DIR (another Lark build tree, e.g. of
# the commit before a change) adds its column, interleaved with the rest.
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/tcp.sh LARK_BUILD_DIR [REPETITIONS]}" && pwd)
reps=${2:-5}
out=${TCP_BENCH_OUT:-$PWD/tcp-bench}
mkdir -p "$out"
: > "$out/raw.txt"
before=${LARK_BEFORE:-}
impls="lark openmpi mpich"
[ -n "$before" ] && before=$(cd "$before" && pwd) && impls="before $impls"
cc_lark="$build/wrappers/build/mpicc"
for impl in $impls; do
    case $impl in
    lark) cc=$cc_lark ;;
    before) cc="$before/wrappers/build/mpicc" ;;
    openmpi) cc=mpicc.openmpi ;;
    mpich) cc=mpicc.mpich ;;
    esac
    for p in pingpong bandwidth; do
        $cc -O2 -o "$out/$p.$impl" "$src/src/$p.c" "$src/src/common.c" \
            -I"$src/src" -lm 2> "$out/build.$impl.log" || echo "build of $p with $impl failed" >&2
    done
done
cc -O2 -o "$out/sockbench" "$src/src/sockbench.c"
run() { # impl program args...
    impl=$1
    shift
    case $impl in
    lark) timeout 120 "$build/mpirun" -n 2 -x LARK_TRANSPORTS=tcp,self "$@" ;;
    before) timeout 120 "$before/mpirun" -n 2 -x LARK_TRANSPORTS=tcp,self "$@" ;;
    openmpi) timeout 120 mpirun.openmpi --allow-run-as-root --oversubscribe -n 2 \
        --mca pml ob1 --mca btl tcp,self --mca btl_tcp_if_include lo "$@" ;;
    mpich) UCX_TLS=tcp,self UCX_NET_DEVICES=lo timeout 120 mpirun.mpich -n 2 "$@" ;;
    esac
}
for r in $(seq "$reps"); do
    for impl in $impls; do
        run $impl "$out/pingpong.$impl" -s 0 2>> "$out/errors.txt" | sed "s/^/$impl /" >> "$out/raw.txt" || true
        run $impl "$out/bandwidth.$impl" -s 4194304 2>> "$out/errors.txt" | sed "s/^/$impl /" >> "$out/raw.txt" || true
    done
    "$out/sockbench" lat 0 20000 | sed "s/^/socket /" >> "$out/raw.txt"
    "$out/sockbench" bw 4194304 500 | sed "s/^/socket /" >> "$out/raw.txt"
done
# Medians per (implementation, metric).
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); else print "missing"}'; }
get() { grep "^$1 $2 2 $3 " "$out/raw.txt" | awk '{print $5}' | median; }
bh= bs= bl= bb=
if [ -n "$before" ]; then
    bh=' Lark before |' bs='---:|'
    bl=" $(get before lat 0) |" bb=" $(get before bw 4194304) |"
fi
printf '| metric |%s Lark (TCP) | Open MPI (btl tcp) | MPICH (UCX tcp) | plain socket |\n' "$bh"
printf '|---|%s---:|---:|---:|---:|\n' "$bs"
printf '| ping-pong 0 B, us |%s %s | %s | %s | %s |\n' "$bl" "$(get lark lat 0)" \
    "$(get openmpi lat 0)" "$(get mpich lat 0)" "$(get socket lat 0)"
printf '| stream 4 MiB, GB/s |%s %s | %s | %s | %s |\n' "$bb" "$(get lark bw 4194304)" \
    "$(get openmpi bw 4194304)" "$(get mpich bw 4194304)" "$(get socket bw 4194304)"
spread() { grep "^$1 $2 2 $3 " "$out/raw.txt" | awk '{print $5}' | sort -g | awk 'NR == 1 {lo = $1} {hi = $1} END {if (NR) printf "%s-%s", lo, hi}'; }
for impl in $impls socket; do
    echo "spread $impl: 0 B $(spread $impl lat 0) us, 4 MiB $(spread $impl bw 4194304) GB/s"
done
echo "($reps repetitions, medians; raw results in $out/raw.txt; load average $(cut -d' ' -f1-3 /proc/loadavg))"
