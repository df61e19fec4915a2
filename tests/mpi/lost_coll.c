/*
 * lost_coll.c -- collectives and one-sided synchronisation with a dead
 * rank, under mpirun --enable-recovery and MPI_ERRORS_RETURN (lost_coll.sh).
 *
 *   lost_coll OP    4 ranks; rank 3 dies (SIGKILL) while ranks 0-2 wait
 *                   for it in OP (barrier, bcast from rank 3, allreduce,
 *                   fence; lock: an exclusive lock on rank 3 after its
 *                   death).  OP returns MPI_ERR_PROC_ABORTED on every
 *                   survivor, then so do later barriers, bcasts (from a
 *                   live root), allreduces, fences and locks on rank 3, at
 *                   once; the survivors still talk point to point and
 *                   finalize.  Each survivor prints "lost_coll: rank R: OK".
 */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int rank, bad;
static MPI_Win win;

static void expect_lost(const char *what, int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    if (cls != MPI_ERR_PROC_ABORTED) {
        fprintf(stderr, "lost_coll: rank %d: %s gave class %d, not MPI_ERR_PROC_ABORTED\n", rank,
                what, cls);
        bad++;
    }
}

static int run(const char *op, int root)
{
    int x = rank, sum = 0;
    if (strcmp(op, "barrier") == 0)
        return MPI_Barrier(MPI_COMM_WORLD);
    if (strcmp(op, "bcast") == 0)
        return MPI_Bcast(&x, 1, MPI_INT, root, MPI_COMM_WORLD);
    if (strcmp(op, "allreduce") == 0)
        return MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (strcmp(op, "fence") == 0)
        return MPI_Win_fence(0, win);
    if (strcmp(op, "lock") == 0) {
        int rc = MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 3, 0, win);
        if (rc == MPI_SUCCESS) {
            fprintf(stderr, "lost_coll: rank %d: a lock on the dead rank 3 was granted\n", rank);
            MPI_Win_unlock(3, win);
        }
        return rc;
    }
    fprintf(stderr, "lost_coll: unknown operation %s\n", op);
    MPI_Abort(MPI_COMM_WORLD, 2);
    return MPI_ERR_ARG;
}

int main(int argc, char **argv)
{
    int size, cell = 0;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 4 || argc != 2) {
        fprintf(stderr, "lost_coll: run 4 ranks with an operation\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    const char *op = argv[1];
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Win_create(&cell, sizeof cell, sizeof cell, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    MPI_Win_fence(0, win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 3) {
        usleep(300000); /* the others are waiting for it by now */
        raise(SIGKILL);
    }
    if (strcmp(op, "lock") == 0)
        usleep(600000); /* a lock after the death */
    expect_lost(op, run(op, 3));
    /* Every later one fails at once, whatever the root. */
    const char *all[] = {"barrier", "bcast", "allreduce", "fence", "lock"};
    for (int i = 0; i < 5; i++) {
        char what[64];
        snprintf(what, sizeof what, "a later %s", all[i]);
        expect_lost(what, run(all[i], 0));
    }
    /* The survivors still talk to each other. */
    int peer = rank == 0 ? 1 : rank == 1 ? 0 : -1, got = -1;
    if (peer >= 0) {
        int rc = MPI_Sendrecv(&rank, 1, MPI_INT, peer, 5, &got, 1, MPI_INT, peer, 5, MPI_COMM_WORLD,
                              MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS || got != peer) {
            fprintf(stderr, "lost_coll: rank %d: the exchange with rank %d failed\n", rank, peer);
            bad++;
        }
    }
    if (rank == 2 && MPI_Send(&rank, 1, MPI_INT, 0, 6, MPI_COMM_WORLD) != MPI_SUCCESS)
        bad++;
    if (rank == 0 &&
        (MPI_Recv(&got, 1, MPI_INT, 2, 6, MPI_COMM_WORLD, MPI_STATUS_IGNORE) != MPI_SUCCESS ||
         got != 2)) {
        fprintf(stderr, "lost_coll: rank 0: the message from rank 2 did not come\n");
        bad++;
    }
    MPI_Finalize();
    if (bad == 0)
        printf("lost_coll: rank %d: OK\n", rank);
    return bad != 0;
}
