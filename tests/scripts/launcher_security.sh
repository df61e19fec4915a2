#!/bin/sh
# launcher_security.sh -- another local user cannot join a job as one of its
# ranks.  A throwaway unprivileged user runs pmix_intruder with a rank's PMIx
# variables (namespace, rank, the server's address), claiming uid 0 in its
# handshake, and calls PMIx_Abort: the job must not notice (it ends with
# status 0 and every rank's "peer value ok"), and mpirun says once that it
# refused the connection.  Needs root (useradd, setpriv); skipped otherwise.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to create a second user"; exit 77; }
command -v useradd >/dev/null && command -v setpriv >/dev/null ||
    { echo "SKIP: no useradd or setpriv"; exit 77; }
user=lark-intr$$
useradd -M -N -s /usr/sbin/nologin -d /nonexistent "$user" 2>/dev/null ||
    { echo "SKIP: useradd failed"; exit 77; }
# The user goes with the scratch directory, whatever happens.
trap 'userdel "$user" 2>/dev/null; rm -rf "$scratch" "$pub"' EXIT
uid=$(id -u "$user")
gid=$(id -g "$user")
# The intruder's program must be readable by that user.
pub=$(mktemp -d /tmp/lark-intruder.XXXXXX) || fail "mktemp"
chmod 755 "$pub"
cp "$top_builddir/tests/launcher/pmix_intruder" "$pub/" || fail "no pmix_intruder helper"
chmod 755 "$pub/pmix_intruder"

# Two ranks wait after PMIx_Init until $scratch/go exists, then finish a
# full wire-up (fence, get) and finalize.
timeout -k 2 30 "$MPIRUN" -n 2 --oversubscribe "$PC" wait "$scratch/go" >"$out" 2>"$err" </dev/null &
pid=$!
i=0
until [ -f "$scratch/go.ready.0" ] && [ -f "$scratch/go.ready.1" ]; do
    i=$((i + 1)); [ $i -gt 500 ] && { cat "$err"; fail "the ranks did not start"; }
    sleep 0.02
done
rank1=$(pgrep -f "^$PC wait" | while read -r p; do
    tr '\0' '\n' <"/proc/$p/environ" | grep -qx 'PMIX_RANK=1' && echo "$p"; done | head -1)
[ -n "$rank1" ] || fail "cannot find rank 1"
# Everything PMIx-related that rank 1 was given: what an intruder needs.
env_args=$(tr '\0' '\n' <"/proc/$rank1/environ" | grep '^PMIX_' | tr '\n' ' ')
for claim in 0 "$uid"; do
    # shellcheck disable=SC2086 # (leak checking off: libpmix leaks in an ASan build)
    env -i PATH=/usr/bin:/bin ASAN_OPTIONS=detect_leaks=0 LARK_INTRUDER_UID=$claim $env_args \
        timeout -k 1 10 setpriv --reuid="$uid" --regid="$gid" --clear-groups \
        "$pub/pmix_intruder" >"$scratch/intruder" 2>&1
    irc=$?
    echo "intruder claiming uid $claim: exit $irc: $(head -1 "$scratch/intruder")"
    [ $irc = 0 ] || { cat "$scratch/intruder"; touch "$scratch/go"; wait $pid; cat "$err";
        fail "an intruder claiming uid $claim joined the job"; }
done
touch "$scratch/go"
wait $pid; rc=$?
expect_rc 0 "the job an intruder tried to join"
[ "$(grep -c 'peer value ok' "$out")" = 2 ] || { cat "$out" "$err"; fail "the ranks did not finish"; }
[ "$(grep -c 'refused a connection' "$err")" = 1 ] || { cat "$err"; fail "the refusal is not said once"; }
expect_err "belongs to uid $uid" "the refusal names the intruder's uid"
if grep -v 'refused a connection' "$err" | grep -q .; then cat "$err"; fail "more on stderr than the refusal"; fi
rm -f "$scratch"/go*
no_leftovers "security"
exit 0
