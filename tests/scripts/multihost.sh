#!/bin/sh
# Multi-host jobs across network-namespace "hosts" (multihost_lib.sh): the
# daemons started through an agent (-launcher-exec, --mca plm_rsh_agent),
# tree and flat launch, --rank-by node, ppr and --rank-by socket with each
# host's own topology, the PMIx description per host,
# fences with and without data collection (direct modex), stdio (--tag-output, stdin to a
# remote rank, --output-filename), -x, MPMD, --report-bindings per host,
# a session per rank (or not) on every host;
# and every failure across hosts: a remote rank killed, MPI_Abort on a
# remote host, a daemon killed, an unreachable host, --timeout, mpirun
# killed with SIGKILL.  After each run: no process on any host, no file.
. "$top_srcdir/tests/scripts/launcher_lib.sh"
. "$top_srcdir/tests/scripts/multihost_lib.sh"
mh_hosts 4
H0=${MH}h0 H1=${MH}h1 H2=${MH}h2 H3=${MH}h3
# The daemon from the build tree, copied so pgrep finds it as ours.
cp "$top_builddir/lark-noded" "$scratch/lark-noded"
LARK_NODED="$scratch/lark-noded"
export LARK_NODED
HF="$scratch/hostfile"
printf '%s slots=1\n%s slots=1\n%s slots=1\n%s slots=1\n' "$H0" "$H1" "$H2" "$H3" >"$HF"
A="-launcher-exec"

# --- the job's description, per host; a fence with data across hosts
mh_run "$H0" $A "$AGENT" --hostfile "$HF" -n 4 "$PC" hosts
expect_rc 0 "4 hosts"
for r in 0 1 2 3; do
    grep -q "^rank $r: host ${MH}h$r, node $r of 4, 1 local; rank $(((r + 1) % 4)) on ${MH}h$(((r + 1) % 4))$" "$out" ||
        { cat "$out" "$err"; fail "rank $r's PMIx description"; }
done
[ "$(grep -c 'peer value ok' "$out")" = 4 ] || fail "fence with data across hosts"
mh_no_leftovers "4 hosts"

# --- two ranks per host, by node, no data collection (direct modex), flat
mh_run "$H0" --mca plm_rsh_agent "$AGENT" --host "$H0:2,$H1:2,$H2:2" --map-by node --flat-launch \
    -n 6 "$PC" nocollect
expect_rc 0 "no data collection"
grep -q "^rank 4: host ${MH}h1, node 1 of 3, 2 local" "$out" || { cat "$out" "$err"; fail "map-by node"; }
[ "$(grep -c 'peer value ok' "$out")" = 6 ] || fail "direct modex across hosts"
mh_no_leftovers "direct modex"

# --- --rank-by node: two places on each host, numbered round-robin
mh_run "$H0" $A "$AGENT" --host "$H0:2,$H1:2" --rank-by node -n 4 "$PC" hosts
expect_rc 0 "rank-by node"
grep -q "^rank 1: host ${MH}h1, node 1 of 2, 2 local" "$out" || { cat "$out" "$err"; fail "--rank-by node"; }
grep -q "^rank 2: host ${MH}h0, node 0 of 2, 2 local" "$out" || { cat "$out" "$err"; fail "--rank-by node"; }
mh_no_leftovers "rank-by node"

