#!/bin/sh
# examples.sh -- the programs in examples/ run under mpirun and print what
# a newcomer expects.
. "$top_srcdir/tests/scripts/lib.sh"
ex="$top_builddir/examples"
run() { timeout 60 "$LARK_MPIRUN" --oversubscribe "$@"; }

out=$(run -n 4 "$ex/hello") || fail "hello failed: $out"
echo "$out"
for r in 0 1 2 3; do
    echo "$out" | grep -q "^Hello from rank $r of 4 on " || fail "hello: no line from rank $r"
done
[ "$(echo "$out" | wc -l)" -eq 4 ] || fail "hello printed $(echo "$out" | wc -l) lines, not 4"

out=$(run -n 3 "$ex/ring") || fail "ring failed: $out"
echo "$out" | grep -q "rank 0: token back, 0 laps to go" || fail "ring: the token did not finish its laps"
[ "$(echo "$out" | grep -c 'done$')" -eq 3 ] || fail "ring: not every rank finished"

out=$(run -n 4 "$ex/pi" 1000000) || fail "pi failed: $out"
echo "$out"
err=$(echo "$out" | sed -n 's/.*error \([0-9.e+-]*\) .*/\1/p')
[ -n "$err" ] || fail "pi printed no error estimate"
awk -v e="$err" 'BEGIN { exit !(e < 1e-9) }' || fail "pi is off by $err"
echo "examples: hello, ring and pi ran"
