/*
 * comm_threads_order.c -- communicator constructors entered in different
 * orders by different processes (MPI_THREAD_MULTIPLE), the case that once
 * wedged the context-id agreement.
 *
 * Rank 0 runs two threads: one duplicates cx, and a moment later the other
 * duplicates cy (cx is older, so its agreement has the higher priority).
 * Every other rank, single-threaded, duplicates cy first and cx only then.
 * The standard allows this (the two calls of rank 0 are on different
 * communicators), so it must complete: rank 0's cx agreement cannot finish
 * before the others reach it, and it must not keep rank 0's cy agreement
 * from offering ids meanwhile.  Each round also swaps which of the two
 * communicators is the older one, and the last rounds use MPI_Comm_split
 * and MPI_Comm_create_group instead of MPI_Comm_dup.
 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int wrank, wsize;
#define TEST_NAME "comm_threads_order"
#include "check.h"

enum { DUP, SPLIT, CREATE_GROUP, NKINDS };

struct make {
    MPI_Comm parent, made;
    int kind;
    int delay_ms;
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void make_comm(struct make *m)
{
    sleep_ms(m->delay_ms);
    if (m->kind == DUP) {
        MPI_Comm_dup(m->parent, &m->made);
    } else if (m->kind == SPLIT) {
        MPI_Comm_split(m->parent, 0, wsize - wrank, &m->made);
    } else {
        MPI_Group g;
        MPI_Comm_group(m->parent, &g);
        MPI_Comm_create_group(m->parent, g, 7, &m->made);
        MPI_Group_free(&g);
    }
}

static void *thread_main(void *arg)
{
    make_comm(arg);
    return NULL;
}

static void works(MPI_Comm c, int salt)
{
    int n, r, in, sum = -1;
    MPI_Comm_size(c, &n);
    MPI_Comm_rank(c, &r);
    in = r + salt;
    MPI_Allreduce(&in, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(n == wsize && sum == n * (n - 1) / 2 + n * salt, "allreduce gave %d (size %d)", sum, n);
}

int main(int argc, char **argv)
{
    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d", provided);
    CHECK(wsize >= 2, "needs 2 ranks or more");
    for (int round = 0; round < 6; round++) {
        MPI_Comm older, newer;
        MPI_Comm_dup(MPI_COMM_WORLD, &older);
        MPI_Comm_dup(MPI_COMM_WORLD, &newer);
        /* cx: the higher-priority (older) one on even rounds, the other
         * one on odd rounds. */
        MPI_Comm cx = round % 2 ? newer : older, cy = round % 2 ? older : newer;
        int kind = round < 2 ? DUP : round < 4 ? SPLIT : CREATE_GROUP;
        struct make x = {cx, MPI_COMM_NULL, kind, 0}, y = {cy, MPI_COMM_NULL, kind, 50};
        if (wrank == 0) {
            pthread_t tx, ty;
            pthread_create(&tx, NULL, thread_main, &x);
            pthread_create(&ty, NULL, thread_main, &y);
            pthread_join(tx, NULL);
            pthread_join(ty, NULL);
        } else {
            y.delay_ms = 200;
            make_comm(&y);
            make_comm(&x);
        }
        works(x.made, round);
        works(y.made, 2 * round);
        int result;
        MPI_Comm_compare(x.made, y.made, &result);
        CHECK(result == MPI_CONGRUENT, "the two new communicators compare %d", result);
        MPI_Comm_free(&x.made);
        MPI_Comm_free(&y.made);
        MPI_Comm_free(&older);
        MPI_Comm_free(&newer);
    }
    MPI_Finalize();
    return 0;
}