# --- each host's own topology: h1's daemon sees two packages of one core
# (simulated, in its environment only), mpirun's h0 one package of two.
# ppr:2:socket puts 2 ranks on h0 and 4 on h1 (mpirun asked h1 first:
# probe.c), and --rank-by socket numbers h1's over its packages: ranks 2
# and 4 on core L#0 (package 0), 3 and 5 on core L#1.
if [ "$(grep Cpus_allowed_list /proc/self/status | cut -f2)" = "0-1" ]; then
    TA="$scratch/agent-topo"
    printf '#!/bin/sh\ncase $1 in %s) HWLOC_SYNTHETIC="pack:2 core:1 pu:1"; export HWLOC_SYNTHETIC ;; esac\nexec "%s" "$@"\n' \
        "$H1" "$AGENT" >"$TA"
    chmod +x "$TA"
    HWLOC_SYNTHETIC="pack:1 core:2 pu:1" mh_run "$H0" $A "$TA" --host "$H0:2,$H1:4" \
        --map-by ppr:2:socket --rank-by socket --bind-to core --report-bindings "$PC" hosts
    expect_rc 0 "ppr with each host's counts"
    [ "$(grep -c '^rank [0-9]*: host' "$out")" = 6 ] || { cat "$out" "$err"; fail "ppr:2:socket: not 2 + 4 ranks"; }
    grep -q "^rank 5: host ${MH}h1, node 1 of 2, 4 local" "$out" || { cat "$out" "$err"; fail "ppr on h1"; }
    grep -q "^rank 1: host ${MH}h0, node 0 of 2, 2 local" "$out" || { cat "$out" "$err"; fail "ppr on h0"; }
    expect_err "rank 3 on ${MH}h1: bound to core L#1 (cpus 1): \[.\]\[B\]" "rank-by socket on h1"
    expect_err "rank 4 on ${MH}h1: bound to core L#0 (cpus 0): \[B\]\[.\]" "rank-by socket on h1"
    mh_no_leftovers "ppr with each host's counts"
    # A host that cannot say its counts fails the job before anything starts.
    printf '#!/bin/sh\ncase $1 in %s) exit 3 ;; esac\nexec "%s" "$@"\n' "$H1" "$AGENT" >"$TA"
    mh_run "$H0" $A "$TA" --host "$H0:2,$H1:4" --map-by ppr:1:socket "$PC" hosts
    [ "$rc" = 1 ] || fail "ppr, h1 silent: status $rc"
    expect_err "cannot read the topology of host ${MH}h1.*exited with status 3" "ppr, h1 silent"
    mh_no_leftovers "ppr, a host silent"
fi

# --- mpirun's host runs no rank; tree of radix 1 (a chain h1 -> h2 -> h3).
# Each daemon combines its subtree's fence contributions: mpirun gets one
# (h1's, holding h2's and h3's), not one per host relayed up the chain.
LARK_MPIRUN_DEBUG=1 mh_run "$H0" $A "$AGENT" --host "$H1,$H2,$H3" --tree-radix 1 -n 3 "$PC" hosts
expect_rc 0 "chain"
grep -q "^rank 2: host ${MH}h3, node 2 of 3" "$out" || { cat "$out" "$err"; fail "chain launch"; }
[ "$(grep -c 'peer value ok' "$out")" = 3 ] || { cat "$out" "$err"; fail "chain: fence with data"; }
grep -q "fence \* complete: 1 contribution " "$err" || { cat "$err"; fail "chain: fence not combined"; }
grep -q "fence .* complete: [02-9]" "$err" && { cat "$err"; fail "chain: fence contributions relayed"; }
mh_no_leftovers "chain"

# --- --preload-binary: the program travels with the launch into each remote
# host's temp directory and runs from there; the copy goes with the job
# (mh_no_leftovers looks into TMPDIR).  mpirun's own host runs the original.
cp /bin/sh "$scratch/mysh"
mh_run "$H0" $A "$AGENT" --host "$H0,$H1,$H2" --tree-radix 1 --preload-binary -n 3 \
    "$scratch/mysh" -c 'echo "$LARK_COMM_WORLD_RANK $(readlink /proc/$$/exe)"'
expect_rc 0 "preload"
grep -q "^0 $scratch/mysh$" "$out" || { cat "$out" "$err"; fail "preload: rank 0 not from the original"; }
for r in 1 2; do
    grep -q "^$r .*/lark-[0-9a-f]*\.[^/]*/app0-mysh$" "$out" ||
        { cat "$out" "$err"; fail "preload: rank $r did not run a copy in its host's temp directory"; }
done
mh_no_leftovers "preload"

# --- stdio: tags, stdin to a remote rank, -x, MPMD, output files
printf 'line one\nline two\n' >"$scratch/in"
MH_STDIN="$scratch/in" mh_run "$H0" $A "$AGENT" --hostfile "$HF" --tag-output --stdin 2 -x MH_X=42 \
    -n 2 sh -c 'echo "x=$MH_X on $(hostname)"' : -n 2 sh -c 'cat; echo "app1 on $(hostname)"'
