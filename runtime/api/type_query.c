/*
 * type_query.c (api) -- what a datatype says about itself: size, extents,
 * envelope and contents, name, MPI_Type_match_size and
 * MPI_Type_get_value_index, in their int, _x and _c forms.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "datatype.h"
#include "error.h"
#include "runtime.h"

static int get_type(const char *call, MPI_Datatype h, struct lark_datatype **dt)
{
    *dt = lark_datatype_from_handle(h);
    if (*dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype is not valid (null, or already freed)");
    return MPI_SUCCESS;
}

static int null_arg(const char *call, const char *what)
{
    return lark_err_raise(NULL, call, MPI_ERR_ARG, "%s is NULL", what);
}

/* ---- size ---- */

static int size_common(const char *call, MPI_Datatype type, MPI_Count *size)
{
    struct lark_datatype *dt;
    int err = get_type(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (size == NULL)
        return null_arg(call, "size");
    *size = (MPI_Count)dt->size;
    return MPI_SUCCESS;
}

int PMPI_Type_size(MPI_Datatype type, int *size)
{
    MPI_Count n = 0;
    int err = size_common("MPI_Type_size", type, size ? &n : NULL);
    if (err == MPI_SUCCESS)
        *size = n > INT_MAX ? MPI_UNDEFINED : (int)n;
    return err;
}
LARK_API_ALIAS(Type_size)

int PMPI_Type_size_x(MPI_Datatype type, MPI_Count *size)
{
    return size_common("MPI_Type_size_x", type, size);
}
LARK_API_ALIAS(Type_size_x)

int PMPI_Type_size_c(MPI_Datatype type, MPI_Count *size)
{
    return size_common("MPI_Type_size_c", type, size);
}
LARK_API_ALIAS(Type_size_c)

/* ---- extents ---- */

static int extent_common(const char *call, MPI_Datatype type, bool true_extent, MPI_Aint *lb,
                         MPI_Aint *extent)
{
    struct lark_datatype *dt;
    int err = get_type(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (lb == NULL || extent == NULL)
        return null_arg(call, "lb or extent");
    *lb = true_extent ? dt->true_lb : dt->lb;
    *extent = true_extent ? dt->true_ub - dt->true_lb : dt->extent;
    return MPI_SUCCESS;
}

int PMPI_Type_get_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent)
{
    return extent_common("MPI_Type_get_extent", type, false, lb, extent);
}
LARK_API_ALIAS(Type_get_extent)

int PMPI_Type_get_true_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent)
{
    return extent_common("MPI_Type_get_true_extent", type, true, lb, extent);
}
LARK_API_ALIAS(Type_get_true_extent)

/* MPI_Aint and MPI_Count are both 64 bits here: the wide forms share it. */
_Static_assert(sizeof(MPI_Aint) == sizeof(MPI_Count), "MPI_Aint and MPI_Count differ");

int PMPI_Type_get_extent_x(MPI_Datatype type, MPI_Count *lb, MPI_Count *extent)
{
    return extent_common("MPI_Type_get_extent_x", type, false, (MPI_Aint *)lb, (MPI_Aint *)extent);
}
LARK_API_ALIAS(Type_get_extent_x)

int PMPI_Type_get_extent_c(MPI_Datatype type, MPI_Count *lb, MPI_Count *extent)
{
    return extent_common("MPI_Type_get_extent_c", type, false, (MPI_Aint *)lb, (MPI_Aint *)extent);
}
LARK_API_ALIAS(Type_get_extent_c)

int PMPI_Type_get_true_extent_x(MPI_Datatype type, MPI_Count *lb, MPI_Count *extent)
{
    return extent_common("MPI_Type_get_true_extent_x", type, true, (MPI_Aint *)lb,
                         (MPI_Aint *)extent);
}
LARK_API_ALIAS(Type_get_true_extent_x)

int PMPI_Type_get_true_extent_c(MPI_Datatype type, MPI_Count *lb, MPI_Count *extent)
{
    return extent_common("MPI_Type_get_true_extent_c", type, true, (MPI_Aint *)lb,
                         (MPI_Aint *)extent);
}
LARK_API_ALIAS(Type_get_true_extent_c)

