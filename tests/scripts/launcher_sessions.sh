#!/bin/sh
# launcher_sessions.sh -- each rank leads a session of its own (so that
# autogroup scheduling shares a busy machine per rank, not per job), unless
# they outnumber the CPUs, mpirun runs niced, --no-session-per-rank or
# LARK_SESSION_PER_RANK=0;
# either way mpirun keeps its hold: ctrl-C on a real terminal, SIGTERM at
# any moment of the start, and the end of the job leave nothing behind.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# Each rank prints "pid pgrp session" of itself (fields 1, 5, 6 of stat).
ids="$scratch/ids"
printf '#!/bin/sh\ncut -d" " -f1,5,6 /proc/$$/stat\n' >"$ids"
chmod +x "$ids"
my_sid=$(cut -d' ' -f6 /proc/$$/stat)

# expect_sessions WHAT own|shared: every rank leads its process group, and
# its own session or ours.
expect_sessions() {
    expect_rc 0 "$1"
    [ "$(wc -l <"$out")" = 2 ] || fail "$1: expected 2 lines, got: $(cat "$out")"
    while read -r pid pgrp sid; do
        [ "$pgrp" = "$pid" ] || fail "$1: rank $pid is in process group $pgrp"
        case $2 in
        own) [ "$sid" = "$pid" ] || fail "$1: rank $pid is in session $sid, not its own" ;;
        shared) [ "$sid" = "$my_sid" ] || fail "$1: rank $pid is in session $sid, not mpirun's ($my_sid)" ;;
        esac
    done <"$out"
}

# The default: a session per rank when the ranks fit the CPUs, unless
# mpirun runs niced (a new session's autogroup would not be nice).
my_nice=$(cut -d' ' -f19 /proc/$$/stat)
default=own
[ "$my_nice" -gt 0 ] || [ "$(nproc)" -lt 2 ] && default=shared
run -n 2 "$ids"
expect_sessions "default (nice $my_nice, $(nproc) CPUs)" $default
# More ranks than CPUs: in mpirun's session by default.
run -n $(($(nproc) + 1)) --oversubscribe "$ids"
expect_rc 0 "default, oversubscribed"
[ "$(awk -v s="$my_sid" '$1 == $2 && $3 == s' "$out" | wc -l)" = $(($(nproc) + 1)) ] ||
    fail "default, oversubscribed: not all in mpirun's session: $(cat "$out")"
run -n 2 --session-per-rank "$ids"
expect_sessions "--session-per-rank" own
run -n 2 --no-session-per-rank "$ids"
expect_sessions "--no-session-per-rank" shared
LARK_SESSION_PER_RANK=0 run -n 2 "$ids"
expect_sessions "LARK_SESSION_PER_RANK=0" shared
LARK_SESSION_PER_RANK=0 run -n 2 --session-per-rank "$ids"
expect_sessions "--session-per-rank over LARK_SESSION_PER_RANK=0" own
n=$(($(nproc) + 1))
LARK_SESSION_PER_RANK=1 run -n $n --oversubscribe "$ids" # more ranks than CPUs too
expect_rc 0 "LARK_SESSION_PER_RANK=1, $n ranks"
[ "$(awk '$1 == $2 && $2 == $3' "$out" | wc -l)" = $n ] || fail "LARK_SESSION_PER_RANK=1: $(cat "$out")"
timeout -k 2 30 nice -n 1 "$MPIRUN" -n 2 "$ids" >"$out" 2>"$err" </dev/null
rc=$?
expect_sessions "nice -n 1 mpirun" shared
timeout -k 2 30 nice -n 1 "$MPIRUN" -n 2 --session-per-rank "$ids" >"$out" 2>"$err" </dev/null
rc=$?
expect_sessions "nice -n 1 mpirun --session-per-rank" own
LARK_SESSION_PER_RANK=maybe run -n 2 "$ids"
expect_rc 1 "LARK_SESSION_PER_RANK=maybe"
expect_err "bad LARK_SESSION_PER_RANK value 'maybe'" "LARK_SESSION_PER_RANK=maybe"
no_leftovers "sessions"

# Ctrl-C on a real terminal: mpirun, in the terminal's foreground group,
# gets SIGINT and ends the ranks (in sessions of their own the terminal
# never signals them itself).
cat >"$scratch/ctrlc.py" <<'PY'
import os, pty, sys, time
ready, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(argv[0], argv)
out = b""
deadline = time.time() + 20
while not (os.path.exists(ready + ".0") and os.path.exists(ready + ".1")):
    if time.time() > deadline:
        sys.exit("the ranks did not start")
    time.sleep(0.02)
os.write(fd, b"\x03")
t0 = time.time()
while True:
    try:
        b = os.read(fd, 4096)
    except OSError:
        break
    if not b:
        break
    out += b
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("status %d ms %d" % (os.waitstatus_to_exitcode(st), (time.time() - t0) * 1000))
PY
if command -v python3 >/dev/null; then
    for mode in --session-per-rank --no-session-per-rank; do
        rm -f "$scratch"/ready.*
        timeout -k 2 30 python3 "$scratch/ctrlc.py" "$scratch/ready" "$MPIRUN" -n 2 $mode \
            sh -c "touch $scratch/ready.\$LARK_COMM_WORLD_RANK; exec $SLEEP 30" >"$out" 2>"$err" </dev/null ||
            { cat "$out" "$err"; fail "ctrl-C $mode: the helper failed"; }
        grep -q "received SIGINT" "$out" || { cat "$out"; fail "ctrl-C $mode: mpirun did not say SIGINT"; }
        set -- $(tail -n 1 "$out")
        [ "$2" = 130 ] || { cat "$out"; fail "ctrl-C $mode: mpirun exited $2, expected 130"; }
        within "$4" 3000 "ctrl-C $mode: the job took $4 ms to end"
        no_leftovers "ctrl-C $mode"
    done
fi

# SIGTERM to mpirun at any moment of the start, including before a rank
# made its session (its group does not exist yet): nothing survives.
t=0
while [ $t -lt 12 ]; do
    timeout -k 2 30 "$MPIRUN" -n 3 --oversubscribe --session-per-rank sh -c "$SLEEP 30 & exec $SLEEP 30" >"$out" 2>"$err" </dev/null &
    pid=$!
    i=0
    until mp=$(pgrep -P $pid); do
        i=$((i + 1)); [ $i -gt 100 ] && fail "SIGTERM trial $t: mpirun did not start"; sleep 0.01
    done
    [ $t -gt 0 ] && sleep "0.0$(( (t * 3) % 10 ))"
    kill -TERM "$mp"
    wait $pid; rc=$?
    [ $rc = 143 ] || { cat "$err"; fail "SIGTERM trial $t: mpirun exited $rc"; }
    no_leftovers "SIGTERM trial $t"
    t=$((t + 1))
done
exit 0
