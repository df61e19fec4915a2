#!/bin/sh
# plot.sh OUTDIR -- the PNG figures of bench/compare, drawn by gnuplot from
# OUTDIR/summary.csv (see summary.awk) into OUTDIR/plots/.
#
# One figure per metric and rank count, one curve per implementation:
#  - metrics measured at several sizes (latency, bandwidths, collectives,
#    message rate over sizes): value against message size, log-log;
#  - metrics with one size (startup, barrier, message rate at one size):
#    bars per rank count, log y.
# A missing value leaves a gap in its curve.  The data behind each figure is
# kept next to it (plots/<name>.dat).
set -eu
out=$1
plots=$out/plots
mkdir -p "$plots"
rm -f "$plots"/*.png "$plots"/*.dat "$plots"/*.gp
csv=$out/summary.csv

# Splits summary.csv into one data file per figure: "x lark openmpi mpich"
# with NaN where a value is missing, and prints "name kind metric ranks unit
# better" for each figure (kind: size or ranks).
awk -F, -v dir="$plots" '
function val(v) { return v ~ /^[0-9.e+-]+$/ ? v : "NaN" }
NR == 1 {
    for (i = 1; i <= NF; i++) if ($i == "best_peer") last = i - 1
    hdr = "x"
    for (i = 6; i <= last; i++)
        hdr = hdr " \"" ($i == "lark" ? "Lark" : $i == "openmpi" ? "Open MPI" : $i == "mpich" ? "MPICH" : $i) "\""
    next
}
{
    m = $1; r = $2; s = $3
    nsz[m, r]++
    if (!((m, r) in unitof)) { unitof[m, r] = $4; better[m, r] = $5; order[++n] = m SUBSEP r }
    line = ""
    for (i = 6; i <= last; i++) line = line " " val($i)
    rows[m, r, nsz[m, r]] = s line
    if (!(m in mseen)) { mseen[m] = 1; morder[++nm] = m }
    mranks[m] = mranks[m] " " r
    mrow[m, r] = r line
}
END {
    # Metrics with several sizes at a rank count: one line figure each.
    for (k = 1; k <= n; k++) {
        split(order[k], mr, SUBSEP); m = mr[1]; r = mr[2]
        if (nsz[m, r] < 2) continue
        f = dir "/" m "_n" r ".dat"
        print hdr > f
        for (j = 1; j <= nsz[m, r]; j++) {
            split(rows[m, r, j], a, " ")
            if (a[1] + 0 > 0) print rows[m, r, j] > f   # log x: no 0-byte point
        }
        close(f)
        print m "_n" r, "size", m, r, unitof[m, r], better[m, r]
        multi[m] = 1
    }
    # Metrics with a single size: one bar figure per metric, over rank counts.
    for (k = 1; k <= nm; k++) {
        m = morder[k]
        if (m in multi) continue
        f = dir "/" m ".dat"
        print hdr > f
        split(mranks[m], rs, " ")
        for (j = 1; j in rs; j++) print mrow[m, rs[j]] > f
        close(f)
        print m, "ranks", m, "-", unitof[m, rs[1]], better[m, rs[1]]
    }
}' "$csv" >"$plots/figures.txt"

# gnuplot's libgd png terminal makes files a fifth the size of pngcairo's.
if gnuplot -e 'set terminal' 2>&1 | grep -q '^ *png '; then
    term='png size 800,520'
else
    term='pngcairo size 800,520'
fi

title() {
    case $1 in
    startup) echo "Startup: wall time of mpirun -n N hello" ;;
    lat) echo "Ping-pong latency" ;;
    bw) echo "Streaming bandwidth (window of 64 Isend)" ;;
    bibw) echo "Bidirectional bandwidth" ;;
    msgrate) echo "Message rate (N/2 pairs)" ;;
    halo1 | halo8) echo "Halo exchange, MPI_Type_vector of doubles, block $(echo "$1" | cut -c5)" ;;
    soa) echo "Struct-of-arrays message (MPI_Type_create_struct)" ;;
    pack1 | pack8) echo "MPI_Pack of the halo vector / memcpy, block $(echo "$1" | cut -c5)" ;;
    unpack1 | unpack8) echo "MPI_Unpack of the halo vector / memcpy, block $(echo "$1" | cut -c7)" ;;
    rma_fop) echo "MPI_Fetch_and_op + flush, all ranks on one counter" ;;
    rma_*) echo "One-sided $(echo "$1" | cut -d_ -f2-)" ;;
    *) echo "MPI_$(echo "$1" | cut -c1 | tr '[:lower:]' '[:upper:]')$(echo "$1" | cut -c2-) (mean time per call)" ;;
    esac
}

while read -r name kind metric ranks unit better; do
    dat=$plots/$name.dat
    gp=$plots/$name.gp
    where="lower is better"
    [ "$better" = higher ] && where="higher is better"
    t="$(title "$metric")"
    [ "$ranks" = - ] || t="$t, $ranks ranks"
    {
        echo "set terminal $term"
        echo "set output '$plots/$name.png'"
        echo "set title \"$t\" noenhanced"
        echo "set ylabel '$unit ($where)' noenhanced"
        echo "set key top left"
        echo "set grid"
        echo "set logscale y"
        echo "set datafile missing 'NaN'"
        echo "set style line 1 lc rgb '#d62728' lw 2 pt 7"
        echo "set style line 2 lc rgb '#1f77b4' lw 2 pt 5"
        echo "set style line 3 lc rgb '#2ca02c' lw 2 pt 9"
        if [ "$kind" = size ]; then
            echo "set xlabel 'message size (bytes)'"
            echo "set logscale x 2"
            echo "set offsets graph 0.03, graph 0.03, 0, 0"
            # A tic at each measured size (every other one when crowded).
            awk 'NR > 1 { s[++n] = $1 }
                function h(v) { return v >= 1048576 && v % 1048576 == 0 ? v / 1048576 "M" : v >= 1024 && v % 1024 == 0 ? v / 1024 "K" : v }
                END { step = n > 14 ? 2 : 1; l = ""
                      for (i = 1; i <= n; i += step) l = l (l == "" ? "" : ", ") "\"" h(s[i]) "\" " s[i]
                      print "set xtics (" l ")" }' "$dat"
            echo "plot for [i=2:4] '$dat' using 1:i with linespoints ls (i-1) title columnheader(i)"
        else
            echo "set xlabel 'ranks'"
            echo "set style data histograms"
            echo "set style histogram clustered gap 1"
            echo "set style fill solid 0.8 border -1"
            echo "set boxwidth 0.9"
            echo "set yrange [*:*]"
            echo "plot for [i=2:4] '$dat' using i:xtic(1) ls (i-1) title columnheader(i)"
        fi
    } >"$gp"
    gnuplot "$gp"
done <"$plots/figures.txt"
ls "$plots"/*.png
