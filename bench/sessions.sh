#!/bin/sh
# sessions.sh -- how much of a shared machine a job gets: a compute-bound
# job of 8 ranks (bench/src/crunch.c: 2 ms of arithmetic, then an 8-byte
# MPI_Allreduce, 200 times) on this machine's cores, alone and beside a
# reproducible background load, with Lark's ranks in mpirun's session (as
# today), with each Lark rank in a session of its own (`setsid -w`), and
# with Open MPI and MPICH.  Implementations interleaved; medians.
#
#   bench/sessions.sh LARK_BUILD_DIR [REPETITIONS]       (default 3)
#
# The background load is BG_SESSIONS sessions (default 2), each running
# BG_PROCS busy loops (default 2), like two other users' builds.  Linux's
# autogroup scheduling (/proc/sys/kernel/sched_autogroup_enabled) shares
# the CPU between sessions first, then between the processes of a
# session: all ranks in one session get one session's share.  Raw results
# go to $SESSIONS_OUT (default ./sessions-bench).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:?usage: bench/sessions.sh LARK_BUILD_DIR [REPETITIONS]}" && pwd)
reps=${2:-3}
out=${SESSIONS_OUT:-$PWD/sessions-bench}
bg_sessions=${BG_SESSIONS:-2}
bg_procs=${BG_PROCS:-2}
ranks=${RANKS:-8}
mkdir -p "$out"
: > "$out/raw.txt"
asroot=
[ "$(id -u)" = 0 ] && asroot=--allow-run-as-root
"$build/wrappers/build/mpicc" -O2 -o "$out/crunch.lark" "$src/src/crunch.c"
mpicc.openmpi -O2 -o "$out/crunch.openmpi" "$src/src/crunch.c"
mpicc.mpich -O2 -o "$out/crunch.mpich" "$src/src/crunch.c"
bg_pids=
load_on() {
    for s in $(seq "$bg_sessions"); do
        # setsid: a session (and process group) of its own, like a login.
        setsid sh -c "for i in \$(seq $bg_procs); do (while :; do :; done) & done; wait" &
        bg_pids="$bg_pids $!"
    done
    sleep 1
}
load_off() {
    # Each background session is its own process group (setsid): end the
    # whole group, the busy loops with their shell (dash's kill takes no
    # "--": a negative pid names the group).
    for p in $bg_pids; do
        kill -TERM "-$p" 2> /dev/null || kill -TERM "$p" 2> /dev/null || true
    done
    bg_pids=
    sleep 1
}
trap 'load_off' EXIT INT TERM
run() { # variant
    case $1 in
    lark) timeout 300 "$build/mpirun" --oversubscribe -n "$ranks" "$out/crunch.lark" ;;
    lark-setsid) timeout 300 "$build/mpirun" --oversubscribe -n "$ranks" setsid -w "$out/crunch.lark" ;;
    openmpi) timeout 300 mpirun.openmpi $asroot --oversubscribe -n "$ranks" "$out/crunch.openmpi" ;;
    mpich) timeout 300 mpirun.mpich -n "$ranks" "$out/crunch.mpich" ;;
    esac
}
variants="lark lark-setsid openmpi mpich"
for r in $(seq "$reps"); do
    for load in none busy; do
        [ $load = busy ] && load_on
        for v in $variants; do
            run $v 2>> "$out/errors.txt" | grep '^crunch' | sed "s/^/$v $load /" >> "$out/raw.txt" || true
        done
        [ $load = busy ] && load_off
    done
done
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); else print "missing"}'; }
get() { awk -v v="$1" -v l="$2" '$1 == v && $2 == l {print $6}' "$out/raw.txt" | median; }
{
    printf '| %d ranks on %d cores | no added load, s | beside %d busy sessions, s | slowdown |\n' \
        "$ranks" "$(nproc)" "$bg_sessions"
    printf '|---|---:|---:|---:|\n'
    for v in $variants; do
        a=$(get $v none)
        b=$(get $v busy)
        printf '| %s | %s | %s | %s |\n' "$v" "$a" "$b" \
            "$(awk -v a="$a" -v b="$b" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", b / a; else print "-" }')"
    done
    echo
    echo "($reps repetitions, medians; background: $bg_sessions sessions of $bg_procs busy loops;" \
        "autogroup $(cat /proc/sys/kernel/sched_autogroup_enabled 2> /dev/null || echo '?');" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg); raw results in $out/raw.txt)"
} | tee "$out/table.md"