expect_rc 0 "stdio"
grep -q "^\[1\] x=42 on ${MH}h1$" "$out" || { cat "$out" "$err"; fail "-x / --tag-output on a remote host"; }
grep -q "^\[2\] line two$" "$out" || { cat "$out"; fail "stdin to a remote rank"; }
grep -q "^\[3\] app1 on ${MH}h3$" "$out" || { cat "$out"; fail "MPMD across hosts"; }
mh_run "$H0" $A "$AGENT" --hostfile "$HF" --output-filename "$scratch/of" -n 4 sh -c 'hostname'
expect_rc 0 "output-filename"
[ "$(cat "$scratch/of/1/rank.3/stdout")" = "${MH}h3" ] || fail "--output-filename of a remote rank"
rm -rf "$scratch/of"
mh_run "$H0" $A "$AGENT" --hostfile "$HF" --report-bindings -n 4 true
expect_rc 0 "report-bindings"
grep -q "rank 2 on ${MH}h2:" "$err" || { cat "$err"; fail "--report-bindings on a remote host"; }
# Each rank leads a session of its own on every host, or none with
# --no-session-per-rank (the LAUNCH frame carries the choice).
mh_run "$H0" $A "$AGENT" --hostfile "$HF" --tag-output --session-per-rank -n 4 sh -c 'cut -d" " -f1,6 /proc/$$/stat'
expect_rc 0 "session per rank"
[ "$(awk '$2 == $3' "$out" | wc -l)" = 4 ] || { cat "$out"; fail "session per rank across hosts"; }
mh_run "$H0" $A "$AGENT" --hostfile "$HF" --tag-output --no-session-per-rank -n 4 sh -c 'cut -d" " -f1,6 /proc/$$/stat'
expect_rc 0 "--no-session-per-rank"
[ "$(awk '$2 != $3' "$out" | wc -l)" = 4 ] || { cat "$out"; fail "--no-session-per-rank across hosts"; }
mh_no_leftovers "stdio"

# --- --stdin all across hosts: mpirun paces its reading by what each
# remote rank's pipe took (its daemon acks), as for local ranks.  A remote
# rank that reads slowly (2 MiB every 0.1 s) gets all of a stdin larger
# than any buffer on the way (80 MiB: daemons once queued what mpirun sent
# at full speed and dropped a rank's stdin past 64 MiB), and nobody notes it.
head -c 83886080 /dev/zero >"$scratch/in"
LARK_RUN_LIMIT=150 MH_STDIN="$scratch/in" mh_run "$H0" $A "$AGENT" --host "$H1,$H2" --stdin all -n 2 sh -c \
    'if [ $LARK_COMM_WORLD_RANK = 0 ]; then
         n=0
         while [ $n -lt 40 ]; do
             dd bs=2097152 count=1 iflag=fullblock 2>/dev/null; sleep 0.1; n=$((n + 1))
         done
     else cat; fi | wc -c'
expect_rc 0 "--stdin all, a remote rank reads slowly"
[ "$(grep -c '^83886080$' "$out")" = 2 ] || { cat "$out" "$err"; fail "--stdin all: a remote rank that reads slowly lost data"; }
grep -q "has not read its stdin" "$err" && { cat "$err"; fail "--stdin all: a note on a rank that reads slowly"; }
# A remote rank that never reads holds the other up for LARK_STDIN_STALL_MS
# at most; mpirun says so once.  Rank 0 (a shell loop, which reads nothing)
# lives until mpirun has said that its stdin was closed (mpirun's stderr is
# in the scratch directory, which the hosts share), 120 s at most.
LARK_RUN_LIMIT=150 MH_STDIN="$scratch/in" mh_run "$H0" $A "$AGENT" --host "$H1,$H2" --stdin all -n 2 sh -c \
    'if [ $LARK_COMM_WORLD_RANK = 0 ]; then
         i=0
         until grep -q "has not read its stdin" "$0/err" || [ $i -ge 1200 ]; do
             sleep 0.1; i=$((i + 1))
         done
         exit 0
     fi; wc -c' "$scratch"
expect_rc 0 "--stdin all, a remote rank never reads"
grep -q "^83886080$" "$out" || { cat "$out" "$err"; fail "--stdin all: the reading remote rank"; }
[ "$(grep -c 'rank 0 has not read its stdin' "$err")" = 1 ] ||
    { cat "$err"; fail "--stdin all: the note on the remote rank that never reads"; }
rm -f "$scratch/in"
mh_no_leftovers "stdin all"

