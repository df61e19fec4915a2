#!/usr/bin/env python3
"""plot.py TRACE.json OUT.png [FROM_US TO_US] -- draw a trace that
mpirun --trace made, with gnuplot: one row per rank (grouped by host), a
box per MPI call (blue: point to point, orange: collectives, grey: the
rest), an arrow per message from its send to its receive.  For the README
and for a quick look without Perfetto; FROM_US/TO_US pick a window."""
import json
import subprocess
import sys

path, png = sys.argv[1], sys.argv[2]
ev = json.load(open(path))["traceEvents"]
spans = [e for e in ev if e["ph"] == "X"]
lo = float(sys.argv[3]) if len(sys.argv) > 3 else min(e["ts"] for e in spans)
hi = float(sys.argv[4]) if len(sys.argv) > 4 else max(e["ts"] + e["dur"] for e in spans)
hosts = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
ranks = sorted({e["tid"] for e in spans})
row = {r: i for i, r in enumerate(ranks)}
P2P = ("Send", "Recv", "Isend", "Irecv", "Wait", "Sendrecv", "Test", "Probe", "Ssend", "Bsend",
       "Rsend", "Mrecv", "Improbe", "Iprobe")
COLL = ("Barrier", "Bcast", "Reduce", "Allreduce", "Gather", "Scatter", "Allgather", "Alltoall",
        "Scan", "Exscan", "Reduce_scatter", "Finalize")


def color(name):
    base = name[4:].split("_c")[0]
    if base.startswith(COLL) or base.startswith(tuple("I" + c for c in COLL)):
        return "#e08020"
    if base.startswith(P2P):
        return "#3070c0"
    return "#a0a0a0"


cmds = []
obj = 1
for e in spans:
    t0, t1 = max(e["ts"], lo), min(e["ts"] + e["dur"], hi)
    if t1 < lo or t0 > hi:
        continue
    y = row[e["tid"]]
    cmds.append("set object %d rect from %f,%f to %f,%f fc rgb '%s' fs solid 0.85 border lc rgb 'white'" %
                (obj, t0, y - 0.3, max(t1, t0 + (hi - lo) / 2000), y + 0.3, color(e["name"])))
    obj += 1
starts = {e["id"]: e for e in ev if e["ph"] == "s"}
for f in (e for e in ev if e["ph"] == "f"):
    s = starts.get(f["id"])
    if s is None or not (lo <= s["ts"] <= hi and lo <= f["ts"] <= hi):
        continue
    cmds.append("set arrow from %f,%f to %f,%f lc rgb '#202020' lw 1 size %f,20" %
                (s["ts"], row[s["tid"]], f["ts"], row[f["tid"]], (hi - lo) / 150))
labels = ", ".join('"rank %d (%s)" %d' % (r, hosts.get(next(e["pid"] for e in spans if e["tid"] == r), "?"),
                                          row[r]) for r in ranks)
script = """set terminal pngcairo size 1100,%d font ',10'
set output '%s'
set xrange [%f:%f]
set yrange [-0.7:%f] reverse
set ytics (%s)
set xlabel 'time (microseconds)'
set title '%s: blue point to point, orange collectives, arrows messages'
unset key
%s
plot NaN notitle
""" % (120 + 45 * len(ranks), png, lo, hi, len(ranks) - 0.3, labels, path.split("/")[-1],
       "\n".join(cmds))
subprocess.run(["gnuplot"], input=script.encode(), check=True)
