/*
 * lark.h -- what every file of libmpi includes first.
 *
 * It pulls in the public mpi.h with default visibility, so that every MPI_X
 * and PMPI_X declared there is exported from libmpi.so, while everything
 * else (built with -fvisibility=hidden) stays internal.  LARK_API_ALIAS(X)
 * makes MPI_X a weak alias of PMPI_X, the implementation.
 *
 * It also brings in the internal return convention (status.h), shared with
 * the transports.
 */
#ifndef LARK_H_INCLUDED
#define LARK_H_INCLUDED

#pragma GCC visibility push(default)
#include "mpi.h"
#pragma GCC visibility pop

#include <stddef.h>
#include <stdint.h>

#define LARK_PRAGMA_(x) _Pragma(#x)
/* Define MPI_<name> as a weak alias of PMPI_<name>.  Use once, at file
 * scope, after the definition of PMPI_<name>. */
#define LARK_API_ALIAS(name) LARK_PRAGMA_(weak MPI_##name = PMPI_##name)

#include "status.h" /* LARK_OK, LARK_ERR_*, LARK_CONTAINER_OF, ... */

#endif /* LARK_H_INCLUDED */
