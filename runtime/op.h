/*
 * op.h -- reduction operations: the predefined MPI_Op on the predefined
 * types, and user functions from MPI_Op_create.
 *
 * Collectives call lark_op_check() once per call (so a bad op/type pair is
 * an error before any message moves) and lark_op_apply() for each block
 * they combine.  Reductions work on the *basic* element type: the caller
 * expands a contiguous derived type into (basic type, count) first, except
 * for user ops, which always see the user's own datatype handle.
 */
#ifndef LARK_OP_H_INCLUDED
#define LARK_OP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "lark.h"

/* A user-defined op (MPI_Op_create).  The MPI_Op handle is a pointer to it.
 * Allocated by MPI_Op_create, freed by MPI_Op_free. */
struct lark_user_op {
    unsigned magic;        /* LARK_USER_OP_MAGIC while alive, to catch bad handles */
    MPI_User_function *fn; /* MPI_Op_create's, or NULL */
    bool commute;
    MPI_User_function_c *fn_c; /* MPI_Op_create_c's (large-count), or NULL */
};
#define LARK_USER_OP_MAGIC 0x4c4f5055u /* "LOPU" */

/* True for MPI_SUM, MPI_MAX, ... (not MPI_OP_NULL, not user ops). */
bool lark_op_is_predefined(MPI_Op op);

/* The user op behind a handle, or NULL if the handle is not a live user op. */
struct lark_user_op *lark_op_user(MPI_Op op);

/* May MPI_Op op combine elements of predefined type `type`?  Returns
 * MPI_SUCCESS, MPI_ERR_OP (null, freed or unknown op, or an op not defined on
 * that type, e.g. MPI_SUM on MPI_BYTE, or MPI_REPLACE/MPI_NO_OP, which
 * exist for one-sided accumulate only).  User ops accept any type. */
int lark_op_check(MPI_Op op, MPI_Datatype type);

/* Is op commutative?  Predefined ops are; user ops say so at creation. */
bool lark_op_commutes(MPI_Op op);

/* inout[i] = in[i] op inout[i] for i < count, elements of `type` (a basic
 * predefined type for predefined ops; any type for user ops).  The order
 * matters for non-commutative user ops: `in` holds the operand of the LOWER
 * rank.  Never fails: call lark_op_check() first. */
void lark_op_apply(MPI_Op op, const void *in, void *inout, size_t count, MPI_Datatype type);

#endif /* LARK_OP_H_INCLUDED */
