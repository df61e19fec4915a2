/*
 * bad_handles.c -- garbage handles of every kind get their standard error
 * class under MPI_ERRORS_RETURN, never SIGSEGV: small integers that are no
 * predefined handle, addresses of the stack, the heap, unmapped memory and
 * the end of the address space, a freed handle, and a live handle of
 * another kind (communicators, datatypes, ops, requests, error handlers,
 * groups, info objects, messages, windows).  Lark checks a handle against
 * the arena its kind lives in before reading it (runtime/handle.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "bad_handles"
static int wrank;
#include "check.h"

#define NBAD 8
static void *bad[NBAD];

static int *heap; /* bytes that look like a magic, in the heap */

static void fill_bad(void *other_kind, void *freed)
{
    static int on_data;
    bad[0] = (void *)(intptr_t)12345;
    bad[1] = (void *)(intptr_t)0x1000;
    bad[2] = (void *)&on_data;
    bad[3] = (void *)heap;
    bad[4] = (void *)(intptr_t)0xdead0000;
    bad[5] = (void *)(intptr_t)-64;
    bad[6] = other_kind;
    bad[7] = freed;
}

static int class_of(int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        int rc_ = (call);                                                                          \
        CHECK(rc_ != MPI_SUCCESS && class_of(rc_) == (want),                                       \
              "%s with bad handle %d (%p): "                                                       \
              "got %d, want class %d",                                                             \
              #call, i, bad[i], rc_, want);                                                        \
    } while (0)

int main(int argc, char **argv)
{
    CHECK(MPI_Init(&argc, &argv) == MPI_SUCCESS, "init");
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int buf[4] = {1, 2, 3, 4}, out[4], n = 0, flag = 0;
    heap = malloc(64);
    memset(heap, 0x4c, 64);
    MPI_Status st;

    /* A live object of another kind, and a freed object of the same kind. */
    MPI_Group group;
    MPI_Comm_group(MPI_COMM_WORLD, &group);
    MPI_Datatype contig;
    MPI_Type_contiguous(2, MPI_INT, &contig);
    MPI_Type_commit(&contig);

    MPI_Comm dup, freed_comm;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    freed_comm = dup;
    MPI_Comm_free(&dup);
    fill_bad(group, freed_comm);
    for (int i = 0; i < NBAD; i++) {
        MPI_Comm c = (MPI_Comm)bad[i];
        EXPECT(MPI_Send(buf, 1, MPI_INT, 0, 0, c), MPI_ERR_COMM);
        EXPECT(MPI_Comm_rank(c, &n), MPI_ERR_COMM);
        EXPECT(MPI_Barrier(c), MPI_ERR_COMM);
        EXPECT(MPI_Allreduce(buf, out, 1, MPI_INT, MPI_SUM, c), MPI_ERR_COMM);
    }

    MPI_Datatype dt, freed_dt;
    MPI_Type_contiguous(3, MPI_INT, &dt);
    freed_dt = dt;
    MPI_Type_free(&dt);
    fill_bad(group, freed_dt);
    for (int i = 0; i < NBAD; i++) {
        MPI_Datatype t = (MPI_Datatype)bad[i];
        EXPECT(MPI_Send(buf, 1, t, 0, 0, MPI_COMM_WORLD), MPI_ERR_TYPE);
        EXPECT(MPI_Type_size(t, &n), MPI_ERR_TYPE);
        EXPECT(MPI_Allreduce(buf, out, 1, t, MPI_SUM, MPI_COMM_WORLD), MPI_ERR_TYPE);
    }

    MPI_Op op, freed_op;
    MPI_Op_create((MPI_User_function *)(void (*)(void))abort, 1, &op);
    freed_op = op;
    MPI_Op_free(&op);
    fill_bad(contig, freed_op);
    for (int i = 0; i < NBAD; i++) {
        MPI_Op o = (MPI_Op)bad[i];
        EXPECT(MPI_Allreduce(buf, out, 1, MPI_INT, o, MPI_COMM_WORLD), MPI_ERR_OP);
        EXPECT(MPI_Reduce(buf, out, 1, MPI_INT, o, 0, MPI_COMM_WORLD), MPI_ERR_OP);
        EXPECT(MPI_Op_commutative(o, &n), MPI_ERR_OP);
        MPI_Op copy = o;
        EXPECT(MPI_Op_free(&copy), MPI_ERR_OP);
    }

    MPI_Request rq, freed_rq;
    MPI_Isend(buf, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &rq);
    freed_rq = rq;
    MPI_Wait(&rq, MPI_STATUS_IGNORE);
    fill_bad(group, freed_rq);
    for (int i = 0; i < NBAD; i++) {
        MPI_Request r = (MPI_Request)bad[i];
        EXPECT(MPI_Wait(&r, &st), MPI_ERR_REQUEST);
        r = (MPI_Request)bad[i];
        EXPECT(MPI_Test(&r, &flag, &st), MPI_ERR_REQUEST);
        r = (MPI_Request)bad[i];
        EXPECT(MPI_Request_free(&r), MPI_ERR_REQUEST);
        MPI_Request two[2] = {MPI_REQUEST_NULL, (MPI_Request)bad[i]};
        EXPECT(MPI_Waitall(2, two, MPI_STATUSES_IGNORE), MPI_ERR_REQUEST);
    }

    MPI_Errhandler eh, freed_eh;
    MPI_Comm_create_errhandler((MPI_Comm_errhandler_function *)(void (*)(void))abort, &eh);
    freed_eh = eh;
    MPI_Errhandler_free(&eh);
    fill_bad(group, freed_eh);
    for (int i = 0; i < NBAD; i++) {
        int rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, (MPI_Errhandler)bad[i]);
        CHECK(rc != MPI_SUCCESS &&
                  (class_of(rc) == MPI_ERR_ARG || class_of(rc) == MPI_ERR_ERRHANDLER),
              "MPI_Comm_set_errhandler with bad handle %d: got %d", i, rc);
    }

    /* A group of its own (MPI_Comm_group shares the communicator's, which
     * MPI_Group_free does not end). */
    MPI_Group g2, freed_group;
    int first = 0;
    MPI_Group_incl(group, 1, &first, &g2);
    freed_group = g2;
    MPI_Group_free(&g2);
    fill_bad(contig, freed_group);
    for (int i = 0; i < NBAD; i++) {
        MPI_Group g = (MPI_Group)bad[i];
        EXPECT(MPI_Group_size(g, &n), MPI_ERR_GROUP);
        EXPECT(MPI_Group_rank(g, &n), MPI_ERR_GROUP);
    }

    MPI_Info info, freed_info;
    MPI_Info_create(&info);
    freed_info = info;
    MPI_Info_free(&info);
    fill_bad(group, freed_info);
    for (int i = 0; i < NBAD; i++) {
        MPI_Info in = (MPI_Info)bad[i];
        EXPECT(MPI_Info_get_nkeys(in, &n), MPI_ERR_INFO);
        EXPECT(MPI_Info_set(in, "key", "value"), MPI_ERR_INFO);
        MPI_Info copy = in;
        EXPECT(MPI_Info_free(&copy), MPI_ERR_INFO);
    }

    fill_bad(group, (void *)(intptr_t)0x4000);
    for (int i = 0; i < NBAD; i++) {
        MPI_Message m = (MPI_Message)bad[i];
        int rc = MPI_Mrecv(buf, 1, MPI_INT, &m, &st);
        CHECK(rc != MPI_SUCCESS && (class_of(rc) == MPI_ERR_REQUEST || class_of(rc) == MPI_ERR_ARG),
              "MPI_Mrecv with bad message %d: got %d", i, rc);
    }

    MPI_Win win, freed_win;
    MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    freed_win = win;
    MPI_Win_free(&win);
    fill_bad(group, freed_win);
    for (int i = 0; i < NBAD; i++) {
        MPI_Win w = (MPI_Win)bad[i];
        EXPECT(MPI_Win_fence(0, w), MPI_ERR_WIN);
        EXPECT(MPI_Put(buf, 1, MPI_INT, 0, 0, 1, MPI_INT, w), MPI_ERR_WIN);
    }

    /* The good handles still work after all that. */
    CHECK(MPI_Sendrecv(buf, 1, contig, 0, 5, out, 2, MPI_INT, 0, 5, MPI_COMM_WORLD, &st) ==
              MPI_SUCCESS,
          "sendrecv");
    CHECK(out[0] == 1 && out[1] == 2, "data %d %d", out[0], out[1]);
    MPI_Type_free(&contig);
    MPI_Group_free(&group);
    free(heap);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
