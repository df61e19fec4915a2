#!/bin/sh
# trace.sh -- mpirun --trace FILE: a job's timeline as Trace Event JSON.
# A program with a known set of messages is traced; trace_check.py checks
# the file is what Perfetto reads, that every message is drawn once from
# its send to its receive, and that the calls carry their arguments.  A
# job that ends before MPI_Finalize gets a clear line and leaves nothing;
# a FILE.parts that is already there is refused and left alone.
. "$top_srcdir/tests/scripts/launcher_lib.sh"
command -v python3 >/dev/null || { echo "SKIP: python3 is needed to read the trace"; exit 77; }
# The recorder is preloaded before the program's own libraries: in a
# sanitizer build ASan then is not first in the list, which is fine here.
ASAN_OPTIONS="$ASAN_OPTIONS:verify_asan_link_order=0"
export ASAN_OPTIONS
cp "$top_builddir/tests/mpi/trace_mix" "$scratch/trace_mix" || fail "no trace_mix helper"
cp "$top_builddir/tests/mpi/hang" "$scratch/hang" || fail "no hang helper"
CHECK="python3 $top_srcdir/tests/scripts/trace_check.py"
cd "$scratch" || fail "cd $scratch"

for n in 1 4; do
    run --oversubscribe --trace "mix$n.json" -n $n ./trace_mix
    expect_rc 0 "trace of $n ranks"
    expect_err "lark-trace-merge: $n of $n ranks, $((5 * n)) messages drawn" "trace of $n ranks"
    $CHECK "mix$n.json" $n $((5 * n)) 1 || fail "trace of $n ranks: not the trace expected"
    [ -e "mix$n.json.parts" ] && fail "trace of $n ranks: mix$n.json.parts left behind"
done

# Many events: each rank writes its file a chunk (4096 events) at a time.
run --oversubscribe --trace big.json -n 2 ./trace_mix 5000
expect_rc 0 "trace of 5000 laps"
expect_err "lark-trace-merge: 2 of 2 ranks, 10006 messages drawn" "trace of 5000 laps"
$CHECK big.json 2 10006 1 || fail "trace of 5000 laps: not the trace expected"

# No rank reaches MPI_Finalize: one line says there is no trace, and the
# records' directory is gone.
run --oversubscribe --timeout 2 --trace hang.json -n 2 ./hang deadlock
expect_rc 124 "trace of a job that times out"
expect_err "the trace hang.json could not be made" "trace of a job that times out"
[ -e hang.json.parts ] && fail "a job that timed out left hang.json.parts"

# A FILE.parts already there (someone's files): refused before any rank
# starts, and left as it was.
mkdir taken.json.parts && : >taken.json.parts/rank.0
run --trace taken.json -n 1 ./trace_mix
expect_rc 1 "--trace over an existing FILE.parts"
expect_err "cannot make .*taken.json.parts .* File exists" "--trace over an existing FILE.parts"
[ -f taken.json.parts/rank.0 ] || fail "--trace removed someone's taken.json.parts/rank.0"
grep -q trace_mix "$out" && fail "--trace over an existing FILE.parts started the job"
exit 0
