#!/bin/sh
# launcher_binding.sh -- hwloc binding as the ranks see it: each rank reads
# its own Cpus_allowed_list from /proc/self/status.  Ranks that fit the cores
# are bound one core each, distinct; oversubscribed or --bind-to none ranks
# are not bound; taskset limits what mpirun uses; --report-bindings tells
# the truth (its cpus are the rank's Cpus_allowed_list); --rank-by over
# packages, cores and hwthreads of simulated topologies.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

all=$(grep Cpus_allowed_list /proc/self/status | awk '{print $2}')
ncpu=$(nproc)
SHOW='echo "$LARK_COMM_WORLD_RANK $(grep Cpus_allowed_list /proc/self/status | cut -f2)"'

# One rank: bound to one core; the report agrees with what the rank reads.
run -n 1 --report-bindings sh -c "$SHOW"; expect_rc 0 "-n 1"
mine=$(awk '{print $2}' "$out")
expect_err "rank 0 on .*: bound to core L#0 (cpus $mine)" "--report-bindings"
if [ "$ncpu" -ge 2 ]; then
    [ "$mine" != "$all" ] || fail "-n 1 was not bound (cpus $mine)"
    run -n 2 --report-bindings sh -c "$SHOW"; expect_rc 0 "-n 2"
    c0=$(awk '$1 == 0 {print $2}' "$out"); c1=$(awk '$1 == 1 {print $2}' "$out")
    [ -n "$c0" ] && [ -n "$c1" ] && [ "$c0" != "$c1" ] || fail "-n 2: ranks share cpus: $(cat "$out")"
    expect_err "rank 1 on .*: bound to core L#1 (cpus $c1)" "--report-bindings rank 1"
    # ppr:2:core: two ranks on each core in turn, both bound to it (no -n:
    # two per core of the machine).
    run --oversubscribe --map-by ppr:2:core --report-bindings sh -c "$SHOW"
    expect_rc 0 "ppr:2:core"
    [ "$(wc -l <"$out")" -eq $((2 * ncpu)) ] || fail "ppr:2:core: not 2 ranks per core: $(cat "$out")"
    c0=$(awk '$1 == 0 {print $2}' "$out"); c1=$(awk '$1 == 1 {print $2}' "$out")
    c2=$(awk '$1 == 2 {print $2}' "$out"); c3=$(awk '$1 == 3 {print $2}' "$out")
    [ -n "$c0" ] && [ "$c0" = "$c1" ] && [ "$c2" = "$c3" ] && [ "$c0" != "$c2" ] ||
        fail "ppr:2:core: ranks 0,1 and 2,3 not paired on two cores: $(cat "$out")"
    expect_err "rank 1 on .*: bound to core L#0 (cpus $c1)" "ppr:2:core rank 1"
    expect_err "rank 2 on .*: bound to core L#1 (cpus $c2)" "ppr:2:core rank 2"
    run -n 2 --map-by ppr:1:hwthread --report-bindings sh -c "$SHOW"; expect_rc 0 "ppr:1:hwthread"
    expect_err "rank 1 on .*: bound to hwthread" "ppr:1:hwthread"
    # PE=2: two cores for one rank.
    run -n 1 --map-by core:PE=2 --report-bindings sh -c "$SHOW"; expect_rc 0 "PE=2"
    expect_err "bound to cores L#0-1" "PE=2"
    # Oversubscribed: not bound.
    n=$((ncpu + 1))
    run -n $n --oversubscribe --report-bindings sh -c "$SHOW"; expect_rc 0 "oversubscribed"
    [ "$(awk '{print $2}' "$out" | sort -u)" = "$all" ] || fail "oversubscribed ranks were bound: $(cat "$out")"
    expect_err "not bound (cpus $all)" "oversubscribed report"
    # taskset: mpirun uses only what it is given (logical core 0 of that is the last cpu).
    last=$(echo "$all" | tr ',-' '\n\n' | tail -n 1)
    if command -v taskset >/dev/null; then
        out_ts=$(taskset -c "$last" "$MPIRUN" -n 1 sh -c "$SHOW" 2>"$err") || fail "taskset run failed: $(cat "$err")"
        [ "$out_ts" = "0 $last" ] || fail "under taskset -c $last, rank 0 got: $out_ts"
        taskset -c "$last" "$MPIRUN" -n 2 true 2>"$err" && fail "2 ranks on 1 allowed core without --oversubscribe"
        expect_err "only 1 slot" "taskset slots"
    fi
