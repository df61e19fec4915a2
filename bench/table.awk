# table.awk -- summary.csv (see summary.awk) as Markdown tables, one per
# metric, for the terminal and for bench/README.md.
#
#   awk -F, -v ncores=2 [-v h='####'] -f table.awk summary.csv
# (h: the Markdown heading of each table, ### unless given).

function title(m) {
    if (m == "startup") return "Startup: wall time of `mpirun -n N hello`"
    if (m == "lat") return "Ping-pong latency (half a round trip, MPI_Send/MPI_Recv)"
    if (m == "bw") return "Streaming bandwidth (window of 64 MPI_Isend, at most 64 MiB in flight)"
    if (m == "bibw") return "Bidirectional bandwidth (both ranks stream at once, both directions counted)"
    if (m == "msgrate") return "Message rate (N/2 pairs, windows of 64 nonblocking sends, all pairs summed)"
    if (m == "rma_fop") return "MPI_Fetch_and_op + MPI_Win_flush, every rank on one counter at once (mean per call)"
    if (m ~ /^rma_/) return rma_title(m)
    if (m == "overlap") return "Overlap: share of an MPI_Iallreduce hidden behind computation that calls MPI_Test 10 times"
    if (m == "halo1" || m == "halo8") return "Halo exchange: MPI_Sendrecv of an MPI_Type_vector of doubles, block " substr(m, 5) ", stride 2 blocks (time per exchange)"
    if (m == "soa") return "Struct of arrays: one MPI_Type_create_struct message from 4 arrays into 4 arrays, then a 1-byte reply"
    if (m ~ /^pack[18]$/) return "MPI_Pack of the halo vector (block " substr(m, 5) "), as a fraction of memcpy of the same bytes"
    if (m ~ /^unpack[18]$/) return "MPI_Unpack of the halo vector (block " substr(m, 7) "), as a fraction of memcpy of the same bytes"
    return "MPI_" toupper(substr(m, 1, 1)) substr(m, 2) " (mean time per call)"
}
# rma_<put|get>_<lock|fence>[_bw]: bench/src/rma.c.
function rma_title(m,    w, op, sy) {
    split(m, w, "_")
    op = w[2] == "put" ? "MPI_Put" : "MPI_Get"
    sy = w[3] == "lock" ? "MPI_Win_flush" : "MPI_Win_fence"
    if (w[4] == "bw")
        return op " bandwidth, MPI_Win_allocate window (16 operations, then one " sy ")"
    return op " latency, MPI_Win_allocate window (one operation, then one " sy ")"
}
function human(s) {
    if (s == "") return "-"
    if (s + 0 >= 1048576 && s % 1048576 == 0) return (s / 1048576) " MiB"
    if (s + 0 >= 1024 && s % 1024 == 0) return (s / 1024) " KiB"
    return s " B"
}
# A value, or why there is none: "failed" (built but did not run to the end)
# shows as "missing" like a program that did not build; status.csv and
# logs/runs.log tell them apart.
function num(v) {
    if (v == "failed") return "missing"
    if (v !~ /^[0-9.e+-]+$/) return v
    if (v + 0 >= 1000) return sprintf("%.0f", v)
    return sprintf("%.3g", v)
}
function label(i) {
    if (col[i] == "lark") return "Lark"
    if (col[i] == "openmpi") return "Open MPI"
    if (col[i] == "mpich") return "MPICH"
    return col[i]
}

NR == 1 {
    for (i = 1; i <= NF; i++) {
        if ($i == "best_peer") last = i - 1
        col[i] = $i
    }
    next
}
# The geometric mean of Lark / best over the rows of one table: one number
# to follow from run to run.
function geomean_line() {
    if (metric != "" && nratio > 0)
        printf "\nGeometric mean of Lark / best over %d row%s: %.2f\n", nratio, \
            (nratio > 1 ? "s" : ""), exp(logsum / nratio)
    nratio = 0
    logsum = 0
}

{
    if ($1 != metric) {
        geomean_line()
        metric = $1
        printf "\n%s %s\n\n", (h == "" ? "###" : h), title(metric)
        printf "%s is better; unit %s; ratio = Lark / best peer.\n\n", \
            ($5 == "higher" ? "Higher" : "Lower"), $4
        printf "| ranks | size |"
        for (i = 6; i <= last; i++)
            printf " %s |", label(i)
        print " Lark / best |"
        printf "|---:|---:|"
        for (i = 6; i <= last; i++)
            printf "---:|"
        print "---:|"
    }
    r = $2
    if (ncores != "" && r + 0 > ncores + 0) r = r " (over)"
    printf "| %s | %s |", r, (metric == "startup" || metric == "barrier") ? "-" : human($3)
    for (i = 6; i <= last; i++)
        printf " %s |", num($i)
    ratio = $(last + 2)
    printf " %s |\n", ratio == "" ? "-" : sprintf("%.2f", ratio)
    if (ratio != "" && ratio + 0 > 0) {
        nratio++
        logsum += log(ratio)
    }
}
END {
    geomean_line()
    if (ncores != "")
        printf "\n(over): more ranks than the %s cores (oversubscribed).\n", ncores
}
