/*
 * type_contig.h -- contiguous derived datatypes (MPI_Type_contiguous), the
 * first derived types, enough for user reduction ops on small structs.
 *
 * A contiguous type of `per` elements of a contiguous `base` is itself
 * contiguous: the point-to-point path moves it with a memcpy through the
 * ordinary struct lark_datatype fields.  Reductions need to know the base
 * element: lark_type_contig_base() tells it.  The general datatype engine
 * (vector, indexed, struct, resized) will replace this file.
 */
#ifndef LARK_TYPE_CONTIG_H_INCLUDED
#define LARK_TYPE_CONTIG_H_INCLUDED

#include <stddef.h>

#include "datatype.h"

/* For a datatype made by MPI_Type_contiguous: its predefined element type
 * and how many of them one element holds (nested contiguous types are
 * flattened).  Returns 0, or -1 for any other datatype. */
int lark_type_contig_base(const struct lark_datatype *dt, MPI_Datatype *base, size_t *per);

#endif
