#!/bin/sh
# selftest.sh -- checks bench/compare's own machinery, not MPI performance:
# medians, ratios and the "missing" statuses of summary.awk, the tables of
# table.awk and targets.awk, and bench-run's time limit (the whole process
# group is killed, the exit status says timeout).  Runs no benchmark, needs
# no MPI, takes a few seconds; part of make check.
#
# Run from make check (top_srcdir set) or by hand: sh bench/selftest.sh
set -u
here=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}/bench
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lark-benchtest.XXXXXX") || exit 1
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || exit 1
fails=0
fail() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}
expect_line() { # file line description
    grep -qxF "$2" "$1" || fail "$3: no line '$2' in $1: $(cat "$1")"
}

# ---- summary.awk: medians, ratios, statuses
cat >suite.txt <<'EOF'
lat 2 pingpong 30 -s 0,8
bw 2 bandwidth 30 -x uni
allreduce 8 coll_allreduce 30 -s 8
allreduce 2 coll_allreduce 30 -s 8
bcast 2 coll_bcast 30 -s 8
EOF
cat >raw.csv <<'EOF'
metric,ranks,size,impl,rep,value
lat,2,0,lark,1,3
lat,2,0,lark,2,1
lat,2,0,lark,3,2
lat,2,0,openmpi,1,4
lat,2,0,openmpi,2,6
lat,2,0,mpich,1,5
lat,2,8,openmpi,1,7
bw,2,1024,lark,1,10
bw,2,1024,openmpi,1,4
bw,2,1024,mpich,1,5
allreduce,2,8,openmpi,1,1
allreduce,8,8,openmpi,1,20
bcast,2,8,lark,2,1
bcast,2,8,mpich,1,2
EOF
cat >status.csv <<'EOF'
metric,ranks,impl,rep,status
lat,2,lark,1,ok
lat,2,mpich,2,timeout
allreduce,2,lark,1,missing
allreduce,2,mpich,1,failed
allreduce,8,lark,1,timeout
bcast,2,lark,1,invalid
bcast,2,lark,2,ok
EOF
awk -F, -v impls="lark openmpi mpich" -v active="lark openmpi mpich" \
    -f "$here/summary.awk" suite.txt raw.csv status.csv >summary.csv || fail "summary.awk failed"
expect_line summary.csv "metric,ranks,size,unit,better,lark,openmpi,mpich,best_peer,ratio" "header"
# Median of 3,1,2 is 2; of 4,6 is 5; best peer for a time is the lowest.
expect_line summary.csv "lat,2,0,us,lower,2,5,5,5,0.400" "odd/even medians, ratio"
# A size only one implementation measured: the others say why they have none.
expect_line summary.csv "lat,2,8,us,lower,missing,7,timeout,7," "missing and timeout cells"
# Rates: the best peer is the highest.
expect_line summary.csv "bw,2,1024,GB/s,higher,10,4,5,5,2.000" "higher is better"
expect_line summary.csv "allreduce,2,8,us,lower,missing,1,failed,1," "failed cell"
expect_line summary.csv "allreduce,8,8,us,lower,timeout,20,missing,20," "timeout cell"
# One invalid run marks the implementation invalid even where another run gave a value.
expect_line summary.csv "bcast,2,8,us,lower,invalid,missing,2,2," "invalid wins"
# Metrics grouped, rank counts ascending (allreduce 2 before allreduce 8).
order=$(cut -d, -f1,2 summary.csv | uniq | tr '\n' ' ')
[ "$order" = "metric,ranks lat,2 bw,2 allreduce,2 allreduce,8 bcast,2 " ] ||
    fail "row order: $order"

# An implementation left out of the run says "not run".
awk -F, -v impls="lark openmpi mpich" -v active="openmpi mpich" \
    -f "$here/summary.awk" suite.txt raw.csv status.csv >summary2.csv
expect_line summary2.csv "bw,2,1024,GB/s,higher,not run,4,5,5," "not run"

# ---- table.awk and targets.awk
awk -F, -v ncores=2 -f "$here/table.awk" summary.csv >table.md || fail "table.awk failed"
expect_line table.md "| 2 | 0 B | 2 | 5 | 5 | 0.40 |" "latency row"
expect_line table.md "| 8 (over) | 8 B | timeout | 20 | missing | - |" "oversubscribed row"
expect_line table.md "| 2 | 1 KiB | 10 | 4 | 5 | 2.00 |" "bandwidth row"
expect_line table.md "| 2 | 8 B | missing | 1 | missing | - |" "a failed run shows as missing"
expect_line table.md "| 2 | 8 B | invalid | missing | 2 | - |" "invalid row"
cat >targets.csv <<'EOF'
# metric,ranks,size,kind,limit,issue
lat,2,0,value,2.5,runtime
bw,2,1024,value,20,runtime
allreduce,2,8,ratio,1,collectives
barrier,2,0,ratio,1,collectives
EOF
awk -F, -v ncores=2 -f "$here/targets.awk" targets.csv summary.csv >targets.md ||
    fail "targets.awk failed"
expect_line targets.md "| lat 2 ranks 0 B: <= 2.5 us (issue: runtime) | 2 | 5 | 5 | 0.40 | yes |" "target met"
expect_line targets.md "| bw 2 ranks 1 KiB: >= 20 GB/s (issue: runtime) | 10 | 4 | 5 | 2.00 | no |" "target missed"
expect_line targets.md "| allreduce 2 ranks 8 B: Lark / best <= 1 (issue: collectives) | missing | 1 | missing | - | missing |" "target without Lark"
expect_line targets.md "| barrier 2 ranks: Lark / best <= 1 (issue: collectives) | not measured | - | - | - | missing |" "target not measured"

# ---- bench-run: exit status, wall time, and the time limit kills the group
if command -v cc >/dev/null 2>&1; then
    cc -O2 -o bench-run "$here/src/run.c" || fail "cannot build bench-run"
    ./bench-run 10 wall sh -c 'exit 7'
    [ $? = 7 ] || fail "bench-run does not pass the exit status on"
    grep -qE '^[0-9]+\.[0-9]+$' wall || fail "bench-run wrote no wall time: $(cat wall)"
    # A child and a grandchild that would sleep for a minute: both must go.
    start=$(date +%s)
    ./bench-run 1 wall sh -c 'sleep 60 & echo $! > grandchild; sleep 60'
    rc=$?
    [ $rc = 124 ] || fail "bench-run past its limit exited $rc, not 124"
    [ $(($(date +%s) - start)) -le 6 ] || fail "bench-run took more than 6 s to stop a 1 s run"
    sleep 0.2
    # Gone, or a zombie waiting for an init that reaps slowly.
    gc=$(cat grandchild 2>/dev/null)
    state=
    [ -n "$gc" ] && state=$(sed 's/^.*) \(.\).*/\1/' "/proc/$gc/stat" 2>/dev/null)
    if [ -n "$state" ] && [ "$state" != Z ]; then
        fail "bench-run left the grandchild $gc running (state $state)"
        kill "$gc"
    fi
else
    fail "no cc to build bench-run"
fi

[ $fails = 0 ] || { echo "$fails check(s) failed" >&2; exit 1; }
echo "bench selftest: all checks passed"
