/*
 * errclass_churn.c -- a program that adds and removes error classes and
 * codes by the hundred thousand (MPICH's adderr test does 320,000 classes
 * and 1.6 million codes) finishes in seconds: removing a class must not
 * scan every number ever handed out.  Before the fix this ran for many
 * minutes and the harness timeout failed it.  The last round's classes,
 * codes and strings must still read back right.
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int wrank;
#define TEST_NAME "errclass_churn"
#include "check.h"

enum { ROUNDS = 10000, NCLASSES = 32, NCODES = 5 };

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    static int cls[NCLASSES], code[NCLASSES][NCODES];
    char s[MPI_MAX_ERROR_STRING], want[MPI_MAX_ERROR_STRING];
    for (int k = 0; k < ROUNDS; k++) {
        for (int i = 0; i < NCLASSES; i++) {
            CHECK(MPI_Add_error_class(&cls[i]) == MPI_SUCCESS, "round %d: Add_error_class", k);
            for (int j = 0; j < NCODES; j++) {
                CHECK(MPI_Add_error_code(cls[i], &code[i][j]) == MPI_SUCCESS, "Add_error_code");
                snprintf(s, sizeof s, "round %d class %d code %d", k, i, j);
                CHECK(MPI_Add_error_string(code[i][j], s) == MPI_SUCCESS, "Add_error_string");
            }
        }
        if (k == ROUNDS - 1)
            break; /* keep the last round to read back */
        for (int i = 0; i < NCLASSES; i++) {
            /* a class with live codes cannot go */
            CHECK(MPI_Remove_error_class(cls[i]) != MPI_SUCCESS, "removed a class with codes");
            for (int j = 0; j < NCODES; j++) {
                CHECK(MPI_Remove_error_string(code[i][j]) == MPI_SUCCESS, "Remove_error_string");
                CHECK(MPI_Remove_error_code(code[i][j]) == MPI_SUCCESS, "Remove_error_code");
            }
            CHECK(MPI_Remove_error_class(cls[i]) == MPI_SUCCESS, "Remove_error_class");
        }
    }
    for (int i = 0; i < NCLASSES; i++)
        for (int j = 0; j < NCODES; j++) {
            int c, len;
            MPI_Error_class(code[i][j], &c);
            CHECK(c == cls[i], "class of code %d is %d, want %d", code[i][j], c, cls[i]);
            MPI_Error_string(code[i][j], s, &len);
            snprintf(want, sizeof want, "round %d class %d code %d", ROUNDS - 1, i, j);
            CHECK(strcmp(s, want) == 0, "string is '%s', want '%s'", s, want);
        }
    MPI_Finalize();
    return 0;
}
