/*
 * type_query.c (api) -- what a datatype says about itself: size, extents,
 * envelope and contents, name, MPI_Type_match_size,
 * MPI_Type_get_value_index and the Fortran 90 parameterised types
 * (MPI_Type_create_f90_integer/real/complex), in their int, _x and _c
 * forms.
 */
#include <limits.h>
#include <pthread.h>
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

/* ---- Fortran 90 parameterised types ----
 * Each (combiner, p, r) asked for is one type, made once and kept for the
 * life of the process (the standard calls them predefined: never freed):
 * a duplicate of the sized Fortran type that holds the range and
 * precision, with combiner MPI_COMBINER_F90_* and contents {r} or {p, r}.
 * Decimal ranges and precisions as gfortran's kinds: INTEGER1..8 hold
 * 2, 4, 9, 18 digits; REAL4 6 digits up to 1e37, REAL8 15 up to 1e307. */
#define F90_MAX 32
static pthread_mutex_t f90_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    int combiner, p, r;
    struct lark_datatype *dt;
} f90[F90_MAX];
static int nf90;

static int f90_type(const char *call, int combiner, int p, int r, MPI_Datatype *newtype)
{
    if (newtype == NULL)
        return null_arg(call, "newtype");
    MPI_Datatype base = MPI_DATATYPE_NULL;
    bool up = p == MPI_UNDEFINED, ur = r == MPI_UNDEFINED;
    if (combiner == MPI_COMBINER_F90_INTEGER) {
        static const struct {
            int r;
            MPI_Datatype t;
        } ints[] = {{2, MPI_INTEGER1}, {4, MPI_INTEGER2}, {9, MPI_INTEGER4}, {18, MPI_INTEGER8}};
        for (size_t i = 0; i < sizeof ints / sizeof ints[0] && base == MPI_DATATYPE_NULL; i++)
            if (r >= 0 && r <= ints[i].r)
                base = ints[i].t;
    } else if (!(up && ur) && (up || p >= 0) && (ur || r >= 0)) {
        bool cplx = combiner == MPI_COMBINER_F90_COMPLEX;
        if ((up || p <= 6) && (ur || r <= 37))
            base = cplx ? MPI_COMPLEX8 : MPI_REAL4;
        else if ((up || p <= 15) && (ur || r <= 307))
            base = cplx ? MPI_COMPLEX16 : MPI_REAL8;
    }
    if (base == MPI_DATATYPE_NULL)
        return lark_err_raise(
            NULL, call, MPI_ERR_ARG,
            "no Fortran type has precision %d and range %d here (at most %s)", p, r,
            combiner == MPI_COMBINER_F90_INTEGER ? "range 18" : "precision 15, range 307");
    pthread_mutex_lock(&f90_lock);
    struct lark_datatype *dt = NULL;
    for (int i = 0; i < nf90 && dt == NULL; i++)
        if (f90[i].combiner == combiner && f90[i].p == p && f90[i].r == r)
            dt = f90[i].dt;
    int rc = LARK_OK;
    if (dt == NULL) {
        rc = nf90 < F90_MAX ? lark_datatype_dup(lark_datatype_from_handle(base), &dt)
                            : LARK_ERR_NOMEM;
        int ints[2] = {p, r};
        bool integer = combiner == MPI_COMBINER_F90_INTEGER;
        if (rc == LARK_OK)
            rc = lark_datatype_set_contents(dt, combiner, false, integer ? 1 : 2,
                                            integer ? &ints[1] : ints, 0, NULL, 0, NULL, 0, NULL);
        if (rc == LARK_OK) {
            dt->committed = 1;
            /* The table's reference keeps it for good. */
            f90[nf90].combiner = combiner;
            f90[nf90].p = p;
            f90[nf90].r = r;
            f90[nf90++].dt = dt;
        } else if (dt != NULL) {
            lark_datatype_release(dt);
            dt = NULL;
        }
    }
    pthread_mutex_unlock(&f90_lock);
    if (rc != LARK_OK)
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM,
                              "out of memory (or more than %d distinct parameterised types)",
                              F90_MAX);
    *newtype = dt->handle;
    return MPI_SUCCESS;
}

int PMPI_Type_create_f90_integer(int r, MPI_Datatype *newtype)
{
    return f90_type("MPI_Type_create_f90_integer", MPI_COMBINER_F90_INTEGER, MPI_UNDEFINED, r,
                    newtype);
}
LARK_API_ALIAS(Type_create_f90_integer)

int PMPI_Type_create_f90_real(int p, int r, MPI_Datatype *newtype)
{
    return f90_type("MPI_Type_create_f90_real", MPI_COMBINER_F90_REAL, p, r, newtype);
}
LARK_API_ALIAS(Type_create_f90_real)

int PMPI_Type_create_f90_complex(int p, int r, MPI_Datatype *newtype)
{
    return f90_type("MPI_Type_create_f90_complex", MPI_COMBINER_F90_COMPLEX, p, r, newtype);
}
LARK_API_ALIAS(Type_create_f90_complex)
