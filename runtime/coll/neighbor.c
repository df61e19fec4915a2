/*
 * neighbor.c -- the neighbourhood collectives (MPI_Neighbor_allgather(v),
 * MPI_Neighbor_alltoall(v,w) and their I / _init forms): every process
 * receives one block from each of its sources and sends one block to each
 * of its destinations, all posted at once and waited for together.
 *
 * Which block goes where is the standard's (MPI 4.1 section 8.6, with the
 * MPI 4.0 erratum for periodic dimensions of size 1 and 2): on a
 * Cartesian grid, send block 2d goes to the -1 neighbour of dimension d
 * and lands in ITS block 2d+1, send block 2d+1 goes to the +1 neighbour
 * and lands in its block 2d.  When both neighbours are the same process
 * (a periodic dimension of size 1 or 2) only the order of messages tells
 * the two apart: every message of one run has the same tag, messages
 * between a pair are matched in the order they were posted, so a
 * receiver posts, per dimension, block 2d+1 (from +1) before block 2d
 * (from -1), and a sender sends block 2d (to -1) before 2d+1 (to +1).
 * On graphs and distributed graphs the lists are taken in order, so the
 * k-th edge from a process to another matches the k-th edge the other
 * has from it (repeated edges included).  MPI_PROC_NULL neighbours move
 * nothing.
 */
#include "coll.h"
#include "sched.h"

int lark_sched_neighbor(struct lark_sched *s, int indegree, const int *in, int outdegree,
                        const int *out, bool cart, const void *sbuf, const size_t *sv, void *rbuf,
                        const size_t *rv)
{
    const char *sp = sbuf;
    char *rp = rbuf;
    int rc = 0;
    for (int i = 0; i < indegree && rc == 0; i++) {
        /* Cartesian: 1, 0, 3, 2, ... (see above). */
        int b = cart ? i ^ 1 : i;
        rc = lark_sched_irecv(s, rp + rv[indegree + b], rv[b], in[b], LARK_TAG_NEIGHBOR);
    }
    for (int j = 0; j < outdegree && rc == 0; j++)
        rc = lark_sched_isend(s, sp + sv[outdegree + j], sv[j], out[j], LARK_TAG_NEIGHBOR);
    int wrc = lark_sched_wait(s);
    return rc != 0 ? rc : wrc;
}
