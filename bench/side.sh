# side.sh -- what bench/fastpath.sh and bench/coll.sh share (sourced): run
# one program with one implementation, medians of the raw results, the
# ratio figure.  The sourcing script sets `build` (Lark's build tree),
# `before` (another Lark build tree, or empty) and `out` (the results).
asroot=
[ "$(id -u)" = 0 ] && asroot=--allow-run-as-root

# side_run IMPL RANKS PROGRAM ARGS...: one run, at most 120 s.
side_run() {
    impl=$1 n=$2
    shift 2
    over=
    [ "$n" -gt "$(nproc)" ] && over=--oversubscribe
    case $impl in
    lark) timeout 120 "$build/mpirun" $over -n "$n" "$@" ;;
    before) timeout 120 "$before/mpirun" $over -n "$n" "$@" ;;
    openmpi) timeout 120 mpirun.openmpi $asroot $over -n "$n" "$@" ;;
    mpich) timeout 120 mpirun.mpich -n "$n" "$@" ;;
    esac
}

# side_order REPETITION: the implementations in the order of that
# repetition (rotating, so that none always runs first).
side_order() {
    case $(($1 % 3)) in
    0) echo "lark openmpi mpich" ;;
    1) echo "openmpi mpich lark" ;;
    2) echo "mpich lark openmpi" ;;
    esac
}

# side_get IMPL METRIC RANKS SIZE: the median of $out/raw.txt's lines
# "IMPL METRIC RANKS SIZE VALUE", or "missing".
side_median() { sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); else print "missing"}'; }
side_get() { grep "^$1 $2 $3 $4 " "$out/raw.txt" | awk '{print $5}' | side_median; }

# side_plot DAT PNG TITLE: bars of "label" value lines on a log scale
# (above 1: Lark better), when gnuplot is installed.
side_plot() {
    command -v gnuplot >/dev/null 2>&1 || return 0
    gnuplot <<GNUPLOT_EOF 2>>"$out/errors.txt" || true
set terminal pngcairo size 1000,700 noenhanced
set output "$2"
set title "$3"
set style fill solid 0.6
set boxwidth 0.7
set logscale y 2
set yrange [0.0625:*]
set xtics rotate by -60 font ",8"
set grid y
plot "$1" using 0:2:xtic(1) with boxes notitle, 1 with lines lc rgb "black" notitle
GNUPLOT_EOF
}
