/*
 * intercomm.c -- intercommunicators between the two halves of the world:
 * MPI_Intercomm_create over MPI_COMM_WORLD, the remote size and group,
 * every rank sending to and receiving from every remote rank (sources and
 * payloads checked), a leader ping-pong, MPI_Comm_dup of the
 * intercommunicator, MPI_Intercomm_merge both ways (low group first, then
 * a tie), and MPI_Intercomm_create_from_groups (MPI 4).  For 2..9 ranks.
 * The high side holds more communicators than the low one, so the two
 * sides' maps of free context ids differ.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int wrank, wsize;
#define TEST_NAME "intercomm"
#include "check.h"

static void works(MPI_Comm c, const char *what)
{
    int r, n, sum = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &n);
    MPI_Allreduce(&r, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(sum == n * (n - 1) / 2, "%s: allreduce gave %d (size %d)", what, sum, n);
}

/* Everyone sends its (local rank, world rank) to every remote rank and
 * receives one message from each. */
static void all_to_remote(MPI_Comm inter, int tag)
{
    int lr, ls, rs;
    MPI_Comm_rank(inter, &lr);
    MPI_Comm_size(inter, &ls);
    MPI_Comm_remote_size(inter, &rs);
    int *in = malloc(sizeof(int) * 2 * (size_t)rs), out[2] = {lr, wrank};
    MPI_Request *req = malloc(sizeof(MPI_Request) * 2 * (size_t)rs);
    for (int r = 0; r < rs; r++) {
        MPI_Irecv(&in[2 * r], 2, MPI_INT, r, tag, inter, &req[r]);
        MPI_Isend(out, 2, MPI_INT, r, tag, inter, &req[rs + r]);
    }
    MPI_Waitall(2 * rs, req, MPI_STATUSES_IGNORE);
    MPI_Group remote;
    MPI_Comm_remote_group(inter, &remote);
    MPI_Group world;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    for (int r = 0; r < rs; r++) {
        int w;
        MPI_Group_translate_ranks(remote, 1, &r, world, &w);
        CHECK(in[2 * r] == r && in[2 * r + 1] == w, "from remote %d got (%d, %d), want (%d, %d)", r,
              in[2 * r], in[2 * r + 1], r, w);
    }
    /* A wildcard receive reports the remote rank as the source. */
    MPI_Status st;
    if (lr == 0)
        MPI_Send(out, 2, MPI_INT, 0, tag + 1, inter);
    if (lr == 0) {
        MPI_Recv(in, 2, MPI_INT, MPI_ANY_SOURCE, tag + 1, inter, &st);
        CHECK(st.MPI_SOURCE == 0 && in[0] == 0, "wildcard source %d", st.MPI_SOURCE);
    }
    MPI_Group_free(&remote);
    MPI_Group_free(&world);
    free(in);
    free(req);
}

static void ping_pong(MPI_Comm inter, int low)
{
    int lr, v = 0;
    MPI_Comm_rank(inter, &lr);
    if (lr != 0)
        return;
    for (int i = 0; i < 200; i++) {
        if (low) {
            v = i;
            MPI_Send(&v, 1, MPI_INT, 0, 9, inter);
            MPI_Recv(&v, 1, MPI_INT, 0, 9, inter, MPI_STATUS_IGNORE);
            CHECK(v == i + 1, "pong %d at %d", v, i);
        } else {
            MPI_Recv(&v, 1, MPI_INT, 0, 9, inter, MPI_STATUS_IGNORE);
            CHECK(v == i, "ping %d at %d", v, i);
            v++;
            MPI_Send(&v, 1, MPI_INT, 0, 9, inter);
        }
    }
}

static void merge(MPI_Comm inter, int low, int nlow)
{
    MPI_Comm m;
    int lr, r, n;
    MPI_Comm_rank(inter, &lr);
    MPI_Intercomm_merge(inter, !low, &m);
    MPI_Comm_rank(m, &r);
    MPI_Comm_size(m, &n);
    CHECK(n == wsize, "merged size %d", n);
    CHECK(r == (low ? lr : nlow + lr), "merged rank %d (low %d, local %d)", r, low, lr);
    works(m, "merge");
    int inter_flag;
    MPI_Comm_test_inter(m, &inter_flag);
    CHECK(!inter_flag, "the merged communicator is an intercommunicator");
    MPI_Comm_free(&m);
    /* A tie: both sides high; one side goes first, consistently. */
    MPI_Intercomm_merge(inter, 1, &m);
    MPI_Comm_size(m, &n);
    CHECK(n == wsize, "tied merge size %d", n);
    works(m, "tied merge");
    MPI_Comm_free(&m);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(wsize >= 2, "needs 2 ranks or more");
    int nlow = wsize / 2, low = wrank < nlow;
    MPI_Comm half, inter, dup;
    MPI_Comm_split(MPI_COMM_WORLD, low, wrank, &half);
    /* Context ids in use on the high side only: the intercommunicator's id
     * must still be the same at every member of both sides, leaders or not
     * (each side learns the leaders' combined map; a member that kept its
     * own side's would pick another id and nothing would match). */
    MPI_Comm busy[3];
    for (int i = 0; i < 3 && !low; i++)
        MPI_Comm_dup(half, &busy[i]);
    MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, low ? nlow : 0, 17, &inter);

    int flag, rs, ls;
    MPI_Comm_test_inter(inter, &flag);
    CHECK(flag, "not an intercommunicator");
    MPI_Comm_size(inter, &ls);
    MPI_Comm_remote_size(inter, &rs);
    CHECK(ls == (low ? nlow : wsize - nlow) && rs == wsize - ls, "sizes %d/%d", ls, rs);

    for (int i = 0; i < 5; i++) {
        all_to_remote(inter, 100 + 2 * i);
        ping_pong(inter, low);
        merge(inter, low, nlow);
        MPI_Comm_dup(inter, &dup);
        all_to_remote(dup, 3);
        int result;
        MPI_Comm_compare(inter, dup, &result);
        CHECK(result == MPI_CONGRUENT, "dup of the intercommunicator compares %d", result);
        MPI_Comm_free(&dup);
    }

#if MPI_VERSION >= 4
    MPI_Group world, lg, rg;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    int range_low[1][3] = {{0, nlow - 1, 1}}, range_high[1][3] = {{nlow, wsize - 1, 1}};
    MPI_Group_range_incl(world, 1, low ? range_low : range_high, &lg);
    MPI_Group_range_incl(world, 1, low ? range_high : range_low, &rg);
    MPI_Comm fg;
    MPI_Intercomm_create_from_groups(lg, 0, rg, 0, "lark-intercomm-test", MPI_INFO_NULL,
                                     MPI_ERRORS_RETURN, &fg);
    all_to_remote(fg, 5);
    merge(fg, low, nlow);
    MPI_Comm_free(&fg);
    MPI_Group_free(&lg);
    MPI_Group_free(&rg);
    MPI_Group_free(&world);
#endif
    MPI_Comm_free(&inter);
    for (int i = 0; i < 3 && !low; i++)
        MPI_Comm_free(&busy[i]);
    MPI_Comm_free(&half);
    MPI_Finalize();
    return 0;
}
