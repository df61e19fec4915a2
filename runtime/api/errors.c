/*
 * errors.c -- the error-handling chapter: error classes and strings, and
 * error handlers on communicators.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "comm.h"
#include "error.h"
#include "runtime.h"

int PMPI_Error_class(int errorcode, int *errorclass)
{
    if (errorclass == NULL)
        return lark_err_raise(NULL, "MPI_Error_class", MPI_ERR_ARG, "errorclass is NULL");
    if (errorcode < 0 || lark_err_string(errorcode) == NULL)
        return lark_err_raise(NULL, "MPI_Error_class", MPI_ERR_ARG, "%d is not an error code",
                              errorcode);
    *errorclass = errorcode; /* Lark's error codes are its classes */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Error_class)

int PMPI_Error_string(int errorcode, char *string, int *resultlen)
{
    if (string == NULL || resultlen == NULL)
        return lark_err_raise(NULL, "MPI_Error_string", MPI_ERR_ARG, "NULL argument");
    const char *s = lark_err_string(errorcode);
    if (s == NULL)
        return lark_err_raise(NULL, "MPI_Error_string", MPI_ERR_ARG, "%d is not an error code",
                              errorcode);
    size_t n = strlen(s);
    if (n >= MPI_MAX_ERROR_STRING)
        n = MPI_MAX_ERROR_STRING - 1;
    memcpy(string, s, n);
    string[n] = '\0';
    *resultlen = (int)n;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Error_string)

int PMPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
{
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (c == NULL)
        return lark_err_raise(NULL, "MPI_Comm_set_errhandler", MPI_ERR_COMM,
                              "invalid communicator");
    struct lark_errhandler *eh = lark_errhandler_from_handle(errhandler);
    if (eh == NULL)
        return lark_err_raise(c, "MPI_Comm_set_errhandler", MPI_ERR_ARG, "invalid error handler");
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
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (c == NULL)
        return lark_err_raise(NULL, "MPI_Comm_get_errhandler", MPI_ERR_COMM,
                              "invalid communicator");
    if (errhandler == NULL)
        return lark_err_raise(c, "MPI_Comm_get_errhandler", MPI_ERR_ARG, "errhandler is NULL");
    lark_lock();
    lark_errhandler_retain(c->errhandler); /* the user frees it with MPI_Errhandler_free */
    *errhandler = c->errhandler->handle;
    lark_unlock();
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_get_errhandler)

int PMPI_Comm_create_errhandler(MPI_Comm_errhandler_function *fn, MPI_Errhandler *errhandler)
{
    if (fn == NULL || errhandler == NULL)
        return lark_err_raise(NULL, "MPI_Comm_create_errhandler", MPI_ERR_ARG, "NULL argument");
    /* Freed when the last reference goes (lark_errhandler_release). */
    struct lark_errhandler *eh = calloc(1, sizeof *eh);
    if (eh == NULL)
        return lark_err_raise(NULL, "MPI_Comm_create_errhandler", LARK_ERR_NOMEM, "out of memory");
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
    if (errhandler == NULL)
        return lark_err_raise(NULL, "MPI_Errhandler_free", MPI_ERR_ARG, "NULL argument");
    struct lark_errhandler *eh = lark_errhandler_from_handle(*errhandler);
    if (eh == NULL)
        return lark_err_raise(NULL, "MPI_Errhandler_free", MPI_ERR_ARG, "invalid error handler");
    lark_lock();
    lark_errhandler_release(eh);
    lark_unlock();
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Errhandler_free)

int PMPI_Comm_call_errhandler(MPI_Comm comm, int errorcode)
{
    struct lark_comm *c = lark_comm_from_handle(comm);
    if (c == NULL)
        return lark_err_raise(NULL, "MPI_Comm_call_errhandler", MPI_ERR_COMM,
                              "invalid communicator");
    lark_err_raise(c, "MPI_Comm_call_errhandler", errorcode, "called by the program");
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Comm_call_errhandler)
