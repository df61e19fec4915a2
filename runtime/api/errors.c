/*
 * errors.c -- the error-handling chapter: error classes and strings
 * (predefined and added by the program), and error handlers on
 * communicators.  The error-class calls work before MPI_Init and after
 * MPI_Finalize.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "errcode.h"
#include "error.h"
#include "handle.h"
#include "runtime.h"

int PMPI_Error_class(int errorcode, int *errorclass)
{
    static const char call[] = "MPI_Error_class";
    if (errorclass == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "errorclass is NULL");
    if (errorcode >= 0 && lark_err_string(errorcode) != NULL) {
        *errorclass = errorcode; /* Lark's predefined codes are its classes */
        return MPI_SUCCESS;
    }
    int c = lark_errcode_class(errorcode);
    if (c < 0)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "%d is not an error code", errorcode);
    *errorclass = c;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Error_class)

int PMPI_Error_string(int errorcode, char *string, int *resultlen)
{
    static const char call[] = "MPI_Error_string";
    if (string == NULL || resultlen == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "string or resultlen is NULL");
    const char *s = lark_err_string(errorcode);
    if (s != NULL)
        snprintf(string, MPI_MAX_ERROR_STRING, "%s", s);
    else if (!lark_errcode_string(errorcode, string))
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "%d is not an error code", errorcode);
    *resultlen = (int)strlen(string);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Error_string)

int PMPI_Add_error_class(int *errorclass)
{
    static const char call[] = "MPI_Add_error_class";
    if (errorclass == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "errorclass is NULL");
    int rc = lark_errcode_add(-1, errorclass);
    if (rc != 0)
        return lark_err_raise(NULL, call, rc, "could not add an error class");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Add_error_class)

int PMPI_Add_error_code(int errorclass, int *errorcode)
{
    static const char call[] = "MPI_Add_error_code";
    if (errorcode == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "errorcode is NULL");
    if (errorclass < 0)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "%d is not an error class", errorclass);
    int rc = lark_errcode_add(errorclass, errorcode);
    if (rc == LARK_ERR_ARG)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "%d is not an error class (predefined or added)", errorclass);
    if (rc != 0)
        return lark_err_raise(NULL, call, rc, "could not add an error code");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Add_error_code)

int PMPI_Add_error_string(int errorcode, const char *string)
{
    static const char call[] = "MPI_Add_error_string";
    if (string == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "string is NULL");
    if (strnlen(string, MPI_MAX_ERROR_STRING) >= MPI_MAX_ERROR_STRING)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "the string is longer than MPI_MAX_ERROR_STRING-1 (%d)",
                              MPI_MAX_ERROR_STRING - 1);
    int rc = lark_errcode_set_string(errorcode, string);
    if (rc == LARK_ERR_ARG)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "%d is not an error code or class added by the program "
                              "(predefined strings cannot be changed)",
                              errorcode);
    if (rc != 0)
        return lark_err_raise(NULL, call, rc, "could not set the error string");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Add_error_string)

int PMPI_Remove_error_class(int errorclass)
{
    if (lark_errcode_remove(errorclass, true) != 0)
        return lark_err_raise(NULL, "MPI_Remove_error_class", MPI_ERR_ARG,
                              "%d is not a class added by the program, or codes of it remain",
                              errorclass);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Remove_error_class)

int PMPI_Remove_error_code(int errorcode)
{
    if (lark_errcode_remove(errorcode, false) != 0)
        return lark_err_raise(NULL, "MPI_Remove_error_code", MPI_ERR_ARG,
                              "%d is not a code added by the program", errorcode);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Remove_error_code)

int PMPI_Remove_error_string(int errorcode)
{
    if (lark_errcode_set_string(errorcode, NULL) != 0)
        return lark_err_raise(NULL, "MPI_Remove_error_string", MPI_ERR_ARG,
                              "%d is not a code or class added by the program", errorcode);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Remove_error_string)

static int get_comm(const char *call, MPI_Comm comm, struct lark_comm **c)
{
    if (!lark_initialized())
        return lark_err_raise(NULL, call, MPI_ERR_OTHER,
                              "called before MPI_Init or after MPI_Finalize");
    *c = lark_comm_from_handle(comm);
    if (*c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_COMM, "the communicator is not valid");
    return MPI_SUCCESS;
}

int PMPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
{
    static const char call[] = "MPI_Comm_set_errhandler";
    struct lark_comm *c;
    int err = get_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_errhandler *eh = lark_errhandler_from_handle(errhandler);
    if (eh == NULL)
        return lark_err_raise(c, call, MPI_ERR_ERRHANDLER, "the error handler is not valid");
    lark_lock();
    lark_errhandler_retain(eh);
    struct lark_errhandler *old = c->errhandler;
    c->errhandler = eh;
    lark_unlock();
    if (old != NULL)
        lark_errhandler_release(old);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_set_errhandler)

int PMPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler *errhandler)
{
    static const char call[] = "MPI_Comm_get_errhandler";
    struct lark_comm *c;
    int err = get_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (errhandler == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "errhandler is NULL");
    lark_lock();
    lark_errhandler_retain(c->errhandler); /* the user frees it with MPI_Errhandler_free */
    *errhandler = c->errhandler->handle;
    lark_unlock();
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_get_errhandler)

int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    static const char call[] = "MPI_Comm_create_errhandler";
    if (fn == NULL || errhandler == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "the function or errhandler is NULL");
    /* Freed when the last reference goes (lark_errhandler_release). */
    struct lark_errhandler *eh = lark_handle_alloc(LARK_HANDLE_ERRHANDLER, sizeof *eh, true);
    if (eh == NULL)
        return lark_err_raise(NULL, call, LARK_ERR_NOMEM, "out of memory");
    eh->magic = LARK_ERRHANDLER_MAGIC;
    eh->comm_fn = fn;
    eh->refcount = 1;
    eh->handle = (MPI_Errhandler)eh;
    *errhandler = eh->handle;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_create_errhandler)

int PMPI_Errhandler_free(MPI_Errhandler *errhandler)
{
    static const char call[] = "MPI_Errhandler_free";
    if (errhandler == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "errhandler is NULL");
    struct lark_errhandler *eh = lark_errhandler_from_handle(*errhandler);
    if (eh == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ERRHANDLER, "the error handler is not valid");
    lark_lock();
    lark_errhandler_release(eh);
    lark_unlock();
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Errhandler_free)

int PMPI_Comm_call_errhandler(MPI_Comm comm, int errorcode)
{
    static const char call[] = "MPI_Comm_call_errhandler";
    struct lark_comm *c;
    int err = get_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    lark_err_raise(c, call, errorcode, "called by the program");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_call_errhandler)
