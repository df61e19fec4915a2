/*
 * check.h -- CHECK(cond, fmt, ...) for the MPI test programs: when cond is
 * false, print the program, the rank, the line and the reason on stderr and
 * end the whole job with MPI_Abort.  The including file defines TEST_NAME
 * and an int `wrank` (its rank in MPI_COMM_WORLD).
 */
#ifndef LARK_TEST_CHECK_H
#define LARK_TEST_CHECK_H

#include <mpi.h>
#include <stdio.h>

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s: rank %d: line %d: ", TEST_NAME, wrank, __LINE__);                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            MPI_Abort(MPI_COMM_WORLD, 1);                                                          \
        }                                                                                          \
    } while (0)

#endif
