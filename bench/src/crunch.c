/* crunch.c -- a compute-bound job: every rank computes for about WORK_MS
 * of CPU time, then all ranks add one number (MPI_Allreduce), ROUNDS
 * times.  With more ranks than cores and other jobs on the machine, its
 * wall time shows how much of the CPU the job gets (bench/sessions.sh).
 *
 *   crunch [ROUNDS [WORK_MS]]          (default 200 rounds of 2 ms)
 *
 * Prints "crunch <ranks> 0 <seconds>": rank 0's wall time of the rounds.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* About ms milliseconds of arithmetic on this machine: calibrated once
 * per rank on the CPU clock, so it measures work, not wall time. */
static double spin(long n)
{
    volatile double x = 1.0;
    for (long i = 0; i < n; i++)
        x = x * 1.0000001 + 1e-9;
    return x;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int rounds = argc > 1 ? atoi(argv[1]) : 200;
    double work_ms = argc > 2 ? atof(argv[2]) : 2.0;
    long n = 1000000;
    double t0 = cpu_s();
    spin(n);
    double per = (cpu_s() - t0) / (double)n;
    /* Every rank does the same work: rank 0's calibration decides. */
    MPI_Bcast(&per, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    n = (long)(work_ms * 1e-3 / per);
    double sum = 0, one = 1;
    MPI_Barrier(MPI_COMM_WORLD);
    double w0 = MPI_Wtime();
    for (int r = 0; r < rounds; r++) {
        spin(n);
        MPI_Allreduce(&one, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        if (sum != size) {
            fprintf(stderr, "crunch: rank %d: sum %g, expected %d\n", rank, sum, size);
            MPI_Abort(MPI_COMM_WORLD, 3);
        }
    }
    double w = MPI_Wtime() - w0;
    if (rank == 0)
        printf("crunch %d 0 %.4g\n", size, w);
    MPI_Finalize();
    return 0;
}