fi
# --bind-to none: the whole allowed set.
run -n 1 --bind-to none sh -c "$SHOW"; expect_rc 0 "--bind-to none"
[ "$(awk '{print $2}' "$out")" = "$all" ] || fail "--bind-to none bound: $(cat "$out")"
# --bind-to socket: the package's cpus (here, every allowed cpu of package 0).
run -n 1 --bind-to socket --report-bindings sh -c "$SHOW"; expect_rc 0 "--bind-to socket"
expect_err "bound to package L#0" "--bind-to socket"
# --map-by hwthread, numa, socket run and bind somewhere inside the allowed set.
for m in hwthread numa socket slot node; do
    run -n 1 --map-by $m sh -c "$SHOW"; expect_rc 0 "--map-by $m"
done
# Bigger topologies, simulated by hwloc over this machine's first two cpus.
if [ "$all" = "0-1" ]; then
    export HWLOC_SYNTHETIC="pack:2 core:1 pu:1"
    run -n 2 --map-by socket --bind-to socket --report-bindings sh -c "$SHOW"; expect_rc 0 "2 packages"
    [ "$(sort "$out" | tr '\n' '|')" = "0 0|1 1|" ] || fail "map-by socket: $(cat "$out")"
    expect_err "rank 1 on .*: bound to package L#1 (cpus 1): \[.\]\[B\]" "bind-to socket"
    run --map-by ppr:1:socket --report-bindings sh -c "$SHOW"; expect_rc 0 "ppr:1:socket"
    [ "$(sort "$out" | tr '\n' '|')" = "0 0|1 1|" ] || fail "ppr:1:socket: $(cat "$out")"
    expect_err "rank 1 on .*: bound to core L#1 (cpus 1): \[.\]\[B\]" "ppr:1:socket"
    # --rank-by: Open MPI's example (mpirun(1), "Mapping, Ranking, and
    # Binding: Oh My!"): --map-by ppr:2:socket puts two ranks on each
    # package; in mapping order (slot) they are 0 1 ! 2 3, by socket
    # 0 2 ! 1 3.  By core too here: each package has one core, so the
    # round-robin over cores is the one over packages.  Open MPI 4.1.4
    # gives these three on the same topology (an XML of it given with
    # --mca hwloc_base_topo_file, --bind-to core:overload-allowed).
    for r in slot socket core; do
        run --oversubscribe --map-by ppr:2:socket --rank-by $r --bind-to core --report-bindings \
            sh -c "$SHOW"
        expect_rc 0 "ppr:2:socket --rank-by $r"
        got=$(sort "$out" | tr '\n' '|')
        case $r in
        slot) want="0 0|1 0|2 1|3 1|" ;;
        *) want="0 0|1 1|2 0|3 1|" ;;
        esac
        [ "$got" = "$want" ] || fail "ppr:2:socket --rank-by $r: $got, not $want"
    done
    expect_err "rank 2 on .*: bound to core L#0 (cpus 0)" "--rank-by socket report"
    # --map-by socket deals the places round-robin already: by socket too.
    run -n 2 --map-by core --rank-by socket --report-bindings sh -c "$SHOW"
    expect_rc 0 "map-by core, rank-by socket"
    [ "$(sort "$out" | tr '\n' '|')" = "0 0|1 1|" ] || fail "rank-by socket, 2 ranks: $(cat "$out")"
    export HWLOC_SYNTHETIC="pack:1 core:1 pu:2"
    run -n 2 --map-by hwthread --report-bindings sh -c "$SHOW"; expect_rc 0 "2 hwthreads"
    [ "$(sort "$out" | tr '\n' '|')" = "0 0|1 1|" ] || fail "map-by hwthread: $(cat "$out")"
    expect_err "rank 0 on .*: bound to hwthread L#0 (cpus 0)" "map-by hwthread"
    run -n 2 sh -c "$SHOW"; [ "$rc" != 0 ] || fail "2 ranks on 1 core without --oversubscribe"
    expect_err "only 1 slot .*one per core" "1 core, 2 hwthreads"
    run -n 2 --use-hwthread-cpus sh -c "$SHOW"; expect_rc 0 "--use-hwthread-cpus"
    unset HWLOC_SYNTHETIC
fi
no_leftovers "binding"
exit 0
