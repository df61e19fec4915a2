/*
 * type.c (api) -- MPI_Type_contiguous, MPI_Type_commit, MPI_Type_free,
 * MPI_Type_size and MPI_Type_get_extent.  See type_contig.h.
 */
#include <stdlib.h>

#include "error.h"
#include "runtime.h"
#include "type_contig.h"

/* The object behind a contiguous type's handle: a datatype first, so the
 * handle is also a struct lark_datatype pointer for everyone else. */
struct contig_type {
    struct lark_datatype dt;
    MPI_Datatype base; /* predefined element type */
    size_t per;        /* base elements in one element of this type */
    uint32_t magic;    /* CONTIG_MAGIC: this is a contig_type */
};
#define CONTIG_MAGIC 0x4c4b4354u /* "LKCT" */

static struct contig_type *as_contig(const struct lark_datatype *dt)
{
    if (dt == NULL || dt->predefined)
        return NULL;
    struct contig_type *ct = (struct contig_type *)dt;
    return ct->magic == CONTIG_MAGIC ? ct : NULL;
}

int lark_type_contig_base(const struct lark_datatype *dt, MPI_Datatype *base, size_t *per)
{
    struct contig_type *ct = as_contig(dt);
    if (ct == NULL)
        return -1;
    *base = ct->base;
    *per = ct->per;
    return 0;
}

int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_contiguous";
    if (count < 0)
        return lark_err_raise(NULL, call, MPI_ERR_COUNT, "count %d is negative", count);
    struct lark_datatype *old = lark_datatype_from_handle(oldtype);
    if (old == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "oldtype is not a valid datatype");
    if (newtype == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "newtype (the output argument) is NULL");
    MPI_Datatype base = oldtype;
    size_t per = 1;
    struct contig_type *oc = as_contig(old);
    if (oc != NULL) {
        base = oc->base;
        per = oc->per;
    } else if (!old->predefined || !old->contig) {
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "Lark builds contiguous types of contiguous types only so far "
                              "(%s has holes); the general datatype engine is not there yet",
                              old->name ? old->name : "oldtype");
    }
    /* Freed by MPI_Type_free. */
    struct contig_type *ct = calloc(1, sizeof *ct);
    if (ct == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    ct->dt = *old;
    ct->dt.handle = (MPI_Datatype)ct;
    ct->dt.name = "MPI_Type_contiguous";
    ct->dt.size = old->size * (size_t)count;
    ct->dt.extent = old->extent * count;
    ct->dt.lb = 0;
    ct->dt.predefined = false;
    ct->dt.committed = 0;
    ct->base = base;
    ct->per = per * (size_t)count;
    ct->magic = CONTIG_MAGIC;
    *newtype = ct->dt.handle;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_contiguous)

int PMPI_Type_commit(MPI_Datatype *type)
{
    static const char call[] = "MPI_Type_commit";
    struct lark_datatype *dt = type ? lark_datatype_from_handle(*type) : NULL;
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "the datatype is not valid");
    dt->committed = 1; /* predefined types are committed already */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_commit)

int PMPI_Type_free(MPI_Datatype *type)
{
    static const char call[] = "MPI_Type_free";
    struct lark_datatype *dt = type ? lark_datatype_from_handle(*type) : NULL;
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "the datatype is not valid");
    if (dt->predefined)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "a predefined datatype cannot be freed");
    struct contig_type *ct = as_contig(dt);
    ct->dt.magic = 0;
    ct->magic = 0;
    free(ct);
    *type = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_free)

int PMPI_Type_size(MPI_Datatype type, int *size)
{
    static const char call[] = "MPI_Type_size";
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "the datatype is not valid");
    if (size == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "size is NULL");
    *size = dt->size > (size_t)0x7fffffff ? MPI_UNDEFINED : (int)dt->size;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_size)

int PMPI_Type_get_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent)
{
    static const char call[] = "MPI_Type_get_extent";
    struct lark_datatype *dt = lark_datatype_from_handle(type);
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "the datatype is not valid");
    if (lb == NULL || extent == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "lb or extent is NULL");
    *lb = dt->lb;
    *extent = dt->extent;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_get_extent)
