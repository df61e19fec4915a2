/* hello.c -- the smallest MPI program, for timing startup: the wall time of
 * "mpirun -n N hello" is measured from outside by bench/compare (run.c).
 *
 * It prints one line from rank 0, "hello <ranks>", and, given an expected
 * job size as its argument, fails when MPI_COMM_WORLD has another size.
 */
#include <mpi.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc > 1 && atoi(argv[1]) != size) {
        fprintf(stderr, "hello: rank %d: MPI_COMM_WORLD has %d ranks, expected %s\n", rank, size,
                argv[1]);
        MPI_Abort(MPI_COMM_WORLD, 3);
    }
    if (rank == 0)
        printf("hello %d\n", size);
    MPI_Finalize();
    return 0;
}
