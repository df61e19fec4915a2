/*
 * errcode.h -- error classes and codes the program adds at run time
 * (MPI_Add_error_class, MPI_Add_error_code, MPI_Add_error_string and
 * MPI 4.1's MPI_Remove_error_*).
 *
 * User classes and codes share one numbering above MPI_ERR_LASTCODE (the
 * standard keeps MPI_ERR_LASTCODE fixed and reports the highest one in use
 * through the MPI_LASTUSEDCODE attribute).  A class is its own class; a
 * code belongs to the class it was added to.  The table is process-wide and
 * guarded by its own mutex, so these calls are safe from any thread.
 */
#ifndef LARK_ERRCODE_H_INCLUDED
#define LARK_ERRCODE_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

/* Add a class (errclass < 0) or a code of class `errclass`; the new value
 * in *out.  0, LARK_ERR_ARG (errclass is no class) or LARK_ERR_NOMEM. */
int lark_errcode_add(int errclass, int *out);
/* Remove a user class (no code of it may remain) or code: 0, or
 * LARK_ERR_ARG when it is not a removable one. */
int lark_errcode_remove(int code, bool is_class);
/* Set / drop the string of a user code or class (copied; at most
 * MPI_MAX_ERROR_STRING-1 characters): 0 or LARK_ERR_ARG/NOMEM. */
int lark_errcode_set_string(int code, const char *s);
/* The class of a user code, or -1 when `code` is not a live user code. */
int lark_errcode_class(int code);
/* Copy the string of a user code into buf (MPI_MAX_ERROR_STRING bytes):
 * true if `code` is a live user code (its string may be empty). */
bool lark_errcode_string(int code, char *buf);
/* The highest user code or class in use, or MPI_ERR_LASTCODE. */
int lark_errcode_last(void);

#endif
