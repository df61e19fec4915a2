# targets.awk -- the targets of targets.csv against summary.csv, as a
# Markdown table: each target, the three medians, and whether Lark meets it.
#
#   awk -F, -v ncores=2 -f targets.awk targets.csv summary.csv

function human(s) {
    if (s + 0 >= 1048576 && s % 1048576 == 0) return (s / 1048576) " MiB"
    if (s + 0 >= 1024 && s % 1024 == 0) return (s / 1024) " KiB"
    return s " B"
}
function isnum(v) { return v ~ /^[0-9.e+-]+$/ }
function num(v) {
    if (v == "failed") return "missing"
    if (!isnum(v)) return v == "" ? "-" : v
    if (v + 0 >= 1000) return sprintf("%.0f", v)
    return sprintf("%.3g", v)
}

FNR == 1 { file++ }
file == 1 {
    if (/^#/ || NF < 5) next
    nt++
    t[nt] = $1 SUBSEP $2 SUBSEP $3
    kind[nt] = $4; limit[nt] = $5; issue[nt] = $6
    next
}
file == 2 && FNR == 1 {
    for (i = 1; i <= NF; i++) c[$i] = i
    next
}
file == 2 { row[$1 SUBSEP $2 SUBSEP $3] = $0 }
END {
    print "| target | Lark | Open MPI | MPICH | Lark / best | met |"
    print "|---|---:|---:|---:|---:|:---:|"
    for (k = 1; k <= nt; k++) {
        split(t[k], w, SUBSEP)
        n = split(row[t[k]], r, ",")
        better = n ? r[c["better"]] : (w[1] ~ /^(bw|bibw|msgrate|overlap)$/ ? "higher" : "lower")
        rel = better == "higher" ? ">=" : "<="
        what = w[1] " " w[2] " ranks" (ncores != "" && w[2] + 0 > ncores + 0 ? " (over)" : "") (w[1] == "startup" || w[1] == "barrier" ? "" : " " human(w[3]))
        goal = kind[k] == "ratio" ? "Lark / best " rel " " limit[k] : rel " " limit[k] " " (n ? r[c["unit"]] : "")
        lark = n ? r[c["lark"]] : "not measured"
        ratio = n ? r[c["ratio"]] : ""
        v = kind[k] == "ratio" ? ratio : lark
        if (!isnum(v)) met = "missing"
        else if (better == "higher") met = v + 0 >= limit[k] + 0 ? "yes" : "no"
        else met = v + 0 <= limit[k] + 0 ? "yes" : "no"
        printf "| %s: %s (issue: %s) | %s | %s | %s | %s | %s |\n", what, goal, issue[k], num(lark), \
            num(n ? r[c["openmpi"]] : ""), num(n ? r[c["mpich"]] : ""), \
            isnum(ratio) ? sprintf("%.2f", ratio) : "-", met
    }
}
