#!/bin/sh
# launcher_stdio.sh -- stdio forwarding: megabytes from several ranks arrive
# complete, lines never mix mid-line, each rank's lines keep their order,
# --tag-output prefixes, stdin reaches rank 0 (EOF included) or as asked, and
# --output-filename writes per-rank files.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# Volume and line integrity: 4 ranks x 40000 lines of 100+ bytes (~17 MB),
# on stdout and stderr at once.
SPEW="$scratch/spew.sh"
cat >"$SPEW" <<'SH'
#!/bin/sh
awk -v r="$LARK_COMM_WORLD_RANK" 'BEGIN {
    pad = sprintf("%0100d", 0)
    for (i = 0; i < 40000; i++) {
        printf "rank %d line %d %s end\n", r, i, pad
        if (i % 1000 == 0) printf "err %d %d\n", r, i > "/dev/stderr"
    }
}'
SH
chmod +x "$SPEW"
run -n 4 --oversubscribe "$SPEW"; expect_rc 0 "volume"
lines=$(wc -l <"$out")
[ "$lines" = 160000 ] || fail "volume: $lines lines instead of 160000"
bad=$(grep -cv '^rank [0-3] line [0-9]* 0\{100\} end$' "$out")
[ "$bad" = 0 ] || fail "volume: $bad mixed or damaged lines"
for r in 0 1 2 3; do
    grep "^rank $r " "$out" | awk -v r=$r '{ if ($4 != n) { print "rank " r " line " n " out of order"; exit 1 } n++ }' ||
        fail "volume: rank $r lines out of order"
done
[ "$(grep -c '^err [0-3] [0-9]*$' "$err")" = 160 ] || fail "volume: stderr lines lost or damaged"

# --tag-output / -l
run -n 2 -l sh -c 'echo hello; echo world >&2'; expect_rc 0 "-l"
[ "$(sort "$out" | tr '\n' '|')" = "[0] hello|[1] hello|" ] || fail "-l stdout: $(cat "$out")"
[ "$(sort "$err" | tr '\n' '|')" = "[0] world|[1] world|" ] || fail "-l stderr: $(cat "$err")"
run -n 1 --tag-output printf 'a\nb\nno newline'; expect_rc 0 "--tag-output"
[ "$(cat "$out" | tr '\n' '|')" = "[0] a|[0] b|[0] no newline|" ] || fail "--tag-output: $(cat "$out")"

# stdin: rank 0 by default, with EOF; all; none; a given rank.
seq 1 100000 >"$scratch/in"
stdin_run() {
    timeout -k 2 30 "$MPIRUN" "$@" <"$scratch/in" >"$out" 2>"$err"
    rc=$?
}
stdin_run -n 2 sh -c 'echo "$LARK_COMM_WORLD_RANK $(wc -l)"'; expect_rc 0 "stdin"
[ "$(sort "$out" | tr '\n' '|')" = "0 100000|1 0|" ] || fail "stdin to rank 0: $(cat "$out")"
stdin_run -n 2 --stdin all sh -c 'echo "$LARK_COMM_WORLD_RANK $(wc -l)"'; expect_rc 0 "stdin all"
[ "$(sort "$out" | tr '\n' '|')" = "0 100000|1 100000|" ] || fail "--stdin all: $(cat "$out")"
stdin_run -n 2 --stdin none sh -c 'echo "$LARK_COMM_WORLD_RANK $(wc -l)"'; expect_rc 0 "stdin none"
[ "$(sort "$out" | tr '\n' '|')" = "0 0|1 0|" ] || fail "--stdin none: $(cat "$out")"
stdin_run -n 2 --stdin 1 sh -c 'echo "$LARK_COMM_WORLD_RANK $(wc -l)"'; expect_rc 0 "stdin 1"
[ "$(sort "$out" | tr '\n' '|')" = "0 0|1 100000|" ] || fail "--stdin 1: $(cat "$out")"
# From a pipe, and to a rank that reads only part of it and exits.
seq 1 100000 | timeout 30 "$MPIRUN" -n 1 sh -c 'md5sum' >"$out" 2>"$err" || fail "stdin from a pipe"
[ "$(cat "$out")" = "$(seq 1 100000 | md5sum)" ] || fail "stdin from a pipe was altered"
seq 1 1000000 | timeout 30 "$MPIRUN" -n 1 head -n 1 >"$out" 2>"$err" || fail "rank closing stdin early"
[ "$(cat "$out")" = 1 ] || fail "head -n 1: $(cat "$out")"
# --stdin all where one rank leaves without reading: the other still gets it all.
seq 1 300000 | timeout 30 "$MPIRUN" -n 2 --stdin all sh -c '[ $LARK_COMM_WORLD_RANK = 0 ] && exit 0; wc -l' >"$out" 2>"$err" ||
    fail "--stdin all with a rank that leaves: $(cat "$err")"
[ "$(cat "$out")" = 300000 ] || fail "--stdin all with a rank that leaves: $(cat "$out")"
stdin_run -n 1 --stdin 5 cat; [ "$rc" != 0 ] || fail "--stdin 5 with 1 rank accepted"
expect_err "--stdin 5" "--stdin out of range"

# --output-filename DIR: DIR/1/rank.N/stdout and stderr, and still the terminal.
run -n 2 --output-filename "$scratch/of" sh -c 'echo out$LARK_COMM_WORLD_RANK; echo err$LARK_COMM_WORLD_RANK >&2'
expect_rc 0 "--output-filename"
[ "$(cat "$scratch/of/1/rank.1/stdout")" = out1 ] || fail "--output-filename stdout file"
[ "$(cat "$scratch/of/1/rank.0/stderr")" = err0 ] || fail "--output-filename stderr file"
[ "$(wc -l <"$out")" = 2 ] || fail "--output-filename should still copy to stdout"
run -n 1 --output-filename "$scratch/of2:nocopy" echo hidden; expect_rc 0 ":nocopy"
[ ! -s "$out" ] || fail ":nocopy still printed"
[ "$(cat "$scratch/of2/1/rank.0/stdout")" = hidden ] || fail ":nocopy file"

no_leftovers "stdio"
exit 0
