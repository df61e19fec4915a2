#!/bin/sh
# launcher_basic.sh -- mpirun's everyday options: --version/--help, -n and
# its spellings, exit status, slots and --oversubscribe, hosts and hostfiles,
# -x/-genv/-env, --wdir, --prefix, -N, MPMD, and clear errors for bad input.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

run --version; expect_rc 0 "--version"
grep -q "Lark" "$out" || fail "--version does not say Lark"
run --help; expect_rc 0 "--help"
grep -q -- "--map-by" "$out" || fail "--help lacks --map-by"

run -n 2 hostname; expect_rc 0 "-n 2 hostname"
[ "$(wc -l <"$out")" = 2 ] || fail "-n 2 hostname printed $(wc -l <"$out") lines"
run -np 2 sh -c 'echo $LARK_COMM_WORLD_RANK/$LARK_COMM_WORLD_SIZE'; expect_rc 0 "-np"
[ "$(sort "$out" | tr '\n' ' ')" = "0/2 1/2 " ] || fail "rank/size wrong: $(cat "$out")"
run -n 1 true; expect_rc 0 "true"
[ ! -s "$err" ] || fail "a clean run printed on stderr: $(cat "$err")"

# Bad input: a message naming the token, non-zero status, nothing started.
run --frobnicate -n 1 true; [ "$rc" != 0 ] || fail "unknown option accepted"
expect_err "--frobnicate" "unknown option"
run -n zero true; [ "$rc" != 0 ] || fail "-n zero accepted"; expect_err "'zero'" "-n zero"
run -n 1 /nonexistent/prog; [ "$rc" != 0 ] || fail "missing program accepted"
expect_err "/nonexistent/prog" "missing program"
run -n 1 no-such-program-lark; [ "$rc" != 0 ] || fail "missing program accepted"
expect_err "no-such-program-lark" "missing program in PATH"
# Another host whose daemon cannot be started (the agent fails): one line
# naming the host, status 1 (tests/scripts/multihost.sh runs real ones).
run -n 1 --host some-other-host -launcher-exec false true; [ "$rc" = 1 ] || fail "failed remote start: status $rc"
expect_err "cannot start the daemon on host some-other-host: the agent 'false' exited with status 1" "remote host"
printf 'localhost slots=x\n' >"$scratch/hf.bad"
run -n 1 --hostfile "$scratch/hf.bad" true; [ "$rc" != 0 ] || fail "bad hostfile accepted"
expect_err "line 1" "bad hostfile"; expect_err "'x'" "bad hostfile"
run -n 1 --hostfile "$scratch/missing" true; [ "$rc" != 0 ] || fail "missing hostfile accepted"
expect_err "$scratch/missing" "missing hostfile"

# Slots: more ranks than slots is an error that says how to fix it.
run -n 5 --host localhost:4 true; [ "$rc" != 0 ] || fail "oversubscription accepted"
expect_err "5 ranks requested but only 4 slots" "oversubscription"
expect_err "--oversubscribe" "oversubscription hint"
run -n 5 --host localhost:4 --oversubscribe true; expect_rc 0 "--oversubscribe"
run -n 3 --host localhost:4 --map-by core:PE=2 true; [ "$rc" != 0 ] || fail "PE=2 slots not counted"
expect_err "need 6 slots but only 4" "PE=2 slots"
run -n 64 --oversubscribe true; expect_rc 0 "64 ranks oversubscribed"
printf '# hosts\n\nlocalhost slots=2\n%s:1\n' "$(hostname)" >"$scratch/hf"
run -n 3 --hostfile "$scratch/hf" true; expect_rc 0 "hostfile with 3 slots"
run -n 4 -f "$scratch/hf" true; [ "$rc" != 0 ] || fail "hostfile slots not enforced"
expect_err "only 3 slots" "hostfile slots"
run --host localhost:3 sh -c 'echo x'; expect_rc 0 "no -n fills the slots"
[ "$(wc -l <"$out")" = 3 ] || fail "no -n with 3 slots started $(wc -l <"$out") ranks"
run -N 2 --oversubscribe sh -c 'echo $LARK_COMM_WORLD_LOCAL_SIZE'; expect_rc 0 "-N 2"
[ "$(cat "$out" | tr '\n' ' ')" = "2 2 " ] || fail "-N 2 gave $(cat "$out")"
run -n 4 -ppn 2 true; [ "$rc" != 0 ] || fail "-n 4 -ppn 2 on one node accepted"
expect_err "per node" "-ppn"

