#!/bin/sh
# run.sh -- run the libFuzzer harness of the TCP wire checks for a bounded
# time (LARK_FUZZ_SECONDS, default 10 in `make check`; CI runs 60): any
# crash, leak or sanitizer report fails.  Skipped (exit 77) when configure
# found no clang with -fsanitize=fuzzer.
. "$top_srcdir/tests/scripts/lib.sh"
fuzzer="$top_builddir/tests/fuzz/fuzz_tcp_frame"
[ -x "$fuzzer" ] || { echo "no libFuzzer build (clang missing): skipped"; exit 77; }
lark_scratch
mkdir "$scratch/corpus"
# Seeds: a valid handshake followed by frames, from the unit test's shapes.
printf 'LARKTCP1\001\0\0\0\001\0\0\0\001\0\0\0\0\0\0\0' > "$scratch/corpus/hello"
head -c 104 /dev/zero >> "$scratch/corpus/hello"
"$fuzzer" -max_total_time="${LARK_FUZZ_SECONDS:-10}" -rss_limit_mb=2048 -max_len=4096 \
    -artifact_prefix="$scratch/" -print_final_stats=1 "$scratch/corpus" > "$scratch/log" 2>&1
rc=$?
tail -n 30 "$scratch/log"
[ $rc -eq 0 ] || fail "the fuzzer found a failure (exit $rc): see above"
