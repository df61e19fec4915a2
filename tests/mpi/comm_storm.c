/*
 * comm_storm.c -- thousands of communicator creations and frees (dup,
 * split by parity, split of a split), each checked for size, rank, group
 * translation and comparison, with a collective on each new communicator.
 * Context ids must be recycled, or the run runs out of them.  Then the
 * two halves of the world create different numbers of communicators at
 * the same time, and a communicator spanning both must not reuse an id
 * that either half holds.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int wrank;
#define TEST_NAME "comm_storm"
#include "check.h"

int main(int argc, char **argv)
{
    int size, iters = argc > 1 ? atoi(argv[1]) : 1500;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);

    char name[MPI_MAX_OBJECT_NAME];
    int len, result;
    MPI_Comm_get_name(MPI_COMM_WORLD, name, &len);
    CHECK(strcmp(name, "MPI_COMM_WORLD") == 0, "world is named '%s'", name);

    for (int it = 0; it < iters; it++) {
        MPI_Comm dup, half, quarter;
        MPI_Comm_dup(MPI_COMM_WORLD, &dup);
        MPI_Comm_compare(dup, MPI_COMM_WORLD, &result);
        CHECK(result == MPI_CONGRUENT, "dup compares %d, not MPI_CONGRUENT", result);
        MPI_Comm_compare(dup, dup, &result);
        CHECK(result == MPI_IDENT, "self compare %d", result);

        MPI_Comm_split(dup, wrank % 2, -wrank, &half); /* reversed within parity */
        int hr, hs;
        MPI_Comm_rank(half, &hr);
        MPI_Comm_size(half, &hs);
        CHECK(hs == (size + 1 - wrank % 2) / 2, "half size %d", hs);
        CHECK(hr == hs - 1 - wrank / 2, "half rank %d", hr);

        /* Group translation: rank hr of half is world rank wrank. */
        MPI_Group gw, gh;
        MPI_Comm_group(MPI_COMM_WORLD, &gw);
        MPI_Comm_group(half, &gh);
        int w = -1;
        MPI_Group_translate_ranks(gh, 1, &hr, gw, &w);
        CHECK(w == wrank, "translate gave %d", w);
        int gr, gs;
        MPI_Group_rank(gh, &gr);
        MPI_Group_size(gh, &gs);
        CHECK(gr == hr && gs == hs, "group rank/size %d/%d", gr, gs);
        MPI_Group_free(&gw);
        MPI_Group_free(&gh);
        CHECK(gw == MPI_GROUP_NULL, "Group_free did not reset the handle");

        MPI_Comm_split(half, hr < 2 ? 0 : MPI_UNDEFINED, 0, &quarter);
        if (hr < 2) {
            int v = 1, sum = 0, qs;
            MPI_Comm_size(quarter, &qs);
            MPI_Allreduce(&v, &sum, 1, MPI_INT, MPI_SUM, quarter);
            CHECK(sum == qs, "quarter allreduce %d", sum);
            MPI_Comm_set_name(quarter, "quarter");
            MPI_Comm_get_name(quarter, name, &len);
            CHECK(strcmp(name, "quarter") == 0 && len == 7, "name '%s'", name);
            MPI_Comm_free(&quarter);
            CHECK(quarter == MPI_COMM_NULL, "Comm_free did not reset the handle");
        } else {
            CHECK(quarter == MPI_COMM_NULL, "MPI_UNDEFINED gave a communicator");
        }
        /* A message on dup must not be seen on world, and vice versa. */
        int token = it, got = -1, flag = 0;
        MPI_Sendrecv(&token, 1, MPI_INT, (wrank + 1) % size, 5, &got, 1, MPI_INT,
                     (wrank + size - 1) % size, 5, dup, MPI_STATUS_IGNORE);
        CHECK(got == it, "dup sendrecv got %d", got);
        MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        CHECK(!flag, "a message leaked into MPI_COMM_WORLD");
        MPI_Comm_free(&half);
        MPI_Comm_free(&dup);
    }
    /* Context ids when subsets create communicators at the same time: the
     * even and the odd ranks each make a different number of communicators
     * (so their sets of used ids differ), then everyone makes one that spans
     * both halves.  Messages sent on each must arrive on that one only, even
     * to wildcard receives. */
    {
        MPI_Comm half, kept[8], span;
        MPI_Comm_split(MPI_COMM_WORLD, wrank % 2, wrank, &half);
        int nkept = wrank % 2 ? 3 : 7;
        for (int k = 0; k < nkept; k++)
            MPI_Comm_dup(half, &kept[k]);
        MPI_Comm_dup(MPI_COMM_WORLD, &span);
        int hr, hs;
        MPI_Comm_rank(half, &hr);
        MPI_Comm_size(half, &hs);
        /* On span: to the right neighbour; on each kept: to the next in half. */
        MPI_Request rq[2 * 8 + 2];
        int nrq = 0, in[8 + 1], out[8 + 1];
        out[nkept] = 100000 + wrank;
        MPI_Isend(&out[nkept], 1, MPI_INT, (wrank + 1) % size, 0, span, &rq[nrq++]);
        MPI_Irecv(&in[nkept], 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, span, &rq[nrq++]);
        for (int k = 0; k < nkept; k++) {
            out[k] = (k + 1) * 1000 + wrank;
            MPI_Isend(&out[k], 1, MPI_INT, (hr + 1) % hs, 0, kept[k], &rq[nrq++]);
            MPI_Irecv(&in[k], 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, kept[k], &rq[nrq++]);
        }
        MPI_Waitall(nrq, rq, MPI_STATUSES_IGNORE);
        CHECK(in[nkept] == 100000 + (wrank + size - 1) % size, "span got %d", in[nkept]);
        for (int k = 0; k < nkept; k++)
            CHECK(in[k] / 1000 == k + 1 && (in[k] % 1000) % 2 == wrank % 2,
                  "kept[%d] got %d: a message crossed communicators", k, in[k]);
        for (int k = 0; k < nkept; k++)
            MPI_Comm_free(&kept[k]);
        MPI_Comm_free(&span);
        MPI_Comm_free(&half);
    }

    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("comm_storm: %d rounds of dup/split/free on %d ranks\n", iters, size);
    MPI_Finalize();
    return 0;
}
