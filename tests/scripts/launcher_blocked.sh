#!/bin/sh
# launcher_blocked.sh -- mpirun reacts at once while its output is blocked:
# with stdout a full pipe nobody reads, a rank's death, SIGTERM and SIGINT
# end the job within about a second, what could not be written is dropped
# with a note, and nothing is left behind.  And with --stdin all, a rank that
# never reads its stdin holds up the others for a second at most, and one
# that reads late loses nothing.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

# A chatty program: prints lines forever (rank 1 dies after 0.5 s in the
# "die" case).
CHAT="$scratch/chat.sh"
cat >"$CHAT" <<SH
#!/bin/sh
if [ "\$1" = die ] && [ "\$LARK_COMM_WORLD_RANK" = 1 ]; then $SLEEP 0.5; kill -SEGV \$\$; fi
while :; do echo "rank \$LARK_COMM_WORLD_RANK says a line of output that nobody will read"; done
SH
chmod +x "$CHAT"

# blocked WHAT SIGNAL ARGS...: mpirun with stdout a FIFO whose reader never
# reads; SIGNAL (or "none") is sent once the pipe is full.  Sets rc and ms
# (from the event to mpirun's exit).
blocked() {
    what=$1 sig=$2
    shift 2
    rm -f "$scratch/fifo"
    mkfifo "$scratch/fifo"
    "$SLEEP" 60 <"$scratch/fifo" &
    reader=$!
    t0=$(date +%s%N)
    timeout -k 2 40 "$MPIRUN" "$@" >"$scratch/fifo" 2>"$err" </dev/null &
    pid=$!
    i=0
    until mp=$(pgrep -P $pid); do
        i=$((i + 1)); [ $i -gt 200 ] && fail "$what: mpirun did not start"; sleep 0.02
    done
    sleep 1 # the pipe is full by now
    t0=$(date +%s%N)
    [ "$sig" = none ] || kill -"$sig" "$mp"
    wait $pid; rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    kill $reader 2>/dev/null; wait $reader 2>/dev/null
    rm -f "$scratch/fifo"
    echo "$what: mpirun exited $rc, $ms ms after the event"
}

blocked "rank death" none -n 2 --oversubscribe "$CHAT" die
expect_rc 139 "rank death with stdout blocked"
expect_err "rank 1 .* killed by signal 11" "rank death with stdout blocked"
# The death came 0.5 s after the start, measured here from 1 s.
within "$ms" 2500 "rank death with stdout blocked: mpirun took $ms ms"
expect_err "bytes of the job's output to stdout were dropped" "rank death: the note"
no_leftovers "rank death with stdout blocked"

for s in TERM:143 INT:130; do
    blocked "SIG${s%:*}" "${s%:*}" -n 2 --oversubscribe "$CHAT"
    expect_rc "${s#*:}" "SIG${s%:*} with stdout blocked"
    expect_err "received SIG${s%:*}" "SIG${s%:*} with stdout blocked"
    within "$ms" 2000 "SIG${s%:*} with stdout blocked: mpirun took $ms ms"
    no_leftovers "SIG${s%:*} with stdout blocked"
done

# --stdin all: rank 0 never reads; ranks 1 and 2 read 4 MiB at once.
head -c 4194304 /dev/zero >"$scratch/input"
t0=$(date +%s%N)
timeout -k 2 30 "$MPIRUN" --stdin all -n 3 --oversubscribe sh -c \
    "if [ \$LARK_COMM_WORLD_RANK = 0 ]; then exec $SLEEP 4; fi; wc -c >$scratch/got.\$LARK_COMM_WORLD_RANK" \
    <"$scratch/input" >"$out" 2>"$err"
rc=$?
expect_rc 0 "--stdin all with a rank that never reads"
for r in 1 2; do
    [ "$(cat "$scratch/got.$r" 2>/dev/null)" = 4194304 ] ||
        fail "--stdin all: rank $r got $(cat "$scratch/got.$r" 2>/dev/null) bytes, not 4194304"
    took=$((($(date -r "$scratch/got.$r" +%s%N) - t0) / 1000000))
    echo "--stdin all: rank $r had all its input $took ms after the start"
    within "$took" 3000 "--stdin all: rank $r waited $took ms for the rank that never reads"
done
expect_err "rank 0 has not read its stdin" "--stdin all: the note"
rm -f "$scratch"/got.*
no_leftovers "--stdin all"

# --stdin all: a rank that starts reading late (here 0.7 s; on a loaded
# machine, a slow start) loses nothing: it paces the others, it is not
# taken for one that never reads (it was: 64 KiB of 4 MiB, then EOF).
timeout -k 2 30 "$MPIRUN" --stdin all -n 3 --oversubscribe sh -c \
    "if [ \$LARK_COMM_WORLD_RANK = 1 ]; then $SLEEP 0.7; fi; wc -c" <"$scratch/input" >"$out" 2>"$err"
rc=$?
expect_rc 0 "--stdin all with a rank late to read"
[ "$(grep -c '^4194304$' "$out")" = 3 ] || { cat "$out" "$err"; fail "--stdin all: a rank late to read lost input"; }
grep -q "has not read its stdin" "$err" && { cat "$err"; fail "--stdin all: a rank late to read was cut off"; }
no_leftovers "--stdin all, a late reader"

# --stdin all: a rank that has read (more than its pipe holds) and then
# stops for 2.5 s (it computes; on a loaded machine, it does not run) is
# a slow reader, not one that never reads: it loses nothing.
timeout -k 2 40 "$MPIRUN" --stdin all -n 2 --oversubscribe sh -c \
    "if [ \$LARK_COMM_WORLD_RANK = 0 ]; then
         { dd bs=1048576 count=1 iflag=fullblock 2>/dev/null; $SLEEP 2.5; cat; } | wc -c
     else wc -c; fi" <"$scratch/input" >"$out" 2>"$err"
rc=$?
expect_rc 0 "--stdin all with a rank that pauses"
[ "$(grep -c '^4194304$' "$out")" = 2 ] || { cat "$out" "$err"; fail "--stdin all: a rank that paused lost input"; }
grep -q "has not read its stdin" "$err" && { cat "$err"; fail "--stdin all: a rank that paused was cut off"; }
rm -f "$scratch/input"
no_leftovers "--stdin all, a reader that pauses"
exit 0