# Exit status of a failing rank is mpirun's.
run -n 2 sh -c '[ $LARK_COMM_WORLD_RANK = 1 ] && exit 3; exit 0'; expect_rc 3 "exit 3"
expect_err "rank 1" "exit 3 names the rank"; expect_err "status 3" "exit 3 names the status"

# Environment: -x, -genv, -env per app; stale PMIx variables are not passed on.
export LARK_T_X=fromenv
export PMIX_NAMESPACE=stale-ns
run -n 1 -x LARK_T_X -x LARK_T_Y=y -genv LARK_T_Z "z z" \
    sh -c 'echo "$LARK_T_X|$LARK_T_Y|$LARK_T_Z|$LARK_JOB_NAMESPACE"; [ "$PMIX_NAMESPACE" != stale-ns ]'
expect_rc 0 "-x/-genv"
unset PMIX_NAMESPACE
grep -q '^fromenv|y|z z|lark-[0-9a-f]\{16\}$' "$out" || fail "-x/-genv gave $(cat "$out")"
run -n 1 -env V a sh -c 'echo a$V' : -n 1 -env V b sh -c 'echo b$V'; expect_rc 0 "-env"
[ "$(sort "$out" | tr '\n' ' ')" = "aa bb " ] || fail "-env per app gave $(cat "$out")"

# --display-map shows the plan before starting.
run --oversubscribe --display-map -n 1 true : -n 2 false
grep -q "rank 0: app 0 (true)" "$out" || fail "--display-map: $(cat "$out")"
grep -q "rank 2: app 1 (false)" "$out" || fail "--display-map: $(cat "$out")"

# MPMD: app numbers and contiguous ranks.
run --oversubscribe -n 1 sh -c 'echo A$LARK_APPNUM.$LARK_COMM_WORLD_RANK' : -n 2 sh -c 'echo B$LARK_APPNUM.$LARK_COMM_WORLD_RANK'
expect_rc 0 "MPMD"
[ "$(sort "$out" | tr '\n' ' ')" = "A0.0 B1.1 B1.2 " ] || fail "MPMD gave $(cat "$out")"

# --wdir and --prefix.
mkdir -p "$scratch/wd" "$scratch/pfx/bin"
run -n 1 --wdir "$scratch/wd" pwd; expect_rc 0 "--wdir"
[ "$(cat "$out")" = "$scratch/wd" ] || fail "--wdir gave $(cat "$out")"
mkdir -p "$scratch/wd2"
run -n 1 --wdir "$scratch/wd" pwd : -n 1 -wdir "$scratch/wd2" pwd; expect_rc 0 "per-app -wdir"
[ "$(sort "$out" | tr '\n' ' ')" = "$scratch/wd $scratch/wd2 " ] || fail "per-app -wdir gave $(cat "$out")"
# Programs in mpirun's directory run without ./ (as with Open MPI); a relative
# path is mpirun's, not --wdir's.
printf '#!/bin/sh\necho local-tool\n' >"$scratch/lark-local-tool"
chmod +x "$scratch/lark-local-tool"
(cd "$scratch" && timeout 30 "$MPIRUN" -n 1 lark-local-tool >"$out" 2>"$err") || fail "program in cwd: $(cat "$err")"
[ "$(cat "$out")" = local-tool ] || fail "program in cwd printed $(cat "$out")"
(cd "$scratch" && timeout 30 "$MPIRUN" -n 1 --wdir "$scratch/wd" ./lark-local-tool >"$out" 2>"$err") ||
    fail "relative program with --wdir: $(cat "$err")"
run -n 1 --wdir "$scratch/nope" pwd; [ "$rc" != 0 ] || fail "bad --wdir accepted"
expect_err "$scratch/nope" "bad --wdir"
printf '#!/bin/sh\necho prefixed\n' >"$scratch/pfx/bin/lark-prefixed-tool"
chmod +x "$scratch/pfx/bin/lark-prefixed-tool"
run -n 1 --prefix "$scratch/pfx" sh -c 'lark-prefixed-tool; echo "$LD_LIBRARY_PATH"'
expect_rc 0 "--prefix"
grep -q prefixed "$out" || fail "--prefix did not put bin/ in PATH"
grep -q "^$scratch/pfx/lib" "$out" || fail "--prefix did not put lib/ in LD_LIBRARY_PATH"

no_leftovers "basic runs"
exit 0
