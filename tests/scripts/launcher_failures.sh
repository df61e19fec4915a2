#!/bin/sh
# launcher_failures.sh -- every way a rank can fail ends the whole job fast,
# with one clear line, the right exit status, and nothing left behind: no
# process, nothing in TMPDIR, nothing in /dev/shm under the job's namespace.
# The other ranks are stuck in a PMIx fence that can never complete, so the
# job ends only if mpirun kills them.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# A rank of the job creates /dev/shm/<namespace>.* like the runtime does, and
# records the namespace, so no_leftovers can check mpirun removed it.
SHM="$scratch/shm.sh"
cat >"$SHM" <<'SH'
#!/bin/sh
# shm.sh MODE ARG: make a /dev/shm file named after the job, then run pmix_client.
ns=$LARK_JOB_NAMESPACE
: >"/dev/shm/$ns.seg.$LARK_COMM_WORLD_RANK.test"
echo "$ns" >>"$(dirname "$0")/ns"
exec "$(dirname "$0")/pmix_client" "$@"
SH
chmod +x "$SHM"

# check MODE ARG RC TEXT: run 3 ranks of pmix_client MODE ARG.
check() {
    run --oversubscribe -n 3 "$SHM" $1 $2
    expect_rc "$3" "$1 $2"
    expect_err "$4" "$1 $2"
    [ "$(grep -c '^mpirun:' "$err")" = 1 ] || { cat "$err"; fail "$1 $2: expected exactly one mpirun line"; }
    within "$elapsed_ms" 5000 "$1 $2: the job took $elapsed_ms ms to end"
    no_leftovers "$1 $2"
    echo "ok: $1 $2 -> exit $rc in $elapsed_ms ms"
}

check abort 7 7 "rank 0 .* aborted the job (error code 7): pmix_client was asked to abort"
check crash 11 139 "rank 1 .* killed by signal 11 (Segmentation fault: an invalid memory access"
check crash 9 137 "rank 1 .* killed by signal 9"
check exit 5 5 "rank 1 .* exited with status 5"
check nofinalize "" 1 "rank 1 .* without calling MPI_Finalize"
check noinit "" 1 "rank 1 .* exited before MPI_Init"

# The rank without PMIx_Finalize is the last one to exit: still a failure.
run -n 2 "$PC" skipfin
expect_rc 1 "skipfin"
expect_err "rank 1 .* without calling MPI_Finalize" "skipfin"
no_leftovers "skipfin"

# The last output of a crashing rank is delivered, before mpirun's verdict.
run --oversubscribe -n 3 "$PC" crash 11
expect_rc 139 "crash output"
grep -q "^last words of rank 1$" "$out" || fail "the crashing rank's last line was lost"
grep -q "^partial line$" "$out" || fail "the crashing rank's unterminated line was lost"

# Non-MPI programs that exit 0 are fine, and so is a rank that never calls
# MPI_Init when no rank does.
run -n 2 sh -c 'exit 0'; expect_rc 0 "non-MPI job"

# From the moment a rank dies, the others (one ignoring SIGTERM) are gone
# within about a second: 0.5 s of grace, then SIGKILL.
run -n 3 --oversubscribe sh -c "if [ \$LARK_COMM_WORLD_RANK = 1 ]; then $SLEEP 0.3; date +%s%N >$scratch/died; kill -SEGV \$\$; fi; trap '' TERM; while :; do $SLEEP 0.1; done" "$scratch/w"
t_end=$(date +%s%N)
expect_rc 139 "teardown time"
took=$(((t_end - $(cat "$scratch/died")) / 1000000))
echo "job gone $took ms after the failure"
within "$took" 1500 "the job took $took ms to end after a rank died"
no_leftovers "teardown time"

# A rank that ignores SIGTERM is killed after the grace period.
run -n 2 sh -c "trap '' TERM; if [ \$LARK_COMM_WORLD_RANK = 0 ]; then exit 4; fi; while :; do $SLEEP 0.1; done" "$scratch/x"
expect_rc 4 "SIGTERM ignored"
within "$elapsed_ms" 5000 "a rank ignoring SIGTERM kept the job for $elapsed_ms ms"
no_leftovers "SIGTERM ignored"

# Descendants of a rank go with it.
run -n 2 sh -c "$SLEEP 30 & if [ \$LARK_COMM_WORLD_RANK = 1 ]; then exit 2; fi; wait" "$scratch/y"
expect_rc 2 "rank with children"
no_leftovers "rank with children"

# --timeout and MPIEXEC_TIMEOUT end the job and name the ranks still running.
# Rank 0 exits at once; the 3 s leave it time to do so on a loaded machine
# (0.5 s did not at load 14: both ranks were still named).
run -n 2 --timeout 3 sh -c "[ \$LARK_COMM_WORLD_RANK = 0 ] && exit 0; $SLEEP 30" "$scratch/z"
expect_rc 124 "--timeout"
expect_err "timeout of 3 s" "--timeout"
expect_err "ranks still running: 1;" "--timeout names the running ranks"
no_leftovers "--timeout"
export MPIEXEC_TIMEOUT=1
run -n 2 "$SLEEP" 30
unset MPIEXEC_TIMEOUT
expect_rc 124 "MPIEXEC_TIMEOUT"
expect_err "ranks still running: 0-1" "MPIEXEC_TIMEOUT"
no_leftovers "MPIEXEC_TIMEOUT"
exit 0
