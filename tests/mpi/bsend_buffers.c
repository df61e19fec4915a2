/*
 * bsend_buffers.c -- MPI 4.1's buffers for buffered sends: a buffer per
 * communicator (MPI_Comm_attach_buffer & co), flushing (MPI_Buffer_flush,
 * MPI_Buffer_iflush, MPI_Comm_flush_buffer, MPI_Comm_iflush_buffer), and
 * MPI_BUFFER_AUTOMATIC.  Rank 0 sends, rank 1 receives (other ranks only
 * take part in the barriers).  Messages of 1 MiB go by rendezvous, so a
 * buffered copy stays in the buffer until the receiver takes it: that is
 * what the flushes wait for.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "bsend_buffers"
static int wrank;
#include "check.h"

enum { BIG = 1 << 20 };
static char *msg, *got;
static int room; /* one BIG message in a buffer */

static void fill(int salt)
{
    for (int i = 0; i < BIG; i++)
        msg[i] = (char)(i * 7 + salt);
}

static void recv_check(MPI_Comm comm, int tag, int salt)
{
    memset(got, 0, BIG);
    MPI_Recv(got, BIG, MPI_CHAR, 0, tag, comm, MPI_STATUS_IGNORE);
    for (int i = 0; i < BIG; i++)
        CHECK(got[i] == (char)(i * 7 + salt), "tag %d: byte %d is %d", tag, i, got[i]);
}

#define EXPECT(call, want)                                                                         \
    do {                                                                                           \
        int rc_ = (call), cls_;                                                                    \
        MPI_Error_class(rc_, &cls_);                                                               \
        CHECK(rc_ != MPI_SUCCESS && cls_ == (want), "%s gave class %d, expected %d", #call, cls_,  \
              want);                                                                               \
    } while (0)

