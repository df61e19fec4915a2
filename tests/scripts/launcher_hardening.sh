#!/bin/sh
# launcher_hardening.sh -- reactions a hostile tester found wrong: a timeout
# below a millisecond, SIGQUIT, MPI_Abort codes that are 0 modulo 256,
# hostfiles that are devices, FIFOs or huge, slot counts that overflow, long
# variable names.  Each case ends quickly with one clear line and the right
# status, and leaves nothing behind.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# A timeout below a millisecond still fires (it used to round to 0, which
# disarmed the timer).
LARK_RUN_LIMIT=10 run -n 1 --timeout 0.0001 "$SLEEP" 5
expect_rc 124 "--timeout 0.0001"
expect_err "timeout of" "--timeout 0.0001"
no_leftovers "--timeout 0.0001"
MPIEXEC_TIMEOUT=0.0001 LARK_RUN_LIMIT=10 run -n 1 "$SLEEP" 5
expect_rc 124 "MPIEXEC_TIMEOUT=0.0001"
no_leftovers "MPIEXEC_TIMEOUT=0.0001"

# SIGQUIT is named as such, and the status is 128+3.
timeout -k 2 30 "$MPIRUN" -n 1 "$SLEEP" 30 >"$out" 2>"$err" </dev/null &
pid=$!
i=0
until mp=$(pgrep -P $pid) && [ -n "$(pgrep -f "^$SLEEP 30")" ]; do
    i=$((i + 1)); [ $i -gt 200 ] && fail "SIGQUIT: the job did not start"; sleep 0.02
done
kill -QUIT "$mp"
wait $pid; rc=$?
expect_rc 131 "SIGQUIT"
expect_err "received SIGQUIT" "SIGQUIT"
no_leftovers "SIGQUIT"

# MPI_Abort with a code that is 0 modulo 256 still fails the job.
for code in 0 256 512; do
    run --oversubscribe -n 2 "$PC" abort $code
    [ "$rc" != 0 ] || { cat "$err"; fail "MPI_Abort($code): mpirun exited 0"; }
    expect_rc 1 "MPI_Abort($code)"
    expect_err "aborted the job (error code $code)" "MPI_Abort($code)"
    no_leftovers "MPI_Abort($code)"
done
run --oversubscribe -n 2 "$PC" abort 258
expect_rc 2 "MPI_Abort(258)"

# Hostfiles that are not regular files are refused at once, and so is one
# too big to be a hostfile.  (Without the checks /dev/zero is read until
# memory runs out: cap the address space when the build allows it.)
cap=""
ldd "$MPIRUN" 2>/dev/null | grep -q 'libasan\|libtsan' || cap="ulimit -v 2000000;"
sh -c "$cap exec timeout -k 1 5 \"$MPIRUN\" --hostfile /dev/zero -n 1 true" >"$out" 2>"$err" </dev/null
rc=$?
expect_rc 1 "--hostfile /dev/zero"
expect_err "hostfile '/dev/zero' is not a regular file" "--hostfile /dev/zero"
mkfifo "$scratch/fifo"
run --hostfile "$scratch/fifo" -n 1 true
expect_rc 1 "--hostfile FIFO"
expect_err "is not a regular file" "--hostfile FIFO"
within "$elapsed_ms" 2000 "--hostfile FIFO took $elapsed_ms ms"
truncate -s 100M "$scratch/huge"
run --hostfile "$scratch/huge" -n 1 true
expect_rc 1 "huge hostfile"
expect_err "too large" "huge hostfile"
rm -f "$scratch/huge" "$scratch/fifo"

# Slot counts that add up past what an int holds are refused, not wrapped.
i=0
while [ $i -lt 300 ]; do echo "localhost slots=9999999"; i=$((i + 1)); done >"$scratch/hf"
run --hostfile "$scratch/hf" -n 2 true
expect_rc 1 "300 x slots=9999999"
expect_err "too many slots" "300 x slots=9999999"
run --host localhost:9999999,localhost:9999999,localhost:9999999 -n 2 true
expect_rc 1 "--host with 3 x 9999999 slots"
expect_err "too many slots" "--host with 3 x 9999999 slots"
run --host localhost:5000000,127.0.0.1:5000000 -n 2 true
expect_rc 0 "--host with 2 x 5000000 slots"
run --host localhost:5000000,127.0.0.1:5000001 -n 2 true
expect_rc 1 "--host with 10000001 slots"
expect_err "too many slots" "--host with 10000001 slots"

# A long variable name is passed on, not called "out of memory".
long=V$(printf '%0300d' 0)
run -x "$long=yes" -n 1 sh -c "env | grep -c '^$long=yes\$'"
expect_rc 0 "-x with a 301-character name"
[ "$(cat "$out")" = 1 ] || fail "-x with a 301-character name: the rank did not get it"
no_leftovers "bad input"
exit 0