# --- a remote rank killed: the job ends at once, naming rank, host, signal
mh_run "$H0" $A "$AGENT" --hostfile "$HF" -n 4 "$PC" crash 9
expect_rc 137 "remote rank killed"
expect_err "rank 1 (pid [0-9]*) on ${MH}h1 was killed by signal 9" "remote rank killed"
[ "$(grep -c 'the job is aborted' "$err")" = 1 ] || { cat "$err"; fail "one failure line"; }
grep -q "last words of rank 1" "$out" || fail "the remote rank's last words"
within "$elapsed_ms" 5000 "remote rank killed: the job took $elapsed_ms ms"
mh_no_leftovers "remote rank killed"

# --- MPI_Abort (PMIx_Abort) on a remote host
mh_run "$H0" $A "$AGENT" --host "$H1,$H2" -n 2 "$PC" abort 7
expect_rc 7 "remote abort"
expect_err "rank 0 (pid [0-9]*) on ${MH}h1 aborted the job (error code 7): pmix_client was asked to abort" "remote abort"
mh_no_leftovers "remote abort"

# --- --timeout across hosts
mh_run "$H0" $A "$AGENT" --hostfile "$HF" --timeout 1 -n 4 "$SLEEP" 30
expect_rc 124 "timeout"
expect_err "timeout of 1 s reached; ranks still running: 0-3" "timeout"
mh_no_leftovers "timeout"

# --- an unreachable host: the agent fails, or the daemon never calls back
mh_run "$H0" $A "$AGENT" --host "$H1,${MH}nohost" --launch-timeout 3 -n 2 "$SLEEP" 30
expect_rc 1 "unreachable host"
expect_err "cannot start the daemon on host ${MH}nohost" "unreachable host"
mh_no_leftovers "unreachable host"
printf '#!/bin/sh\nexec sleep 30\n' >"$scratch/hang"
chmod +x "$scratch/hang"
mh_run "$H0" $A "$scratch/hang" --host "$H1" --launch-timeout 1 -n 1 true
expect_rc 1 "silent host"
expect_err "the daemon on host ${MH}h1 did not call back within 1 s" "silent host"
within "$elapsed_ms" 5000 "silent host: the launch took $elapsed_ms ms"
mh_no_leftovers "silent host"

# --- a daemon killed: the job ends naming its host
# mh_run_bg ARGS...: mh_run in the background, its status to $scratch/rc,
# back once the job's 4 sleeps run.
mh_run_bg() {
    rm -f "$scratch/rc"
    (mh_run "$@"; echo "$rc" >"$scratch/rc") &
    i=0
    until [ "$(nsleeps)" -ge 4 ]; do
        i=$((i + 1)); [ $i -gt 200 ] && fail "the job did not start"; sleep 0.05
    done
}
# nsleeps: how many ranks run $SLEEP (not command lines that name it)
nsleeps() {
    n=0
    for p in $(pgrep -f "$scratch/sleep"); do
        [ "$(readlink "/proc/$p/exe")" = "$SLEEP" ] && n=$((n + 1))
    done
    echo $n
}
# kill_prog HOST PROGRAM: SIGKILL PROGRAM on HOST, not its cleaner (a
# child running the same program).  All are looked at before any is
# killed: a dead parent's cleaner has another parent, and would pass.
kill_prog() {
    victims=
    for p in $(ip netns pids "$1"); do
        pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
        [ "$(readlink "/proc/$p/exe")" = "$2" ] &&
            [ "$(readlink "/proc/$pp/exe")" != "$2" ] && victims="$victims $p"
    done
    [ -n "$victims" ] && kill -9 $victims
}
mh_run_bg "$H0" $A "$AGENT" --hostfile "$HF" -n 4 "$SLEEP" 30
kill_prog "$H2" "$LARK_NODED"
wait
expect_err "the daemon on host ${MH}h2 died" "daemon killed"
[ "$(cat "$scratch/rc")" = 1 ] || fail "daemon killed: status $(cat "$scratch/rc")"
mh_no_leftovers "daemon killed"

# --- mpirun killed with SIGKILL: every daemon kills its ranks and exits
mh_run_bg "$H0" $A "$AGENT" --hostfile "$HF" -n 4 "$SLEEP" 30
kill_prog "$H0" "$MPIRUN"
t0=$(date +%s%N)
i=0
while pgrep -f "$scratch/" >/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && { pgrep -af "$scratch/"; fail "mpirun SIGKILL: left behind after 5 s"; }
    sleep 0.05
done
ms=$((($(date +%s%N) - t0) / 1000000))
within "$ms" 2000 "mpirun SIGKILL: daemons and ranks took $ms ms to go"
wait
mh_no_leftovers "mpirun SIGKILL"
exit 0
