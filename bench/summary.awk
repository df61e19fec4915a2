# summary.awk -- medians and ratios from the runs of bench/compare.
#
#   awk -F, -v impls="lark openmpi mpich" -v active="lark openmpi mpich" \
#       -f summary.awk suite.txt raw.csv status.csv
#
# Prints summary.csv: a header, then one row per metric, rank count and
# size, in the suite's order:
#   metric,ranks,size,unit,better,<one column per implementation>,best_peer,ratio
# A cell holds the median over repetitions, or, when an implementation gave
# no value, why: "missing" (did not build or not run at all), "failed",
# "timeout", or "invalid" (a data check failed; then every cell of that
# implementation for that metric says so, even where other runs gave values).
# ratio = Lark / best peer, best = the lower time or the higher rate.

function unit(m) {
    if (m == "startup") return "s"
    if (m == "bw" || m == "bibw") return "GB/s"
    if (m == "msgrate") return "Mmsg/s"
    if (m ~ /^rma_.*_bw$/) return "GB/s"
    if (m == "overlap") return "%"
    if (m ~ /^(un)?pack[18]$/) return "x memcpy"
    return "us"
}
function higher_is_better(m) {
    return m == "bw" || m == "bibw" || m == "msgrate" || m == "overlap" || m ~ /^rma_.*_bw$/ || m ~ /^(un)?pack[18]$/
}
function median(list,    a, n, i, j, t) {
    n = split(list, a, " ")
    for (i = 2; i <= n; i++) {
        t = a[i] + 0
        for (j = i - 1; j >= 1 && a[j] + 0 > t; j--)
            a[j + 1] = a[j]
        a[j + 1] = t
    }
    if (n % 2) return a[(n + 1) / 2]
    return (a[n / 2] + a[n / 2 + 1]) / 2
}
# The worst thing that happened to impl on (metric, ranks).
function rank_status(s) {
    if (s == "invalid") return 4
    if (s == "timeout") return 3
    if (s == "failed") return 2
    if (s == "missing") return 1
    return 0
}

FNR == 1 { file++ }
file == 1 {
    # Keys grouped by metric (in the order metrics first appear), then by
    # rank count ascending.
    split($0, w, " ")
    key = w[1] SUBSEP w[2]
    if (key in order)
        next
    if (!(w[1] in morder))
        morder[w[1]] = ++nmetrics
    order[key] = 1
    for (j = nkeys; j >= 1; j--) {
        split(keys[j], kw, SUBSEP)
        if (morder[kw[1]] < morder[w[1]] || (kw[1] == w[1] && kw[2] + 0 <= w[2] + 0))
            break
        keys[j + 1] = keys[j]
    }
    keys[j + 1] = key
    nkeys++
    next
}
file == 2 && FNR > 1 {
    key = $1 SUBSEP $2
    cell = key SUBSEP $3 SUBSEP $4
    vals[cell] = vals[cell] " " $6
    if (!((key SUBSEP $3) in seen)) {
        seen[key SUBSEP $3] = 1
        sizes[key] = sizes[key] " " $3
    }
    next
}
file == 3 && FNR > 1 {
    key = $1 SUBSEP $2 SUBSEP $3
    if (rank_status($5) > rank_status(worst[key]))
        worst[key] = $5
    next
}
END {
    nimpl = split(impls, impl, " ")
    printf "metric,ranks,size,unit,better"
    for (i = 1; i <= nimpl; i++)
        printf ",%s", impl[i]
    print ",best_peer,ratio"
    for (k = 1; k <= nkeys; k++) {
        split(keys[k], mr, SUBSEP)
        m = mr[1]
        r = mr[2]
        # Sizes in ascending order (they arrive in the order measured).
        ns = split(sizes[keys[k]], sz, " ")
        for (i = 2; i <= ns; i++) {
            t = sz[i] + 0
            for (j = i - 1; j >= 1 && sz[j] + 0 > t; j--)
                sz[j + 1] = sz[j]
            sz[j + 1] = t
        }
        if (ns == 0) {
            ns = 1
            sz[1] = ""
        }
        for (s = 1; s <= ns; s++) {
            printf "%s,%s,%s,%s,%s", m, r, sz[s], unit(m), higher_is_better(m) ? "higher" : "lower"
            best = ""
            lark = ""
            for (i = 1; i <= nimpl; i++) {
                cell = keys[k] SUBSEP sz[s] SUBSEP impl[i]
                st = worst[keys[k] SUBSEP impl[i]]
                if (index(" " active " ", " " impl[i] " ") == 0)
                    v = "not run"
                else if (st == "invalid")
                    v = "invalid"
                else if (cell in vals)
                    v = sprintf("%.4g", median(vals[cell]))
                else if (st != "" && st != "ok")
                    v = st
                else
                    v = "missing"
                printf ",%s", v
                if (v !~ /^[0-9.e+-]+$/)
                    continue
                if (impl[i] == "lark")
                    lark = v
                else if (best == "" || (higher_is_better(m) ? v + 0 > best + 0 : v + 0 < best + 0))
                    best = v
            }
            printf ",%s", best
            if (lark != "" && best != "" && best + 0 > 0)
                printf ",%.3f\n", lark / best
            else
                printf ",\n"
        }
    }
}