/* ---- envelope and contents ---- */

static int envelope_common(const char *call, MPI_Datatype type, bool large, MPI_Count *ni,
                           MPI_Count *na, MPI_Count *nc, MPI_Count *nt, int *combiner)
{
    struct lark_datatype *dt;
    int err = get_type(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (ni == NULL || na == NULL || nt == NULL || combiner == NULL || (large && nc == NULL))
        return null_arg(call, "an output argument");
    if (dt->large && !large)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype was made with a large-count (_c) constructor: "
                              "use MPI_Type_get_envelope_c");
    *combiner = dt->predefined ? MPI_COMBINER_NAMED : dt->combiner;
    *ni = dt->contents.ni;
    *na = dt->contents.na;
    *nt = dt->contents.nt;
    if (nc != NULL)
        *nc = dt->contents.nc;
    return MPI_SUCCESS;
}

int PMPI_Type_get_envelope(MPI_Datatype type, int *num_integers, int *num_addresses,
                           int *num_datatypes, int *combiner)
{
    MPI_Count ni = 0, na = 0, nt = 0;
    int err =
        envelope_common("MPI_Type_get_envelope", type, false, num_integers ? &ni : NULL,
                        num_addresses ? &na : NULL, NULL, num_datatypes ? &nt : NULL, combiner);
    if (err == MPI_SUCCESS) {
        *num_integers = (int)ni;
        *num_addresses = (int)na;
        *num_datatypes = (int)nt;
    }
    return err;
}
LARK_API_ALIAS(Type_get_envelope)

int PMPI_Type_get_envelope_c(MPI_Datatype type, MPI_Count *num_integers, MPI_Count *num_addresses,
                             MPI_Count *num_large_counts, MPI_Count *num_datatypes, int *combiner)
{
    return envelope_common("MPI_Type_get_envelope_c", type, true, num_integers, num_addresses,
                           num_large_counts, num_datatypes, combiner);
}
LARK_API_ALIAS(Type_get_envelope_c)

static int contents_common(const char *call, MPI_Datatype type, bool large, MPI_Count max_i,
                           MPI_Count max_a, MPI_Count max_c, MPI_Count max_t, int *ints,
                           MPI_Aint *aints, MPI_Count *counts, MPI_Datatype *types)
{
    struct lark_datatype *dt;
    int err = get_type(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (dt->predefined)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "%s is predefined (MPI_COMBINER_NAMED): it has no contents",
                              dt->name);
    if (dt->large && !large)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype was made with a large-count (_c) constructor: "
                              "use MPI_Type_get_contents_c");
    const struct lark_dt_contents *c = &dt->contents;
    if (max_i < c->ni || max_a < c->na || max_c < c->nc || max_t < c->nt)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "the arrays are too small (need %d integers, %d addresses, %d "
                              "large counts, %d datatypes: see MPI_Type_get_envelope)",
                              c->ni, c->na, c->nc, c->nt);
    if ((c->ni && !ints) || (c->na && !aints) || (c->nc && !counts) || (c->nt && !types))
        return null_arg(call, "an output array");
    if (c->ni)
        memcpy(ints, c->ints, (size_t)c->ni * sizeof *ints);
    if (c->na)
        memcpy(aints, c->aints, (size_t)c->na * sizeof *aints);
    if (c->nc)
        memcpy(counts, c->counts, (size_t)c->nc * sizeof *counts);
    for (int i = 0; i < c->nt; i++) {
        /* A derived type comes back as a new reference the user frees. */
        lark_datatype_retain(c->types[i]);
        types[i] = c->types[i]->handle;
    }
    return MPI_SUCCESS;
}

int PMPI_Type_get_contents(MPI_Datatype type, int max_integers, int max_addresses,
                           int max_datatypes, int array_of_integers[],
                           MPI_Aint array_of_addresses[], MPI_Datatype array_of_datatypes[])
{
    return contents_common("MPI_Type_get_contents", type, false, max_integers, max_addresses, 0,
                           max_datatypes, array_of_integers, array_of_addresses, NULL,
                           array_of_datatypes);
}
LARK_API_ALIAS(Type_get_contents)

