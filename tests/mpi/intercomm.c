/*
 * intercomm.c -- intercommunicators between the two halves of the world:
 * MPI_Intercomm_create over MPI_COMM_WORLD, the remote size and group,
 * every rank sending to and receiving from every remote rank (sources and
 * payloads checked), a leader ping-pong, MPI_Comm_dup of the
 * intercommunicator, MPI_Intercomm_merge both ways (low group first, then
 * a tie), and MPI_Intercomm_create_from_groups (MPI 4).  For 2..9 ranks.
 * The high side holds more communicators than the low one, so the two
 * sides' maps of free context ids differ.  Also MPI_Comm_split and
 * MPI_Comm_create of the intercommunicator, MPI_Comm_split_type of it
 * (MPI 4.1 lets every split make intercommunicators), and the calls that
 * refuse one with MPI_ERR_COMM (scans, topologies, windows,
 * MPI_Comm_create_group).
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

/* Calls defined on intracommunicators only give MPI_ERR_COMM (never a
 * hang or a wrong answer); the collectives defined on intercommunicators
 * are tested in inter_coll.c. */
static void refused(MPI_Comm inter)
{
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    int v = 1, w = 0, cls, dims[1] = {0}, periods[1] = {0};
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Comm cart = MPI_COMM_NULL;
    MPI_Win win = MPI_WIN_NULL;
    struct {
        const char *what;
        int rc;
    } calls[] = {
        {"MPI_Scan", MPI_Scan(&v, &w, 1, MPI_INT, MPI_SUM, inter)},
        {"MPI_Iexscan", MPI_Iexscan(&v, &w, 1, MPI_INT, MPI_SUM, inter, &req)},
        {"MPI_Cart_create", MPI_Cart_create(inter, 1, dims, periods, 0, &cart)},
        {"MPI_Win_create", MPI_Win_create(&v, sizeof v, 1, MPI_INFO_NULL, inter, &win)},
        {"MPI_Comm_create_group", MPI_Comm_create_group(inter, MPI_GROUP_EMPTY, 0, &cart)},
    };
    for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++) {
        MPI_Error_class(calls[i].rc, &cls);
        CHECK(cls == MPI_ERR_COMM, "%s on an intercommunicator gave class %d, not MPI_ERR_COMM",
              calls[i].what, cls);
    }
    CHECK(req == MPI_REQUEST_NULL && cart == MPI_COMM_NULL && win == MPI_WIN_NULL,
          "a refused call returned a handle");
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_ARE_FATAL);
}

/* MPI_Comm_split and MPI_Comm_create on the intercommunicator: each side
 * splits by local rank parity (rank 2 opts out), in reverse key order;
 * then each side keeps all but its last member, then one side keeps no
 * one (everyone gets MPI_COMM_NULL). */
