# lib.sh -- helpers for the test scripts (sourced, not run).
# The scripts run from `make check`, which exports top_srcdir, top_builddir,
# LARK_MPIRUN, LARK_MPICC and LARK_MPICXX.

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A scratch directory removed when the script exits.
lark_scratch() {
    scratch=$(mktemp -d "${TMPDIR:-/tmp}/lark-test.XXXXXX") || fail "mktemp"
    trap 'rm -rf "$scratch"' EXIT
}
