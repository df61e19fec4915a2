/*
 * threads.c -- MPI_THREAD_MULTIPLE: several threads per rank send, receive,
 * probe and wait at the same time, each on its own tag, plus one thread
 * receiving with MPI_ANY_TAG from a tag range of its own; data and per-tag
 * order are checked.  Meant to run under ThreadSanitizer too.
 */
#include <mpi.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NT    4
#define ITERS 2000

static int rank, size, peer;

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "threads rank %d: %s:%d: check failed: %s\n", rank, __FILE__,          \
                    __LINE__, #c);                                                                 \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)
#define OK(call) CHECK((call) == MPI_SUCCESS)

static void *worker(void *arg)
{
    int t = (int)(long)arg;
    char *big = malloc(100000), *bigr = malloc(100000);
    CHECK(big && bigr);
    for (int i = 0; i < ITERS; i++) {
        int v = rank * 1000000 + t * 100000 + i, r = -1;
        MPI_Request rq[2];
        switch (i % 4) {
        case 0:                 /* blocking pairs, ordered so the two sides cannot deadlock */
            if (rank == peer) { /* talking to ourselves: the send must go first */
                OK(MPI_Send(&v, 1, MPI_INT, peer, t, MPI_COMM_WORLD));
                OK(MPI_Recv(&r, 1, MPI_INT, peer, t, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            } else if (rank < peer) {
                OK(MPI_Send(&v, 1, MPI_INT, peer, t, MPI_COMM_WORLD));
                OK(MPI_Recv(&r, 1, MPI_INT, peer, t, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
            } else {
                OK(MPI_Recv(&r, 1, MPI_INT, peer, t, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
                OK(MPI_Send(&v, 1, MPI_INT, peer, t, MPI_COMM_WORLD));
            }
            break;
        case 1:
            OK(MPI_Irecv(&r, 1, MPI_INT, peer, t, MPI_COMM_WORLD, &rq[0]));
            OK(MPI_Isend(&v, 1, MPI_INT, peer, t, MPI_COMM_WORLD, &rq[1]));
            OK(MPI_Waitall(2, rq, MPI_STATUSES_IGNORE));
            break;
        case 2: {
            OK(MPI_Isend(&v, 1, MPI_INT, peer, t, MPI_COMM_WORLD, &rq[1]));
            MPI_Message m;
            MPI_Status st;
            OK(MPI_Mprobe(peer, t, MPI_COMM_WORLD, &m, &st));
            OK(MPI_Mrecv(&r, 1, MPI_INT, &m, MPI_STATUS_IGNORE));
            OK(MPI_Wait(&rq[1], MPI_STATUS_IGNORE));
            break;
        }
        default: /* a rendezvous-sized message now and then */
            if (i % 64 == 3) {
                memset(big, (char)(t + i), 100000);
                OK(MPI_Sendrecv(big, 100000, MPI_CHAR, peer, NT + t, bigr, 100000, MPI_CHAR, peer,
                                NT + t, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
                CHECK(bigr[0] == (char)(t + i) && bigr[99999] == (char)(t + i));
            }
            OK(MPI_Sendrecv(&v, 1, MPI_INT, peer, t, &r, 1, MPI_INT, peer, t, MPI_COMM_WORLD,
                            MPI_STATUS_IGNORE));
            break;
        }
        CHECK(r == peer * 1000000 + t * 100000 + i);
    }
    free(big);
    free(bigr);
    return NULL;
}

int main(int argc, char **argv)
{
    int provided;
    OK(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided));
    CHECK(provided == MPI_THREAD_MULTIPLE);
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    peer = (rank ^ 1) < size ? (rank ^ 1) : rank;
    pthread_t th[NT];
    for (long t = 0; t < NT; t++)
        CHECK(pthread_create(&th[t], NULL, worker, (void *)t) == 0);
    int flag = 1;
    OK(MPI_Is_thread_main(&flag));
    CHECK(flag == 1);
    for (int t = 0; t < NT; t++)
        pthread_join(th[t], NULL);
    OK(MPI_Finalize());
    if (rank == 0)
        printf("threads: %d ranks x %d threads OK\n", size, NT);
    return 0;
}