static void split_create(MPI_Comm inter, int low)
{
    int lr, ls, rs;
    MPI_Comm_rank(inter, &lr);
    MPI_Comm_size(inter, &ls);
    MPI_Comm_remote_size(inter, &rs);
    int color = lr == 2 ? MPI_UNDEFINED : lr % 2;
    MPI_Comm s;
    MPI_Comm_split(inter, color, -lr, &s);
    /* The members of my colour on each side: 0, (1), 3, 4, 5, ... */
    int lcount = 0, rcount = 0, above = 0;
    for (int r = 0; r < ls; r++)
        if (r != 2 && r % 2 == color) {
            lcount++;
            above += r > lr;
        }
    for (int r = 0; r < rs; r++)
        rcount += r != 2 && r % 2 == color;
    if (color == MPI_UNDEFINED || rcount == 0) {
        CHECK(s == MPI_COMM_NULL, "split colour %d with %d remote members gave a communicator",
              color, rcount);
    } else {
        int flag, n, m, r;
        MPI_Comm_test_inter(s, &flag);
        MPI_Comm_size(s, &n);
        MPI_Comm_remote_size(s, &m);
        MPI_Comm_rank(s, &r);
        CHECK(flag && n == lcount && m == rcount && r == above,
              "split: inter %d size %d/%d remote %d/%d rank %d/%d", flag, n, lcount, m, rcount, r,
              above);
        all_to_remote(s, 40);
        MPI_Comm_free(&s);
    }
    MPI_Group lg, sub;
    MPI_Comm_group(inter, &lg);
    int drop[1] = {ls - 1};
    if (ls > 1)
        MPI_Group_excl(lg, 1, drop, &sub);
    else
        MPI_Group_incl(lg, 1, drop, &sub);
    MPI_Comm c;
    MPI_Comm_create(inter, sub, &c);
    int in = ls == 1 || lr != ls - 1;
    if (!in) {
        CHECK(c == MPI_COMM_NULL, "create: a non-member got a communicator");
    } else {
        int n, m;
        MPI_Comm_size(c, &n);
        MPI_Comm_remote_size(c, &m);
        CHECK(n == (ls > 1 ? ls - 1 : 1) && m == (rs > 1 ? rs - 1 : 1), "create: sizes %d/%d", n,
              m);
        all_to_remote(c, 50);
        MPI_Comm_free(&c);
    }
    MPI_Group_free(&sub);
    /* The low side gives the empty group: no one gets a communicator. */
    MPI_Comm_create(inter, low ? MPI_GROUP_EMPTY : lg, &c);
    CHECK(c == MPI_COMM_NULL, "create with one side empty gave a communicator");
    MPI_Group_free(&lg);
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

/* MPI_Comm_split_type on the intercommunicator: the processes of both
 * sides of one type make one intercommunicator, as MPI_Comm_split with
 * that colour; a type found on one side only gives MPI_COMM_NULL.  One
 * host here, so SHARED keeps everyone, in the same order. */
static void split_types(MPI_Comm inter)
{
    MPI_Comm s;
    int flag, result;
    MPI_Comm_split_type(inter, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &s);
    CHECK(s != MPI_COMM_NULL, "SHARED split of the intercommunicator gave MPI_COMM_NULL");
    MPI_Comm_test_inter(s, &flag);
    MPI_Comm_compare(inter, s, &result);
    CHECK(flag && result == MPI_CONGRUENT, "SHARED split: inter %d, compares %d", flag, result);
    all_to_remote(s, 60);
    MPI_Comm_free(&s);
    MPI_Comm_split_type(inter, MPI_UNDEFINED, 0, MPI_INFO_NULL, &s);
    CHECK(s == MPI_COMM_NULL, "MPI_UNDEFINED split of the intercommunicator gave a communicator");
#if MPI_VERSION >= 4
    int ls, rs;
    MPI_Comm_size(inter, &ls);
    MPI_Comm_remote_size(inter, &rs);
    static const char *const levels[] = {"mpi_shared_memory", "Package", "NUMANode",
                                         "L3Cache",           "Core",    "PU"};
    MPI_Info info;
    MPI_Info_create(&info);
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        MPI_Info_set(info, "mpi_hw_resource_type", levels[i]);
        MPI_Comm_split_type(inter, MPI_COMM_TYPE_HW_GUIDED, 0, info, &s);
        if (i == 0)
            CHECK(s != MPI_COMM_NULL, "HW_GUIDED mpi_shared_memory gave MPI_COMM_NULL");
        if (s == MPI_COMM_NULL)
            continue;
        int n, m;
        MPI_Comm_test_inter(s, &flag);
        MPI_Comm_size(s, &n);
        MPI_Comm_remote_size(s, &m);
        CHECK(flag && n >= 1 && n <= ls && m >= 1 && m <= rs, "HW_GUIDED %s: inter %d sizes %d/%d",
              levels[i], flag, n, m);
        all_to_remote(s, 61);
        MPI_Comm_free(&s);
    }
    MPI_Info_free(&info);
    MPI_Comm_split_type(inter, MPI_COMM_TYPE_HW_UNGUIDED, 0, MPI_INFO_NULL, &s);
    if (s != MPI_COMM_NULL) {
        all_to_remote(s, 62);
        MPI_Comm_free(&s);
    }
#endif
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

    refused(inter);
    split_create(inter, low);
    split_types(inter);
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