/* A flush waits for the sends started before it, and frees their room. */
static void test_process_flush(void)
{
    void *buf = malloc((size_t)room);
    MPI_Buffer_attach(buf, room);
    if (wrank == 0) {
        fill(1);
        CHECK(MPI_Bsend(msg, BIG, MPI_CHAR, 1, 1, MPI_COMM_WORLD) == MPI_SUCCESS, "MPI_Bsend");
        /* The buffer is full until rank 1 receives (after the barrier). */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        EXPECT(MPI_Bsend(msg, 10, MPI_CHAR, 1, 9, MPI_COMM_WORLD), MPI_ERR_BUFFER);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Request req;
        int flag = 1;
        CHECK(MPI_Buffer_iflush(&req) == MPI_SUCCESS, "MPI_Buffer_iflush");
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        CHECK(!flag, "the flush completed before the message was received");
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        /* The room is back: the same message fits again. */
        fill(2);
        CHECK(MPI_Bsend(msg, BIG, MPI_CHAR, 1, 2, MPI_COMM_WORLD) == MPI_SUCCESS, "MPI_Bsend 2");
        MPI_Barrier(MPI_COMM_WORLD);
        CHECK(MPI_Buffer_flush() == MPI_SUCCESS, "MPI_Buffer_flush");
        fill(3);
        CHECK(MPI_Bsend(msg, BIG, MPI_CHAR, 1, 3, MPI_COMM_WORLD) == MPI_SUCCESS, "MPI_Bsend 3");
    } else {
        MPI_Barrier(MPI_COMM_WORLD);
        if (wrank == 1)
            recv_check(MPI_COMM_WORLD, 1, 1);
        MPI_Barrier(MPI_COMM_WORLD);
        if (wrank == 1) {
            recv_check(MPI_COMM_WORLD, 2, 2);
            recv_check(MPI_COMM_WORLD, 3, 3);
        }
    }
    /* A flush with nothing pending completes at once. */
    MPI_Request req;
    int flag = 0;
    if (wrank != 0) {
        MPI_Buffer_iflush(&req);
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        CHECK(flag && req == MPI_REQUEST_NULL, "an empty flush did not complete at once");
    }
    void *back;
    int sz;
    MPI_Buffer_detach(&back, &sz); /* waits for message 3 */
    CHECK(back == buf && sz == room, "MPI_Buffer_detach gave %p %d", back, sz);
    free(buf);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* A communicator's own buffer: used by its sends only, flushed and
 * detached on its own. */
static void test_comm_buffer(void)
{
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    void *buf = malloc((size_t)room);
    CHECK(MPI_Comm_attach_buffer(dup, buf, room) == MPI_SUCCESS, "MPI_Comm_attach_buffer");
    if (wrank == 0) {
        fill(4);
        CHECK(MPI_Bsend(msg, BIG, MPI_CHAR, 1, 4, dup) == MPI_SUCCESS, "MPI_Bsend on dup");
        /* No process buffer: a buffered send on another communicator has
         * no room at all. */
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        EXPECT(MPI_Bsend(msg, 1, MPI_CHAR, 1, 4, MPI_COMM_WORLD), MPI_ERR_BUFFER);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        MPI_Request req;
        int flag = 1;
        CHECK(MPI_Comm_iflush_buffer(dup, &req) == MPI_SUCCESS, "MPI_Comm_iflush_buffer");
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        CHECK(!flag, "the communicator's flush completed early");
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        fill(5);
        MPI_Bsend(msg, BIG, MPI_CHAR, 1, 5, dup);
        CHECK(MPI_Comm_flush_buffer(dup) == MPI_SUCCESS, "MPI_Comm_flush_buffer");
    } else {
        MPI_Barrier(MPI_COMM_WORLD);
        if (wrank == 1) {
            recv_check(dup, 4, 4);
            recv_check(dup, 5, 5);
        }
    }
    void *back;
    MPI_Count sz;
    CHECK(MPI_Comm_detach_buffer_c(dup, &back, &sz) == MPI_SUCCESS, "MPI_Comm_detach_buffer_c");
    CHECK(back == buf && sz == room, "MPI_Comm_detach_buffer_c gave %p %lld", back, (long long)sz);
    /* Attach again with the _c form, and free the communicator with the
     * buffer still attached. */
    CHECK(MPI_Comm_attach_buffer_c(dup, buf, (MPI_Count)room) == MPI_SUCCESS,
          "MPI_Comm_attach_buffer_c");
    if (wrank == 0) {
        fill(6);
        MPI_Bsend(msg, 100, MPI_CHAR, 1, 6, dup);
    } else if (wrank == 1) {
        MPI_Recv(got, 100, MPI_CHAR, 0, 6, dup, MPI_STATUS_IGNORE);
        CHECK(got[99] == (char)(99 * 7 + 6), "message 6");
    }
    int isz;
    CHECK(MPI_Comm_detach_buffer(dup, &back, &isz) == MPI_SUCCESS && isz == room,
          "MPI_Comm_detach_buffer");
    MPI_Comm_attach_buffer(dup, buf, room);
    MPI_Comm_free(&dup);
    free(buf);
    MPI_Barrier(MPI_COMM_WORLD);
}

/* MPI_BUFFER_AUTOMATIC: no limit; detach hands back the constant. */
static void test_automatic(void)
{
    CHECK(MPI_Buffer_attach(MPI_BUFFER_AUTOMATIC, 0) == MPI_SUCCESS, "automatic attach");
    if (wrank == 0) {
        for (int k = 0; k < 8; k++) { /* 8 MiB: far beyond any size attached */
            fill(10 + k);
            CHECK(MPI_Bsend(msg, BIG, MPI_CHAR, 1, 10 + k, MPI_COMM_WORLD) == MPI_SUCCESS,
                  "automatic MPI_Bsend %d", k);
        }
        MPI_Request req;
        MPI_Ibsend(msg, 5, MPI_CHAR, 1, 30, MPI_COMM_WORLD, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 1) {
        for (int k = 0; k < 8; k++)
            recv_check(MPI_COMM_WORLD, 10 + k, 10 + k);
        MPI_Recv(got, 5, MPI_CHAR, 0, 30, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    void *back = NULL;
    int sz;
    CHECK(MPI_Buffer_detach(&back, &sz) == MPI_SUCCESS && back == MPI_BUFFER_AUTOMATIC,
          "automatic detach gave %p", back);
    /* per communicator too */
    CHECK(MPI_Comm_attach_buffer(MPI_COMM_WORLD, MPI_BUFFER_AUTOMATIC, 0) == MPI_SUCCESS,
          "automatic comm attach");
    if (wrank == 0) {
        fill(40);
        MPI_Bsend(msg, BIG, MPI_CHAR, 1, 40, MPI_COMM_WORLD);
    } else if (wrank == 1) {
        recv_check(MPI_COMM_WORLD, 40, 40);
    }
    CHECK(MPI_Comm_detach_buffer(MPI_COMM_WORLD, &back, &sz) == MPI_SUCCESS &&
              back == MPI_BUFFER_AUTOMATIC,
          "automatic comm detach");
    MPI_Barrier(MPI_COMM_WORLD);
}

static void test_errors(void)
{
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF,
                            MPI_ERRORS_RETURN); /* errors on SELF go to its handler */
    char small[64];
    void *back;
    int sz;
    MPI_Count csz;
    EXPECT(MPI_Buffer_detach(&back, &sz), MPI_ERR_BUFFER);
    EXPECT(MPI_Comm_detach_buffer(MPI_COMM_WORLD, &back, &sz), MPI_ERR_BUFFER);
    EXPECT(MPI_Comm_detach_buffer_c(MPI_COMM_SELF, &back, &csz), MPI_ERR_BUFFER);
    EXPECT(MPI_Buffer_attach(small, -1), MPI_ERR_BUFFER);
    EXPECT(MPI_Comm_attach_buffer(MPI_COMM_WORLD, small, -5), MPI_ERR_BUFFER);
    EXPECT(MPI_Comm_attach_buffer(MPI_COMM_NULL, small, 64), MPI_ERR_COMM);
    EXPECT(MPI_Comm_attach_buffer_c(MPI_COMM_WORLD, NULL, 64), MPI_ERR_BUFFER);
    EXPECT(MPI_Comm_flush_buffer(MPI_COMM_NULL), MPI_ERR_COMM);
    EXPECT(MPI_Comm_iflush_buffer(MPI_COMM_WORLD, NULL), MPI_ERR_ARG);
    EXPECT(MPI_Buffer_iflush(NULL), MPI_ERR_ARG);
    CHECK(MPI_Comm_attach_buffer(MPI_COMM_WORLD, small, 64) == MPI_SUCCESS, "attach");
    EXPECT(MPI_Comm_attach_buffer(MPI_COMM_WORLD, small, 64), MPI_ERR_BUFFER);
    EXPECT(MPI_Comm_detach_buffer(MPI_COMM_WORLD, NULL, &sz), MPI_ERR_ARG);
    EXPECT(MPI_Comm_detach_buffer(MPI_COMM_WORLD, &back, NULL), MPI_ERR_ARG);
    /* 64 bytes cannot hold one message plus MPI_BSEND_OVERHEAD */
    EXPECT(MPI_Bsend(small, 1, MPI_CHAR, wrank, 0, MPI_COMM_WORLD), MPI_ERR_BUFFER);
    CHECK(MPI_Comm_detach_buffer(MPI_COMM_WORLD, &back, &sz) == MPI_SUCCESS && back == small &&
              sz == 64,
          "detach");
    CHECK(MPI_Buffer_flush() == MPI_SUCCESS, "a flush with no buffer attached");
    CHECK(MPI_Comm_flush_buffer(MPI_COMM_WORLD) == MPI_SUCCESS, "a comm flush with none attached");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    int size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(size >= 2, "run on 2 or more ranks");
    msg = malloc(BIG);
    got = malloc(BIG);
    MPI_Pack_size(BIG, MPI_CHAR, MPI_COMM_WORLD, &room);
    room += MPI_BSEND_OVERHEAD;
    test_process_flush();
    test_comm_buffer();
    test_automatic();
    test_errors();
    free(msg);
    free(got);
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("bsend_buffers: OK on %d ranks\n", size);
    MPI_Finalize();
    return 0;
}
