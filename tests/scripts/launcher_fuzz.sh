#!/bin/sh
# launcher_fuzz.sh -- mpirun's command line fuzzed: random soups of options,
# values and programs (a fixed seed by default, so a failure can be rerun;
# LARK_FUZZ_SEED picks another, LARK_FUZZ_COUNT how many).  Every input must
# end within LIMIT_MS with no crash and no sanitizer report; a failure must
# say so in a line that starts with "mpirun: "; and nothing may be left
# behind.  As root the inputs run as nobody under a small process limit, so a
# soup that asks for a million ranks cannot start them.
. "$top_srcdir/tests/scripts/launcher_lib.sh"

seed=${LARK_FUZZ_SEED:-20261201}
count=${LARK_FUZZ_COUNT:-120}
LIMIT_MS=${LARK_FUZZ_LIMIT_MS:-3000}
if [ "$(id -u)" = 0 ]; then
    as="setpriv --reuid=nobody --regid=nogroup --clear-groups"
    chmod 777 "$scratch" "$TMPDIR"
else
    as=""
fi
# Hosts other than this one (abc, otherhost) would be started through ssh,
# which the fuzzing is not about (and which may wait on DNS): an agent that
# fails at once stands in for it, so mpirun's own line is the first.
LARK_LAUNCHER_EXEC=false
export LARK_LAUNCHER_EXEC
mkfifo "$scratch/fifo"
mkdir "$scratch/outdir" && chmod 777 "$scratch/outdir"
long=$(printf 'V%0299d' 0)
# The vocabulary; "@" stands for the empty string.
vocab="-n -np -c -N --npernode -ppn --host -H -hosts --hostfile -f --machinefile
--map-by --bind-to --report-bindings --display-map --use-hwthread-cpus --oversubscribe
-x -genv -genvlist -env --tag-output -l --output-filename --timeout --stdin --wdir
--prefix --version -V --help -h --verbose --mca --allow-run-as-root --bogus -q : : --
--n=2 -np=3 --timeout=0.5 --map-by=core:PE=2 --stdin=all -n=0 -x=A=1
0 1 2 3 4 -1 abc 1e3 99999999999 1000000 9999999 @ localhost localhost:2 localhost:0
localhost:99999999 otherhost ,, a,,b :: ::1 ppr:1:node ppr:0:socket ppr:2:numa core:PE=2
core:PE=0 core:span socket numa node slot hwthread none all 0.0001 nan inf -0 1e-300
/dev/zero /dev/null $scratch/fifo $scratch/nodir /nonexistent A=1 1ABC=2 A B=\$PATH
$long $scratch/outdir:nocopy $scratch/outdir %s%n%s \\\\ =
true false /bin/true /nonexistent ./nothing printenv"
printf '%s\n' $vocab >"$scratch/vocab"
awk -v seed="$seed" -v count="$count" '
    { w[n++] = $0 }
    END {
        srand(seed)
        for (i = 0; i < count; i++) {
            len = 1 + int(rand() * 8)
            line = ""
            for (j = 0; j < len; j++)
                line = line (j ? "\t" : "") w[int(rand() * n)]
            # Most soups end with a program, as a user would write them.
            if (rand() < 0.7)
                line = line "\t" (rand() < 0.5 ? "true" : "false")
            print line
        }
    }' "$scratch/vocab" >"$scratch/soups"

i=0 worst=0
tab=$(printf '\t')
while IFS= read -r soup; do
    i=$((i + 1))
    # shellcheck disable=SC2086 # the soup is split on tabs
    set -f; oldifs=$IFS; IFS=$tab; set -- $soup; IFS=$oldifs; set +f
    n=$#
    # "@" becomes an empty argument.
    j=0
    for a in "$@"; do
        [ "$a" = @ ] && a=""
        set -- "$@" "$a"
        j=$((j + 1))
    done
    shift $n
    t0=$(date +%s%N)
    $as prlimit --nproc=16 timeout -k 1 10 "$MPIRUN" "$@" >"$out" 2>"$err" </dev/null
    rc=$?
    ms=$((($(date +%s%N) - t0) / 1000000))
    [ $ms -gt $worst ] && worst=$ms
    what="input $i (seed $seed): mpirun $(printf '%s ' "$@" | cut -c1-300)"
    [ $ms -lt "$LIMIT_MS" ] || { cat "$err"; fail "$what: took $ms ms"; }
    if grep -q 'Sanitizer\|runtime error:' "$err"; then cat "$err"; fail "$what: sanitizer report"; fi
    case $rc in
    0) ;;
    124) grep -q '^mpirun: timeout of' "$err" || { cat "$err"; fail "$what: killed after $ms ms"; } ;;
    1|2|3|4|5|127) head -n 1 "$err" | grep -q '^mpirun: ..' ||
        { echo "--- stderr"; cat "$err"; fail "$what: exit $rc without a clear first line"; } ;;
    *) cat "$err"; fail "$what: exit $rc (a crash?)" ;;
    esac
    # Nothing of this input may linger (checked here, at once: 1 s at most).
    k=0
    while pgrep -f "$scratch/" >/dev/null || pgrep -u nobody -f "^(true|false|printenv|/bin/true)" >/dev/null; do
        k=$((k + 1)); [ $k -gt 20 ] && { pgrep -af "$scratch/"; fail "$what: processes left behind"; }
        sleep 0.05
    done
done <"$scratch/soups"
rm -rf "${scratch:?}/outdir"/* 
echo "argv fuzz: $i inputs (seed $seed), slowest $worst ms, no crash, no hang"
no_leftovers "argv fuzz"
exit 0
