#!/usr/bin/env python3
"""trace_check.py TRACE.json NRANKS NMSG [NHOSTS] -- checks a trace that
mpirun --trace made of tests/mpi/trace_mix: it is Trace Event JSON as
Perfetto's importer reads it (an object with a traceEvents list; "M"
metadata naming a process per host and a thread per rank; "X" spans with
ts/dur; "s"/"f" flow pairs sharing an id), every message of the program is
drawn once, each arrow starts inside a span of the sender and ends inside
a span of the receiver no earlier than it started (clocks aligned), and
the calls carry their peer, bytes, tag and communicator.  Exit 1 and say
what is wrong otherwise."""
import json
import sys

path, nranks, nmsg = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
nhosts = int(sys.argv[4]) if len(sys.argv) > 4 else None
bad = []
doc = json.load(open(path))
ev = doc["traceEvents"]
procs = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
threads = {e["tid"]: (e["pid"], e["args"]["name"]) for e in ev
           if e["ph"] == "M" and e["name"] == "thread_name"}
if sorted(threads) != list(range(nranks)):
    bad.append("threads %s, expected one per rank 0..%d" % (sorted(threads), nranks - 1))
for tid, (pid, name) in threads.items():
    if name != "rank %d" % tid or pid not in procs:
        bad.append("thread %d is %r in process %r" % (tid, name, pid))
if nhosts is not None and len(procs) != nhosts:
    bad.append("%d host processes (%s), expected %d" % (len(procs), procs, nhosts))
spans = {}
for e in ev:
    if e["ph"] == "X":
        if e["dur"] < 0 or e["ts"] < 0:
            bad.append("span with a negative time: %s" % e)
        spans.setdefault(e["tid"], []).append(e)


def inside(tid, ts, slack=0.002):
    return any(s["ts"] - slack <= ts <= s["ts"] + s["dur"] + slack for s in spans.get(tid, []))


starts = {e["id"]: e for e in ev if e["ph"] == "s"}
ends = {e["id"]: e for e in ev if e["ph"] == "f"}
if len(starts) != nmsg or len(ends) != nmsg or set(starts) != set(ends):
    bad.append("%d flow starts and %d ends, expected %d pairs" % (len(starts), len(ends), nmsg))
for i, s in starts.items():
    f = ends.get(i)
    if f is None:
        continue
    if not inside(s["tid"], s["ts"]):
        bad.append("flow %s starts outside any call of rank %d" % (i, s["tid"]))
    if not inside(f["tid"], f["ts"]):
        bad.append("flow %s ends outside any call of rank %d" % (i, f["tid"]))
    if f["ts"] + 50 < s["ts"]:  # 50 us: what a clock offset measured by round trips may miss
        bad.append("flow %s arrives %.1f us before it left" % (i, s["ts"] - f["ts"]))
for r in range(nranks):
    names = [s["name"] for s in spans.get(r, [])]
    for call in ("MPI_Send", "MPI_Recv", "MPI_Isend", "MPI_Irecv", "MPI_Waitall", "MPI_Sendrecv",
                 "MPI_Bcast", "MPI_Allreduce", "MPI_Comm_split"):
        if call not in names:
            bad.append("rank %d has no %s span" % (r, call))
    for s in spans.get(r, []):
        a = s["args"]
        if s["name"] == "MPI_Send" and (a.get("peer") != (r + 1) % nranks or a.get("bytes") != 4
                                        or a.get("tag") != 1 or a.get("comm") != "MPI_COMM_WORLD"):
            bad.append("rank %d: MPI_Send args %s" % (r, a))
        if s["name"] == "MPI_Isend" and (a.get("comm") != "halo" or a.get("bytes") != 8):
            bad.append("rank %d: MPI_Isend args %s" % (r, a))
        if s["name"] == "MPI_Bcast" and a.get("comm") != "MPI_COMM_WORLD":
            bad.append("rank %d: MPI_Bcast args %s" % (r, a))
for b in bad[:20]:
    print("trace_check: %s: %s" % (path, b))
if bad:
    sys.exit(1)
print("trace_check: %s: %d ranks, %d hosts, %d calls, %d messages: fine" %
      (path, nranks, len(procs), sum(len(v) for v in spans.values()), len(starts)))
