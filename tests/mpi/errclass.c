/*
 * errclass.c -- error classes and codes added by the program: classes and
 * codes get distinct values above MPI_ERR_LASTCODE, MPI_Error_class maps a
 * code to its class, strings are set, replaced and removed (MPI 4.1),
 * MPI_LASTUSEDCODE follows, and a user error handler receives a user code
 * through MPI_Comm_call_errhandler.  Also: every predefined class has a
 * string, bad arguments get MPI_ERR_ARG, and MPI-1's MPI_Errhandler_set,
 * _get and _create still compile and work (Lark).
 */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

static int wrank;
#define TEST_NAME "errclass"
#include "check.h"

static int seen_code = -1;
static void handler(MPI_Comm *comm, int *code, ...)
{
    (void)comm;
    seen_code = *code;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);

    char s[MPI_MAX_ERROR_STRING];
    int len, cls, c2;
    for (int c = MPI_SUCCESS; c <= MPI_ERR_UNSUPPORTED_OPERATION; c++) {
        CHECK(MPI_Error_string(c, s, &len) == MPI_SUCCESS && len > 0, "no string for class %d", c);
        CHECK(MPI_Error_class(c, &cls) == MPI_SUCCESS && cls == c, "class of %d is %d", c, cls);
    }

    int myclass, mycode1, mycode2, *last, flag;
    CHECK(MPI_Add_error_class(&myclass) == MPI_SUCCESS, "Add_error_class");
    CHECK(myclass > MPI_ERR_LASTCODE, "user class %d not above MPI_ERR_LASTCODE", myclass);
    CHECK(MPI_Add_error_code(myclass, &mycode1) == MPI_SUCCESS, "Add_error_code");
    CHECK(MPI_Add_error_code(MPI_ERR_ARG, &mycode2) == MPI_SUCCESS, "code of a predefined class");
    CHECK(mycode1 != myclass && mycode2 != mycode1, "codes %d %d %d", myclass, mycode1, mycode2);
    MPI_Error_class(mycode1, &cls);
    CHECK(cls == myclass, "class of the user code is %d, want %d", cls, myclass);
    MPI_Error_class(mycode2, &cls);
    CHECK(cls == MPI_ERR_ARG, "class of code 2 is %d", cls);
#ifndef OPEN_MPI /* Open MPI 4.1 gets this wrong */
    MPI_Error_class(myclass, &cls);
    CHECK(cls == myclass, "a class is its own class (got %d for %d)", cls, myclass);
#endif
    MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_LASTUSEDCODE, &last, &flag);
    CHECK(flag && *last >= mycode1 && *last >= mycode2 && *last >= myclass, "LASTUSEDCODE %d",
          flag ? *last : -1);

    CHECK(MPI_Add_error_string(mycode1, "my very own error") == MPI_SUCCESS, "Add_error_string");
    MPI_Error_string(mycode1, s, &len);
    CHECK(strcmp(s, "my very own error") == 0 && len == (int)strlen(s), "string '%s'", s);
    MPI_Add_error_string(mycode1, "replaced");
    MPI_Error_string(mycode1, s, &len);
    CHECK(strcmp(s, "replaced") == 0, "replaced string '%s'", s);
    MPI_Error_string(myclass, s, &len); /* no string set: empty */
    CHECK(len == 0, "unset string has length %d", len);
    /* Predefined strings cannot be changed; unknown codes are refused. */
    CHECK(MPI_Add_error_string(MPI_ERR_ARG, "no") != MPI_SUCCESS, "changed a predefined string");
    CHECK(MPI_Add_error_code(mycode1, &c2) != MPI_SUCCESS, "a code is not a class");
    int rc = MPI_Error_class(MPI_ERR_LASTCODE + 100000, &cls);
    MPI_Error_class(rc, &c2);
    CHECK(c2 == MPI_ERR_ARG, "class of an unknown code: %d", c2);

    /* A user handler sees a user code. */
    MPI_Errhandler eh;
    MPI_Comm_create_errhandler(handler, &eh);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, eh);
    MPI_Comm_call_errhandler(MPI_COMM_WORLD, mycode1);
    CHECK(seen_code == mycode1, "the handler saw %d", seen_code);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Errhandler_free(&eh);
    CHECK(eh == MPI_ERRHANDLER_NULL, "Errhandler_free did not reset the handle");
    rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRHANDLER_NULL);
    CHECK(rc != MPI_SUCCESS, "set MPI_ERRHANDLER_NULL succeeded");

#ifdef LARK_MPI
    /* MPI-1's names (removed in MPI-3.0, no ABI symbols): Lark's mpi.h maps
     * them to their replacements, so old programs still build and run. */
    MPI_Errhandler old, got;
    seen_code = -1;
    CHECK(MPI_Errhandler_create(handler, &eh) == MPI_SUCCESS, "MPI_Errhandler_create");
    CHECK(MPI_Errhandler_get(MPI_COMM_WORLD, &old) == MPI_SUCCESS, "MPI_Errhandler_get");
    CHECK(old == MPI_ERRORS_RETURN, "MPI_Errhandler_get gave another handler");
    CHECK(MPI_Errhandler_set(MPI_COMM_WORLD, eh) == MPI_SUCCESS, "MPI_Errhandler_set");
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &got);
    CHECK(got == eh, "MPI_Errhandler_set did not set it");
    MPI_Errhandler_free(&got);
    MPI_Comm_call_errhandler(MPI_COMM_WORLD, mycode2);
    CHECK(seen_code == mycode2, "the MPI-1 handler saw %d", seen_code);
    rc = MPI_Errhandler_set(MPI_COMM_NULL, MPI_ERRORS_RETURN);
    MPI_Error_class(rc, &cls);
    CHECK(cls == MPI_ERR_COMM, "MPI_Errhandler_set(MPI_COMM_NULL) gave class %d", cls);
    MPI_Errhandler_set(MPI_COMM_WORLD, old);
    MPI_Errhandler_free(&eh);
#endif

#if MPI_VERSION > 4 || (MPI_VERSION == 4 && MPI_SUBVERSION >= 1)
    /* MPI 4.1: remove them again; a class with codes cannot go first. */
    CHECK(MPI_Remove_error_class(myclass) != MPI_SUCCESS, "removed a class that has codes");
    CHECK(MPI_Remove_error_string(mycode1) == MPI_SUCCESS, "Remove_error_string");
    MPI_Error_string(mycode1, s, &len);
    CHECK(len == 0, "string still there after removal: '%s'", s);
    CHECK(MPI_Remove_error_code(mycode1) == MPI_SUCCESS, "Remove_error_code");
    CHECK(MPI_Remove_error_code(mycode2) == MPI_SUCCESS, "Remove_error_code 2");
    CHECK(MPI_Remove_error_class(myclass) == MPI_SUCCESS, "Remove_error_class");
    CHECK(MPI_Error_class(mycode1, &cls) != MPI_SUCCESS, "a removed code still has a class");
    CHECK(MPI_Remove_error_code(MPI_ERR_ARG) != MPI_SUCCESS, "removed a predefined code");
#endif
    MPI_Finalize();
    return 0;
}
