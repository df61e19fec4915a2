#!/bin/sh
# launcher_pmix.sh -- mpirun's PMIx server: ranks PMIx_Init, read the job
# information mpirun registered (sizes, local and node ranks, app numbers)
# and agree with the LARK_* variables, exchange values with
# Put/Commit/Fence/Get, and PMIx_Finalize; SPMD, oversubscribed and MPMD.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

run -n 2 "$PC" ok; expect_rc 0 "2 ranks"
[ "$(grep -c 'peer value ok' "$out")" = 2 ] || fail "2 ranks: $(cat "$out" "$err")"
run -n 6 --oversubscribe "$PC" ok; expect_rc 0 "6 ranks"
[ "$(grep -c 'peer value ok' "$out")" = 6 ] || fail "6 ranks: $(cat "$out" "$err")"
run --oversubscribe -n 1 "$PC" ok : -n 2 "$PC" ok; expect_rc 0 "MPMD"
grep -q "rank 0 of 3: local rank 0, app 0" "$out" || fail "MPMD rank 0: $(cat "$out")"
grep -q "rank 2 of 3: local rank 2, app 1" "$out" || fail "MPMD rank 2: $(cat "$out")"
no_leftovers "PMIx jobs"

# Without mpirun there is no PMIx server: a PMIx client cannot init (the MPI
# runtime then runs as a singleton; see launcher_singleton in tests/mpi).
env -u PMIX_NAMESPACE -u PMIX_SERVER_URI41 "$PC" ok >/dev/null 2>&1 && fail "PMIx_Init worked without a server"
exit 0