int PMPI_Type_get_contents_c(MPI_Datatype type, MPI_Count max_integers, MPI_Count max_addresses,
                             MPI_Count max_large_counts, MPI_Count max_datatypes,
                             int array_of_integers[], MPI_Aint array_of_addresses[],
                             MPI_Count array_of_large_counts[], MPI_Datatype array_of_datatypes[])
{
    return contents_common("MPI_Type_get_contents_c", type, true, max_integers, max_addresses,
                           max_large_counts, max_datatypes, array_of_integers, array_of_addresses,
                           array_of_large_counts, array_of_datatypes);
}
LARK_API_ALIAS(Type_get_contents_c)

/* ---- names ---- */

int PMPI_Type_set_name(MPI_Datatype type, const char *type_name)
{
    static const char call[] = "MPI_Type_set_name";
    struct lark_datatype *dt;
    int err = get_type(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (type_name == NULL)
        return null_arg(call, "type_name");
    /* Longer names are truncated, as the standard allows. */
    snprintf(dt->uname, sizeof dt->uname, "%s", type_name);
    dt->name = dt->uname;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_set_name)

int PMPI_Type_get_name(MPI_Datatype type, char *type_name, int *resultlen)
{
    static const char call[] = "MPI_Type_get_name";
    struct lark_datatype *dt;
    int err = get_type(call, type, &dt);
    if (err != MPI_SUCCESS)
        return err;
    if (type_name == NULL || resultlen == NULL)
        return null_arg(call, "type_name or resultlen");
    snprintf(type_name, MPI_MAX_OBJECT_NAME, "%s", dt->name ? dt->name : "");
    *resultlen = (int)strlen(type_name);
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_get_name)

/* ---- type lookups ---- */

int PMPI_Type_match_size(int typeclass, int size, MPI_Datatype *datatype)
{
    static const char call[] = "MPI_Type_match_size";
    if (datatype == NULL)
        return null_arg(call, "datatype");
    if (typeclass != MPI_TYPECLASS_INTEGER && typeclass != MPI_TYPECLASS_REAL &&
        typeclass != MPI_TYPECLASS_COMPLEX)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "typeclass %d is not an MPI_TYPECLASS_*",
                              typeclass);
    struct lark_datatype *dt = lark_datatype_match_size(typeclass, size);
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "no predefined type of that class has %d bytes", size);
    *datatype = dt->handle;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_match_size)

int PMPI_Type_get_value_index(MPI_Datatype value_type, MPI_Datatype index_type,
                              MPI_Datatype *pair_type)
{
    static const char call[] = "MPI_Type_get_value_index";
    if (pair_type == NULL)
        return null_arg(call, "pair_type");
    if (lark_datatype_from_handle(value_type) == NULL ||
        lark_datatype_from_handle(index_type) == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "value_type or index_type is not valid");
    static const MPI_Datatype pairs[][3] = {
        {MPI_FLOAT, MPI_INT, MPI_FLOAT_INT},
        {MPI_DOUBLE, MPI_INT, MPI_DOUBLE_INT},
        {MPI_LONG, MPI_INT, MPI_LONG_INT},
        {MPI_INT, MPI_INT, MPI_2INT},
        {MPI_SHORT, MPI_INT, MPI_SHORT_INT},
        {MPI_LONG_DOUBLE, MPI_INT, MPI_LONG_DOUBLE_INT},
        {MPI_REAL, MPI_REAL, MPI_2REAL},
        {MPI_DOUBLE_PRECISION, MPI_DOUBLE_PRECISION, MPI_2DOUBLE_PRECISION},
        {MPI_INTEGER, MPI_INTEGER, MPI_2INTEGER},
    };
    *pair_type = MPI_DATATYPE_NULL;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (pairs[i][0] == value_type && pairs[i][1] == index_type)
            *pair_type = pairs[i][2];
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_get_value_index)
