#!/bin/sh
# sessions.sh -- how much of a shared machine a job gets: a compute-bound
# job of 8 ranks (bench/src/crunch.c: 2 ms of arithmetic, then an 8-byte
# MPI_Allreduce, 200 times) on this machine's cores, alone and beside a
# reproducible background load, with each Lark rank in a session of its
# own (--session-per-rank), with Lark's ranks all in mpirun's session
# (--no-session-per-rank), and with Open MPI and MPICH.  (mpirun's default
# is the first when the ranks fit the cores, the second otherwise.)
# Implementations interleaved; medians.  Beside it, a job that only communicates: the
# message rate of 4 ranks on the 2 cores (bench/src/msgrate.c, 8 B), where
# ranks hand the cores to each other all the time.
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
for impl in lark openmpi mpich; do
    case $impl in
    lark) cc="$build/wrappers/build/mpicc" ;;
    *) cc=mpicc.$impl ;;
    esac
    $cc -O2 -o "$out/crunch.$impl" "$src/src/crunch.c"
    $cc -O2 -o "$out/msgrate.$impl" "$src/src/msgrate.c" "$src/src/common.c" -I"$src/src" -lm
done
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
run() { # variant ranks program args...
    v=$1 n=$2 prog=$3
    shift 3
    case $v in
    lark-session-per-rank) timeout 300 "$build/mpirun" --oversubscribe --session-per-rank -n "$n" "$out/$prog.lark" "$@" ;;
    lark-one-session) timeout 300 "$build/mpirun" --oversubscribe --no-session-per-rank -n "$n" "$out/$prog.lark" "$@" ;;
    openmpi) timeout 300 mpirun.openmpi $asroot --oversubscribe -n "$n" "$out/$prog.openmpi" "$@" ;;
    mpich) timeout 300 mpirun.mpich -n "$n" "$out/$prog.mpich" "$@" ;;
    esac
}
variants="lark-session-per-rank lark-one-session openmpi mpich"
for r in $(seq "$reps"); do
    for load in none busy; do
        [ $load = busy ] && load_on
        for v in $variants; do
            run $v "$ranks" crunch 2>> "$out/errors.txt" | grep '^crunch' | sed "s/^/$v $load /" >> "$out/raw.txt" || true
            run $v 4 msgrate -s 8 -t 50 2>> "$out/errors.txt" | grep '^msgrate' | sed "s/^/$v $load /" >> "$out/raw.txt" || true
        done
        [ $load = busy ] && load_off
    done
done
median() { sort -g | awk '{v[NR]=$1} END {if (NR) print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2); else print "missing"}'; }
get() { awk -v v="$1" -v l="$2" -v m="${3:-crunch}" '$1 == v && $2 == l && $3 == m {print $6}' "$out/raw.txt" | median; }
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
    printf '| 4 ranks on %d cores, 8 B messages | no added load, Mmsg/s | beside %d busy sessions, Mmsg/s |\n' \
        "$(nproc)" "$bg_sessions"
    printf '|---|---:|---:|\n'
    for v in $variants; do
        printf '| %s | %s | %s |\n' "$v" "$(get $v none msgrate)" "$(get $v busy msgrate)"
    done
    echo
    echo "($reps repetitions, medians; background: $bg_sessions sessions of $bg_procs busy loops;" \
        "autogroup $(cat /proc/sys/kernel/sched_autogroup_enabled 2> /dev/null || echo '?');" \
        "load average $(cut -d' ' -f1-3 /proc/loadavg); raw results in $out/raw.txt)"
} | tee "$out/table.md"
