#!/bin/sh
# launcher_signals.sh -- signals sent to mpirun: SIGTERM and SIGINT end the
# job (ranks get SIGTERM, then SIGKILL) with status 128+signal; SIGUSR1 and
# SIGUSR2 reach the ranks; SIGTSTP stops the job and SIGCONT resumes it.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# start ARGS...: mpirun in the background under timeout; sets pid (timeout's)
# and mp (mpirun's).
start() {
    timeout -k 2 30 "$MPIRUN" "$@" >"$out" 2>"$err" </dev/null &
    pid=$!
    i=0
    until mp=$(pgrep -P $pid); do
        i=$((i + 1)); [ $i -gt 100 ] && fail "mpirun did not start"; sleep 0.02
    done
}
# wait_for N PATTERN: until N processes match PATTERN (5 s at most).
wait_for() {
    i=0
    while [ "$(pgrep -f "$2" | wc -l)" -lt "$1" ]; do
        i=$((i + 1)); [ $i -gt 100 ] && fail "only $(pgrep -f "$2" | wc -l) of $1 '$2' started"
        sleep 0.05
    done
}
state_of() { awk '{print $3}' "/proc/$1/stat" 2>/dev/null; }

for sig in TERM:15 INT:2; do
    num=${sig#*:}
    sig=${sig%:*}
    start -n 2 "$SLEEP" 30
    wait_for 2 "^$SLEEP 30"
    t0=$(date +%s%N)
    kill -$sig $mp
    wait $pid; rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    want=$((128 + num))
    [ $rc = $want ] || { cat "$err"; fail "SIG$sig: mpirun exited $rc, expected $want"; }
    expect_err "received SIG$sig" "SIG$sig"
    within "$ms" 3000 "SIG$sig: the job took $ms ms to end"
    no_leftovers "SIG$sig"
done

# A rank that ignores SIGTERM is killed after the grace period.
start -n 1 sh -c "trap '' TERM; $SLEEP 30; $SLEEP 30" "$scratch/stubborn"
wait_for 1 "^$SLEEP 30"
kill -TERM $mp; wait $pid; rc=$?
[ $rc = 143 ] || fail "stubborn rank: mpirun exited $rc"
no_leftovers "stubborn rank"

# SIGUSR1/SIGUSR2 are forwarded.
for sig in USR1 USR2; do
    start -n 2 sh -c "trap 'echo got-$sig; exit 0' $sig; touch $scratch/ready.\$LARK_COMM_WORLD_RANK; while :; do $SLEEP 0.05; done" "$scratch/usr"
    i=0
    while [ ! -f "$scratch/ready.0" ] || [ ! -f "$scratch/ready.1" ]; do
        i=$((i + 1)); [ $i -gt 100 ] && fail "SIG$sig: ranks not ready"; sleep 0.05
    done
    kill -$sig $mp
    wait $pid; rc=$?
    [ $rc = 0 ] || { cat "$err"; fail "SIG$sig: mpirun exited $rc"; }
    [ "$(grep -c "got-$sig" "$out")" = 2 ] || fail "SIG$sig did not reach both ranks: $(cat "$out")"
    rm -f "$scratch"/ready.*
    no_leftovers "SIG$sig"
done

# SIGTSTP stops mpirun and its ranks; SIGCONT resumes them.
start -n 2 "$SLEEP" 30
wait_for 2 "^$SLEEP 30"
kill -TSTP $mp
i=0
while :; do
    ranks_stopped=$(for p in $(pgrep -f "^$SLEEP 30"); do state_of $p; done | grep -c T)
    [ "$ranks_stopped" = 2 ] && [ "$(state_of $mp)" = T ] && break
    i=$((i + 1)); [ $i -gt 100 ] && fail "SIGTSTP: ranks stopped $ranks_stopped, mpirun state $(state_of $mp)"
    sleep 0.05
done
kill -CONT $mp
i=0
while :; do
    running=$(for p in $(pgrep -f "^$SLEEP 30"); do state_of $p; done | grep -c S)
    [ "$running" = 2 ] && [ "$(state_of $mp)" != T ] && break
    i=$((i + 1)); [ $i -gt 100 ] && fail "SIGCONT: ranks not resumed"
    sleep 0.05
done
kill -TERM $mp
wait $pid; rc=$?
[ $rc = 143 ] || fail "after SIGCONT, SIGTERM: mpirun exited $rc"
no_leftovers "SIGTSTP/SIGCONT"
exit 0
