/*
 * op.c (api) -- MPI_Op_create(_c) and MPI_Op_free.  The kernels are in
 * runtime/op.c.
 */
#include <stdlib.h>

#include "error.h"
#include "handle.h"
#include "op.h"
#include "runtime.h"

/* MPI_Op_create (fn) or MPI_Op_create_c (fn_c): one of them is set. */
static int op_create(const char *call, MPI_User_function *fn, MPI_User_function_c *fn_c,
                     int commute, MPI_Op *op)
{
    if (fn == NULL && fn_c == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "the user function is NULL");
    if (op == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "op (the output argument) is NULL");
    /* Freed by MPI_Op_free. */
    struct lark_user_op *u = lark_handle_alloc(LARK_HANDLE_OP, sizeof *u, false);
    if (u == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    u->magic = LARK_USER_OP_MAGIC;
    u->fn = fn;
    u->fn_c = fn_c;
    u->commute = commute != 0;
    *op = (MPI_Op)u;
    return MPI_SUCCESS;
}

int PMPI_Op_create(MPI_User_function *fn, int commute, MPI_Op *op)
{
    return op_create("MPI_Op_create", fn, NULL, commute, op);
}
LARK_API_ALIAS(Op_create)

int PMPI_Op_create_c(MPI_User_function_c *fn, int commute, MPI_Op *op)
{
    return op_create("MPI_Op_create_c", NULL, fn, commute, op);
}
LARK_API_ALIAS(Op_create_c)

int PMPI_Op_free(MPI_Op *op)
{
    static const char call[] = "MPI_Op_free";
    if (op == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "op is NULL");
    if (lark_op_is_predefined(*op))
        return lark_err_raise(NULL, call, MPI_ERR_OP, "a predefined op cannot be freed");
    struct lark_user_op *u = lark_op_user(*op);
    if (u == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_OP, "the op is not valid (already freed?)");
    u->magic = 0;
    lark_handle_free(LARK_HANDLE_OP, u, sizeof *u);
    *op = MPI_OP_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Op_free)

int PMPI_Op_commutative(MPI_Op op, int *commute)
{
    static const char call[] = "MPI_Op_commutative";
    if (commute == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "commute is NULL");
    if (!lark_op_is_predefined(op) && lark_op_user(op) == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_OP, "the op is not valid");
    *commute = lark_op_commutes(op);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Op_commutative)
