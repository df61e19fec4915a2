#!/bin/sh
# init_singleton.sh -- programs started without any launcher are a world of
# one (no PMIx), and the point-to-point tests pass over the self transport.
. "$top_srcdir/tests/scripts/lib.sh"
cd "$top_builddir/tests/mpi" || fail "no tests/mpi build directory"
unset PMIX_NAMESPACE PMIX_RANK PMIX_SERVER_URI41 PMIX_SERVER_URI4 PMIX_SERVER_URI3 PMIX_SERVER_URI2
LARK_TEST_EXPECT_SIZE=1 timeout 60 ./init_basic || fail "init_basic as a singleton"
timeout 60 ./p2p_basic || fail "p2p_basic as a singleton"
LARK_SHM_NO_CMA=1 timeout 60 ./p2p_basic || fail "p2p_basic as a singleton without CMA"
timeout 60 ./errors || fail "errors as a singleton"
ls /dev/shm | grep -q "lark-singleton-" && fail "a singleton left shared memory behind"
echo "singleton: all passed"
