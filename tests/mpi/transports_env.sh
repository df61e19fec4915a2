#!/bin/sh
# transports_env.sh -- LARK_TRANSPORTS restricts the transports a job uses:
# an unknown name fails MPI_Init with a line naming the known ones; a list
# that reaches no peer fails with a line naming the rank it cannot reach.
. "$top_srcdir/tests/scripts/lib.sh"
lark_scratch
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
LARK_TRANSPORTS=shm,bogus timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./p2p_basic 2> "$scratch/bogus" &&
    fail "LARK_TRANSPORTS=shm,bogus: the job succeeded"
grep -q 'unknown transport "bogus".*known ones are self, shm' "$scratch/bogus" ||
    fail "no line naming the known transports: $(cat "$scratch/bogus")"
LARK_TRANSPORTS=self timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./p2p_basic 2> "$scratch/self" &&
    fail "LARK_TRANSPORTS=self with 2 ranks: the job succeeded"
grep -q "no transport reaches rank [01] (LARK_TRANSPORTS=self)" "$scratch/self" ||
    fail "no line naming the unreachable rank: $(cat "$scratch/self")"
LARK_TRANSPORTS=shm,self timeout -k 5 60 "$LARK_MPIRUN" -n 2 ./p2p_basic ||
    fail "LARK_TRANSPORTS=shm,self failed"
echo "transports_env: LARK_TRANSPORTS restricts the choice"
