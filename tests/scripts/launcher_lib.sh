# launcher_lib.sh -- helpers for the launcher's test scripts (sourced).
# Every run gets its own TMPDIR inside the scratch directory (so what mpirun
# leaves in "/tmp" is visible and nobody else's), and the programs run from
# copies in the scratch directory (so `pgrep -f $scratch/` finds exactly the
# processes of our jobs, even when other tests run mpirun at the same time).
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
# In sanitizer builds a SIGSEGV must still kill the rank (ASan would turn
# it into exit 1): the tests check what mpirun says about a signal.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0"
export ASAN_OPTIONS
MPIRUN="$LARK_MPIRUN"
[ -x "$MPIRUN" ] || fail "no mpirun at $MPIRUN"
TMPDIR="$scratch/tmp"
export TMPDIR
mkdir -p "$TMPDIR"
PC="$scratch/pmix_client"
cp "$top_builddir/tests/launcher/pmix_client" "$PC" || fail "no pmix_client helper"
# A sleep whose path marks it as ours, for programs the ranks start.
SLEEP="$scratch/sleep"
cp "$(command -v sleep)" "$SLEEP"
out="$scratch/out"
err="$scratch/err"

# run ARGS...: mpirun with a time limit; sets rc and elapsed_ms, output in $out/$err.
run() {
    t0=$(date +%s%N)
    timeout -k 2 "${LARK_RUN_LIMIT:-30}" "$MPIRUN" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
    t1=$(date +%s%N)
    elapsed_ms=$(((t1 - t0) / 1000000))
}

# within MS LIMIT WHAT: MS, a time the script measured from an event to
# the job's reaction, is under LIMIT ms plus three times what a trivial
# 2-rank job takes right now.  These bounds check that a job ends or reacts
# promptly, not how fast the machine is: on a loaded machine or under the
# sanitizers everything is slower, and the trivial job measures by how much
# (20-40 ms on a quiet machine).
within() {
    _w_t0=$(date +%s%N)
    timeout -k 2 30 "$MPIRUN" -n 2 --oversubscribe true >/dev/null 2>&1 </dev/null
    _w_pace=$((($(date +%s%N) - _w_t0) / 1000000))
    _w_limit=$(($2 + 3 * _w_pace))
    [ "$1" -lt "$_w_limit" ] ||
        fail "$3 (limit $_w_limit ms: $2 ms + 3 x $_w_pace ms, a trivial job's time now)"
}

# expect_rc N WHAT: the last run exited with N.
expect_rc() {
    [ "$rc" = "$1" ] || {
        echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"
        fail "$2: mpirun exited $rc, expected $1"
    }
}

# expect_err TEXT WHAT: stderr of the last run contains TEXT.
expect_err() {
    grep -q -- "$1" "$err" || { cat "$err"; fail "$2: stderr lacks '$1'"; }
}

# no_leftovers WHAT: no process of our jobs, nothing in our TMPDIR, nothing
# in /dev/shm named after a namespace listed in $scratch/ns.
no_leftovers() {
    i=0
    while pgrep -f "$scratch/" >/dev/null; do
        i=$((i + 1))
        [ $i -gt 20 ] && { pgrep -af "$scratch/"; pkill -9 -f "$scratch/"; fail "$1: processes left behind"; }
        sleep 0.05
    done
    [ -z "$(ls -A "$TMPDIR")" ] || { ls -lA "$TMPDIR"; rm -rf "${TMPDIR:?}"/*; fail "$1: files left in TMPDIR"; }
    if [ -f "$scratch/ns" ]; then
        for ns in $(cat "$scratch/ns"); do
            ls /dev/shm/"$ns".* >/dev/null 2>&1 && { rm -f /dev/shm/"$ns".*; fail "$1: /dev/shm/$ns.* left behind"; }
        done
        rm -f "$scratch/ns"
    fi
    return 0
}
