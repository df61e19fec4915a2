/*
 * comm_threads.c -- communicator storms from several threads at once
 * (MPI_THREAD_MULTIPLE): each thread owns a duplicate of the world and,
 * concurrently with the others, dups it, splits it over overlapping
 * subsets, creates subcommunicators with MPI_Comm_create and
 * MPI_Comm_create_group, checks each with an allreduce and frees them.
 * Context ids agreed concurrently must never collide: a collision mixes
 * messages of two communicators and the allreduce sums come out wrong (or
 * the run hangs, which the test's timeout catches).
 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static int wrank, wsize, iters;
#define TEST_NAME "comm_threads"
#include "check.h"

#define NTHREADS 3

static void works(MPI_Comm c, int salt)
{
    int r, n, in, sum = -1;
    MPI_Comm_rank(c, &r);
    MPI_Comm_size(c, &n);
    in = r + salt;
    MPI_Allreduce(&in, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK(sum == n * (n - 1) / 2 + n * salt, "allreduce gave %d (size %d, salt %d)", sum, n, salt);
}

struct job {
    int t;
    MPI_Comm comm;
};

static void *run(void *arg)
{
    struct job *j = arg;
    MPI_Group g, sub;
    MPI_Comm_group(j->comm, &g);
    for (int it = 0; it < iters; it++) {
        MPI_Comm d, s, c;
        MPI_Comm_dup(j->comm, &d);
        works(d, j->t);
        /* Overlapping subsets: the split colour moves with the thread. */
        MPI_Comm_split(d, (wrank + j->t + it) % 2, wrank, &s);
        works(s, it);
        /* The first ceil(n/2)+t ranks, by MPI_Comm_create. */
        int n = (wsize + 1) / 2 + j->t;
        n = n > wsize ? wsize : n;
        int range[1][3] = {{0, n - 1, 1}};
        MPI_Group_range_incl(g, 1, range, &sub);
        MPI_Comm_create(d, sub, &c);
        if (c != MPI_COMM_NULL) {
            works(c, 2 * it);
            MPI_Comm_free(&c);
        }
        /* Members only: the last n ranks, tag per thread. */
        MPI_Group_free(&sub);
        int r2[1][3] = {{wsize - n, wsize - 1, 1}};
        MPI_Group_range_incl(g, 1, r2, &sub);
        if (wrank >= wsize - n) {
            MPI_Comm_create_group(j->comm, sub, j->t, &c);
            works(c, j->t);
            MPI_Comm_free(&c);
        }
        MPI_Group_free(&sub);
        MPI_Comm_free(&s);
        MPI_Comm_free(&d);
    }
    MPI_Group_free(&g);
    return NULL;
}

int main(int argc, char **argv)
{
    int provided;
    iters = argc > 1 ? atoi(argv[1]) : 100;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &wsize);
    CHECK(provided == MPI_THREAD_MULTIPLE, "provided %d", provided);
    struct job jobs[NTHREADS];
    pthread_t th[NTHREADS];
    for (int t = 0; t < NTHREADS; t++) {
        jobs[t].t = t;
        MPI_Comm_dup(MPI_COMM_WORLD, &jobs[t].comm);
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_create(&th[t], NULL, run, &jobs[t]);
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);
    for (int t = 0; t < NTHREADS; t++)
        MPI_Comm_free(&jobs[t].comm);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
}
