/*
 * type.c (api) -- the datatype constructors, MPI_Type_commit and
 * MPI_Type_free, in their int and MPI-4 large-count (_c) forms.
 *
 * Each entry point checks its arguments, widens them to MPI_Count /
 * MPI_Aint, has the engine build the type (datatype_build.c) and records
 * the arguments as the type's envelope, in the layout
 * MPI_Type_get_contents returns for that constructor and form.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "datatype.h"
#include "error.h"
#include "runtime.h"

static int check_old(const char *call, MPI_Datatype h, struct lark_datatype **dt)
{
    *dt = lark_datatype_from_handle(h);
    if (*dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "oldtype is not a valid datatype (null, or already freed)");
    return MPI_SUCCESS;
}

static int check_out(const char *call, MPI_Datatype *newtype)
{
    if (newtype == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "newtype (the output argument) is NULL");
    return MPI_SUCCESS;
}

static int check_count(const char *call, const char *what, MPI_Count n)
{
    if (n < 0)
        return lark_err_raise(NULL, call, MPI_ERR_COUNT, "%s %lld is negative", what, (long long)n);
    return MPI_SUCCESS;
}

static int check_array(const char *call, const char *what, MPI_Count n, const void *a)
{
    if (n > 0 && a == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "%s is NULL with count %lld", what,
                              (long long)n);
    return MPI_SUCCESS;
}

/* The engine's answer, turned into the user's handle with its envelope. */
static int deliver(const char *call, int rc, struct lark_datatype *dt, int combiner, bool large,
                   int ni, const int *ints, int na, const MPI_Aint *aints, int nc,
                   const MPI_Count *counts, int nt, struct lark_datatype *const *types,
                   MPI_Datatype *newtype)
{
    if (rc == LARK_OK) {
        rc = lark_datatype_set_contents(dt, combiner, large, ni, ints, na, aints, nc, counts, nt,
                                        types);
        if (rc != LARK_OK)
            lark_datatype_release(dt);
    }
    if (rc == LARK_ERR_ARG)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "the new type's extent or size does not fit in MPI_Aint "
                              "(displacements or counts too large)");
    if (rc != LARK_OK)
        return lark_err_raise(NULL, call, rc, "could not build the datatype");
    *newtype = dt->handle;
    return MPI_SUCCESS;
}

/* ---- contiguous, vector, hvector ---- */

static int vector_common(const char *call, int combiner, bool large, MPI_Count count, MPI_Count bl,
                         MPI_Aint stride, bool hstride, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct lark_datatype *old;
    int err = check_count(call, "count", count);
    if (err == MPI_SUCCESS)
        err = check_count(call, "blocklength", bl);
    if (err == MPI_SUCCESS)
        err = check_old(call, oldtype, &old);
    if (err == MPI_SUCCESS)
        err = check_out(call, newtype);
    if (err != MPI_SUCCESS)
        return err;
    MPI_Aint bytes = stride;
    if (!hstride && __builtin_mul_overflow(stride, old->extent, &bytes))
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "stride %lld times the extent of oldtype overflows MPI_Aint",
                              (long long)stride);
    struct lark_datatype *dt = NULL;
    int rc = lark_datatype_vector(count, bl, bytes, old, &dt);
    MPI_Count c[3] = {count, bl, stride};
    int ints[3] = {(int)count, (int)bl, (int)stride};
    MPI_Aint a[1] = {stride};
    if (large)
        return combiner == MPI_COMBINER_CONTIGUOUS ? deliver(call, rc, dt, combiner, true, 0, NULL,
                                                             0, NULL, 1, &c[1], 1, &old, newtype)
                                                   : deliver(call, rc, dt, combiner, true, 0, NULL,
                                                             0, NULL, 3, c, 1, &old, newtype);
    if (combiner == MPI_COMBINER_CONTIGUOUS)
        return deliver(call, rc, dt, combiner, false, 1, &ints[1], 0, NULL, 0, NULL, 1, &old,
                       newtype);
    if (combiner == MPI_COMBINER_HVECTOR)
        return deliver(call, rc, dt, combiner, false, 2, ints, 1, a, 0, NULL, 1, &old, newtype);
    return deliver(call, rc, dt, combiner, false, 3, ints, 0, NULL, 0, NULL, 1, &old, newtype);
}

int PMPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return vector_common("MPI_Type_contiguous", MPI_COMBINER_CONTIGUOUS, false, 1, count, 0, true,
                         oldtype, newtype);
}
LARK_API_ALIAS(Type_contiguous)

int PMPI_Type_contiguous_c(MPI_Count count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return vector_common("MPI_Type_contiguous_c", MPI_COMBINER_CONTIGUOUS, true, 1, count, 0, true,
                         oldtype, newtype);
}
LARK_API_ALIAS(Type_contiguous_c)

int PMPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                     MPI_Datatype *newtype)
{
    return vector_common("MPI_Type_vector", MPI_COMBINER_VECTOR, false, count, blocklength, stride,
                         false, oldtype, newtype);
}
LARK_API_ALIAS(Type_vector)

int PMPI_Type_vector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                       MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return vector_common("MPI_Type_vector_c", MPI_COMBINER_VECTOR, true, count, blocklength, stride,
                         false, oldtype, newtype);
}
LARK_API_ALIAS(Type_vector_c)

int PMPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride, MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    return vector_common("MPI_Type_create_hvector", MPI_COMBINER_HVECTOR, false, count, blocklength,
                         stride, true, oldtype, newtype);
}
LARK_API_ALIAS(Type_create_hvector)

int PMPI_Type_create_hvector_c(MPI_Count count, MPI_Count blocklength, MPI_Count stride,
                               MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    return vector_common("MPI_Type_create_hvector_c", MPI_COMBINER_HVECTOR, true, count,
                         blocklength, stride, true, oldtype, newtype);
}
LARK_API_ALIAS(Type_create_hvector_c)

/* ---- indexed family and struct ----
 * One description covers all five: count blocks; the block lengths from
 * bls (or all `bl`), displacements from disps (in elements of oldtype, or
 * bytes when hdisp); types from types[] (struct) or oldtype. */
struct blockspec {
    MPI_Count count;
    const int *ibls;        /* int forms */
    const MPI_Count *cbls;  /* large forms */
    MPI_Count bl;           /* when neither: every block has bl elements */
    const int *idisps;      /* indexed, indexed_block */
    const MPI_Aint *adisps; /* hindexed, hindexed_block, struct */
    const MPI_Count *cdisps;
    bool hdisp;
    const MPI_Datatype *types; /* struct */
    bool per_type;             /* struct: a type per block (types may be NULL when count is 0) */
};

static int blocks_common(const char *call, int combiner, bool large, const struct blockspec *s,
                         MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    MPI_Count n = s->count;
    int err = check_count(call, "count", n);
    if (err == MPI_SUCCESS && n > 0 && s->ibls == NULL && s->cbls == NULL)
        err = check_count(call, "blocklength", s->bl);
    if (err == MPI_SUCCESS)
        err = check_array(call, "array_of_blocklengths", s->ibls || s->cbls ? n : 0,
                          s->ibls ? (const void *)s->ibls : (const void *)s->cbls);
    if (err == MPI_SUCCESS)
        err = check_array(call, "array_of_displacements", n,
                          s->idisps   ? (const void *)s->idisps
                          : s->adisps ? (const void *)s->adisps
                                      : (const void *)s->cdisps);
    if (err == MPI_SUCCESS && s->per_type)
        err = check_array(call, "array_of_types", n, s->types);
    if (err == MPI_SUCCESS)
        err = check_out(call, newtype);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_datatype *old = NULL;
    if (!s->per_type && (err = check_old(call, oldtype, &old)) != MPI_SUCCESS)
        return err;
    size_t un = (size_t)n;
    /* Scratch (widened arguments), freed before returning. */
    MPI_Count *bls = malloc((un ? un : 1) * sizeof *bls);
    MPI_Aint *disps = malloc((un ? un : 1) * sizeof *disps);
    struct lark_datatype **types = malloc((un ? un : 1) * sizeof *types);
    if (bls == NULL || disps == NULL || types == NULL) {
        free(bls);
        free(disps);
        free(types);
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory for %lld blocks",
                              (long long)n);
    }
    /* A single-oldtype form records oldtype in its envelope even with no
     * blocks (count 0), so types[0] must name it before the loop runs. */
    types[0] = old;
    for (size_t i = 0; i < un && err == MPI_SUCCESS; i++) {
        bls[i] = s->ibls ? s->ibls[i] : s->cbls ? s->cbls[i] : s->bl;
        if (bls[i] < 0)
            err = lark_err_raise(NULL, call, MPI_ERR_ARG,
                                 "blocklength %lld of block %zu is negative", (long long)bls[i], i);
        types[i] = old;
        if (s->per_type && (types[i] = lark_datatype_from_handle(s->types[i])) == NULL)
            err = lark_err_raise(NULL, call, MPI_ERR_TYPE,
                                 "array_of_types[%zu] is not a valid datatype", i);
        if (err != MPI_SUCCESS)
            break;
        MPI_Aint d = s->idisps ? s->idisps[i] : s->adisps ? s->adisps[i] : (MPI_Aint)s->cdisps[i];
        if (!s->hdisp && __builtin_mul_overflow(d, types[i]->extent, &d))
            err = lark_err_raise(NULL, call, MPI_ERR_ARG,
                                 "displacement %zu times the extent of oldtype overflows MPI_Aint",
                                 i);
        disps[i] = d;
    }
    struct lark_datatype *dt = NULL;
    int rc = LARK_OK;
    if (err == MPI_SUCCESS)
        rc = lark_datatype_blocks(n, bls, disps, types, s->per_type,
                                  combiner == MPI_COMBINER_STRUCT, &dt);
    /* The envelope, in the layout get_contents returns for this form. */
    int ni = 0, na = 0, nc = 0, nt = s->per_type ? (int)n : 1;
    int *ints = NULL;
    MPI_Aint *aints = NULL;
    MPI_Count *counts = NULL;
    if (err == MPI_SUCCESS) {
        ints = malloc((2 * un + 2) * sizeof *ints);
        aints = malloc((un + 1) * sizeof *aints);
        counts = malloc((2 * un + 2) * sizeof *counts);
        if (ints == NULL || aints == NULL || counts == NULL)
            rc = LARK_ERR_NOMEM;
    }
    if (err == MPI_SUCCESS && rc == LARK_OK) {
        bool per_block = s->ibls != NULL || s->cbls != NULL;
        if (large) {
            counts[nc++] = n;
            if (per_block)
                for (size_t i = 0; i < un; i++)
                    counts[nc++] = bls[i];
            else
                counts[nc++] = s->bl;
            for (size_t i = 0; i < un; i++)
                counts[nc++] = s->cdisps[i];
        } else {
            ints[ni++] = (int)n;
            if (per_block)
                for (size_t i = 0; i < un; i++)
                    ints[ni++] = (int)bls[i];
            else
                ints[ni++] = (int)s->bl;
            for (size_t i = 0; i < un && s->idisps; i++)
                ints[ni++] = s->idisps[i];
            for (size_t i = 0; i < un && s->adisps; i++)
                aints[na++] = s->adisps[i];
        }
    }
    int ret = err;
    if (err == MPI_SUCCESS)
        ret = deliver(call, rc, dt, combiner, large, ni, ints, na, aints, nc, counts, nt, types,
                      newtype);
    else if (dt != NULL)
        lark_datatype_release(dt);
    free(ints);
    free(aints);
    free(counts);
    free(bls);
    free(disps);
    free(types);
    return ret;
}

int PMPI_Type_indexed(int count, const int array_of_blocklengths[],
                      const int array_of_displacements[], MPI_Datatype oldtype,
                      MPI_Datatype *newtype)
{
    struct blockspec s = {
        .count = count, .ibls = array_of_blocklengths, .idisps = array_of_displacements};
    return blocks_common("MPI_Type_indexed", MPI_COMBINER_INDEXED, false, &s, oldtype, newtype);
}
LARK_API_ALIAS(Type_indexed)

int PMPI_Type_indexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                        const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                        MPI_Datatype *newtype)
{
    struct blockspec s = {
        .count = count, .cbls = array_of_blocklengths, .cdisps = array_of_displacements};
    return blocks_common("MPI_Type_indexed_c", MPI_COMBINER_INDEXED, true, &s, oldtype, newtype);
}
LARK_API_ALIAS(Type_indexed_c)

int PMPI_Type_create_hindexed(int count, const int array_of_blocklengths[],
                              const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    struct blockspec s = {.count = count,
                          .ibls = array_of_blocklengths,
                          .adisps = array_of_displacements,
                          .hdisp = true};
    return blocks_common("MPI_Type_create_hindexed", MPI_COMBINER_HINDEXED, false, &s, oldtype,
                         newtype);
}
LARK_API_ALIAS(Type_create_hindexed)

int PMPI_Type_create_hindexed_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                                const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                MPI_Datatype *newtype)
{
    struct blockspec s = {.count = count,
                          .cbls = array_of_blocklengths,
                          .cdisps = array_of_displacements,
                          .hdisp = true};
    return blocks_common("MPI_Type_create_hindexed_c", MPI_COMBINER_HINDEXED, true, &s, oldtype,
                         newtype);
}
LARK_API_ALIAS(Type_create_hindexed_c)

int PMPI_Type_create_indexed_block(int count, int blocklength, const int array_of_displacements[],
                                   MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct blockspec s = {.count = count, .bl = blocklength, .idisps = array_of_displacements};
    return blocks_common("MPI_Type_create_indexed_block", MPI_COMBINER_INDEXED_BLOCK, false, &s,
                         oldtype, newtype);
}
LARK_API_ALIAS(Type_create_indexed_block)

int PMPI_Type_create_indexed_block_c(MPI_Count count, MPI_Count blocklength,
                                     const MPI_Count array_of_displacements[], MPI_Datatype oldtype,
                                     MPI_Datatype *newtype)
{
    struct blockspec s = {.count = count, .bl = blocklength, .cdisps = array_of_displacements};
    return blocks_common("MPI_Type_create_indexed_block_c", MPI_COMBINER_INDEXED_BLOCK, true, &s,
                         oldtype, newtype);
}
LARK_API_ALIAS(Type_create_indexed_block_c)

int PMPI_Type_create_hindexed_block(int count, int blocklength,
                                    const MPI_Aint array_of_displacements[], MPI_Datatype oldtype,
                                    MPI_Datatype *newtype)
{
    struct blockspec s = {
        .count = count, .bl = blocklength, .adisps = array_of_displacements, .hdisp = true};
    return blocks_common("MPI_Type_create_hindexed_block", MPI_COMBINER_HINDEXED_BLOCK, false, &s,
                         oldtype, newtype);
}
LARK_API_ALIAS(Type_create_hindexed_block)

int PMPI_Type_create_hindexed_block_c(MPI_Count count, MPI_Count blocklength,
                                      const MPI_Count array_of_displacements[],
                                      MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct blockspec s = {
        .count = count, .bl = blocklength, .cdisps = array_of_displacements, .hdisp = true};
    return blocks_common("MPI_Type_create_hindexed_block_c", MPI_COMBINER_HINDEXED_BLOCK, true, &s,
                         oldtype, newtype);
}
LARK_API_ALIAS(Type_create_hindexed_block_c)

int PMPI_Type_create_struct(int count, const int array_of_blocklengths[],
                            const MPI_Aint array_of_displacements[],
                            const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    struct blockspec s = {.count = count,
                          .ibls = array_of_blocklengths,
                          .adisps = array_of_displacements,
                          .hdisp = true,
                          .types = array_of_types,
                          .per_type = true};
    return blocks_common("MPI_Type_create_struct", MPI_COMBINER_STRUCT, false, &s,
                         MPI_DATATYPE_NULL, newtype);
}
LARK_API_ALIAS(Type_create_struct)

int PMPI_Type_create_struct_c(MPI_Count count, const MPI_Count array_of_blocklengths[],
                              const MPI_Count array_of_displacements[],
                              const MPI_Datatype array_of_types[], MPI_Datatype *newtype)
{
    struct blockspec s = {.count = count,
                          .cbls = array_of_blocklengths,
                          .cdisps = array_of_displacements,
                          .hdisp = true,
                          .types = array_of_types,
                          .per_type = true};
    return blocks_common("MPI_Type_create_struct_c", MPI_COMBINER_STRUCT, true, &s,
                         MPI_DATATYPE_NULL, newtype);
}
LARK_API_ALIAS(Type_create_struct_c)

/* ---- subarray, darray ---- */

static int check_order(const char *call, int order)
{
    if (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN)
        return lark_err_raise(NULL, call, MPI_ERR_ARG,
                              "order %d is neither MPI_ORDER_C nor MPI_ORDER_FORTRAN", order);
    return MPI_SUCCESS;
}

static int subarray_common(const char *call, bool large, int ndims, const int *isz, const int *isub,
                           const int *ist, const MPI_Count *csz, const MPI_Count *csub,
                           const MPI_Count *cst, int order, MPI_Datatype oldtype,
                           MPI_Datatype *newtype)
{
    struct lark_datatype *old;
    int err = MPI_SUCCESS;
    if (ndims <= 0)
        err = lark_err_raise(NULL, call, MPI_ERR_ARG, "ndims %d is not positive", ndims);
    if (err == MPI_SUCCESS)
        err = check_array(call, "array_of_sizes/subsizes/starts", ndims,
                          large ? (const void *)(csz && csub && cst ? csz : NULL)
                                : (const void *)(isz && isub && ist ? isz : NULL));
    if (err == MPI_SUCCESS)
        err = check_order(call, order);
    if (err == MPI_SUCCESS)
        err = check_old(call, oldtype, &old);
    if (err == MPI_SUCCESS)
        err = check_out(call, newtype);
    if (err != MPI_SUCCESS)
        return err;
    size_t n = (size_t)ndims;
    /* Scratch: widened sizes, subsizes, starts, then the envelope; freed below. */
    MPI_Count *c = malloc(3 * n * sizeof *c);
    int *ints = malloc((3 * n + 2) * sizeof *ints);
    if (c == NULL || ints == NULL) {
        free(c);
        free(ints);
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    }
    for (size_t d = 0; d < n && err == MPI_SUCCESS; d++) {
        c[d] = large ? csz[d] : isz[d];
        c[n + d] = large ? csub[d] : isub[d];
        c[2 * n + d] = large ? cst[d] : ist[d];
        if (c[d] <= 0 || c[n + d] <= 0 || c[2 * n + d] < 0 || c[2 * n + d] + c[n + d] > c[d])
            err = lark_err_raise(NULL, call, MPI_ERR_ARG,
                                 "dimension %zu: size %lld, subsize %lld, start %lld do not "
                                 "describe a subarray (need 0 < subsize, 0 <= start, "
                                 "start + subsize <= size)",
                                 d, (long long)c[d], (long long)c[n + d], (long long)c[2 * n + d]);
    }
    int ret = err;
    if (err == MPI_SUCCESS) {
        struct lark_datatype *dt = NULL;
        int rc = lark_datatype_subarray(ndims, c, c + n, c + 2 * n, order, old, &dt);
        int ni = 0;
        ints[ni++] = ndims;
        if (!large)
            for (size_t i = 0; i < 3 * n; i++)
                ints[ni++] = (int)c[i];
        ints[ni++] = order;
        ret = deliver(call, rc, dt, MPI_COMBINER_SUBARRAY, large, ni, ints, 0, NULL,
                      large ? 3 * ndims : 0, c, 1, &old, newtype);
    }
    free(c);
    free(ints);
    return ret;
}

int PMPI_Type_create_subarray(int ndims, const int array_of_sizes[], const int array_of_subsizes[],
                              const int array_of_starts[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    return subarray_common("MPI_Type_create_subarray", false, ndims, array_of_sizes,
                           array_of_subsizes, array_of_starts, NULL, NULL, NULL, order, oldtype,
                           newtype);
}
LARK_API_ALIAS(Type_create_subarray)

int PMPI_Type_create_subarray_c(int ndims, const MPI_Count array_of_sizes[],
                                const MPI_Count array_of_subsizes[],
                                const MPI_Count array_of_starts[], int order, MPI_Datatype oldtype,
                                MPI_Datatype *newtype)
{
    return subarray_common("MPI_Type_create_subarray_c", true, ndims, NULL, NULL, NULL,
                           array_of_sizes, array_of_subsizes, array_of_starts, order, oldtype,
                           newtype);
}
LARK_API_ALIAS(Type_create_subarray_c)

static int darray_common(const char *call, bool large, int size, int rank, int ndims,
                         const int *igs, const MPI_Count *cgs, const int *distribs,
                         const int *dargs, const int *psizes, int order, MPI_Datatype oldtype,
                         MPI_Datatype *newtype)
{
    struct lark_datatype *old;
    int err = MPI_SUCCESS;
    if (size <= 0 || rank < 0 || rank >= size)
        err = lark_err_raise(NULL, call, MPI_ERR_ARG, "rank %d of size %d is not a process", rank,
                             size);
    if (err == MPI_SUCCESS && ndims <= 0)
        err = lark_err_raise(NULL, call, MPI_ERR_ARG, "ndims %d is not positive", ndims);
    if (err == MPI_SUCCESS &&
        ((large ? (const void *)cgs : (const void *)igs) == NULL || !distribs || !dargs || !psizes))
        err = lark_err_raise(NULL, call, MPI_ERR_ARG, "an array argument is NULL");
    if (err == MPI_SUCCESS)
        err = check_order(call, order);
    if (err == MPI_SUCCESS)
        err = check_old(call, oldtype, &old);
    if (err == MPI_SUCCESS)
        err = check_out(call, newtype);
    if (err != MPI_SUCCESS)
        return err;
    size_t n = (size_t)ndims;
    /* Scratch: widened gsizes, then the envelope; freed below. */
    MPI_Count *g = malloc(n * sizeof *g);
    int *ints = malloc((4 * n + 4) * sizeof *ints);
    if (g == NULL || ints == NULL) {
        free(g);
        free(ints);
        return lark_err_raise(NULL, call, MPI_ERR_NO_MEM, "out of memory");
    }
    long long procs = 1;
    for (size_t d = 0; d < n && err == MPI_SUCCESS; d++) {
        g[d] = large ? cgs[d] : igs[d];
        procs *= psizes[d] > 0 ? psizes[d] : 0;
        if (g[d] <= 0 || psizes[d] <= 0)
            err = lark_err_raise(NULL, call, MPI_ERR_ARG,
                                 "dimension %zu: gsize %lld and psize %d must be positive", d,
                                 (long long)g[d], psizes[d]);
        else if (distribs[d] != MPI_DISTRIBUTE_BLOCK && distribs[d] != MPI_DISTRIBUTE_CYCLIC &&
                 distribs[d] != MPI_DISTRIBUTE_NONE)
            err = lark_err_raise(NULL, call, MPI_ERR_ARG, "dimension %zu: unknown distribution %d",
                                 d, distribs[d]);
        else if (distribs[d] == MPI_DISTRIBUTE_NONE && psizes[d] != 1)
            err = lark_err_raise(NULL, call, MPI_ERR_ARG,
                                 "dimension %zu: MPI_DISTRIBUTE_NONE needs psize 1, not %d", d,
                                 psizes[d]);
        else if (dargs[d] != MPI_DISTRIBUTE_DFLT_DARG && dargs[d] <= 0)
            err = lark_err_raise(NULL, call, MPI_ERR_ARG, "dimension %zu: darg %d is not positive",
                                 d, dargs[d]);
    }
    if (err == MPI_SUCCESS && procs != size)
        err = lark_err_raise(NULL, call, MPI_ERR_ARG,
                             "the process grid has %lld processes, not size %d", procs, size);
    int ret = err;
    if (err == MPI_SUCCESS) {
        struct lark_datatype *dt = NULL;
        int rc =
            lark_datatype_darray(size, rank, ndims, g, distribs, dargs, psizes, order, old, &dt);
        if (rc == LARK_ERR_ARG && dt == NULL) {
            ret = lark_err_raise(NULL, call, MPI_ERR_ARG,
                                 "a block distribution's darg times psize is smaller than gsize, "
                                 "or the type's extent overflows");
        } else {
            int ni = 0;
            ints[ni++] = size;
            ints[ni++] = rank;
            ints[ni++] = ndims;
            for (size_t d = 0; d < n && !large; d++)
                ints[ni++] = (int)g[d];
            for (size_t d = 0; d < n; d++)
                ints[ni++] = distribs[d];
            for (size_t d = 0; d < n; d++)
                ints[ni++] = dargs[d];
            for (size_t d = 0; d < n; d++)
                ints[ni++] = psizes[d];
            ints[ni++] = order;
            ret = deliver(call, rc, dt, MPI_COMBINER_DARRAY, large, ni, ints, 0, NULL,
                          large ? ndims : 0, g, 1, &old, newtype);
        }
    }
    free(g);
    free(ints);
    return ret;
}

int PMPI_Type_create_darray(int size, int rank, int ndims, const int array_of_gsizes[],
                            const int array_of_distribs[], const int array_of_dargs[],
                            const int array_of_psizes[], int order, MPI_Datatype oldtype,
                            MPI_Datatype *newtype)
{
    return darray_common("MPI_Type_create_darray", false, size, rank, ndims, array_of_gsizes, NULL,
                         array_of_distribs, array_of_dargs, array_of_psizes, order, oldtype,
                         newtype);
}
LARK_API_ALIAS(Type_create_darray)

int PMPI_Type_create_darray_c(int size, int rank, int ndims, const MPI_Count array_of_gsizes[],
                              const int array_of_distribs[], const int array_of_dargs[],
                              const int array_of_psizes[], int order, MPI_Datatype oldtype,
                              MPI_Datatype *newtype)
{
    return darray_common("MPI_Type_create_darray_c", true, size, rank, ndims, NULL, array_of_gsizes,
                         array_of_distribs, array_of_dargs, array_of_psizes, order, oldtype,
                         newtype);
}
LARK_API_ALIAS(Type_create_darray_c)

/* ---- resized, dup ---- */

static int resized_common(const char *call, bool large, MPI_Datatype oldtype, MPI_Aint lb,
                          MPI_Aint extent, MPI_Datatype *newtype)
{
    struct lark_datatype *old;
    int err = check_old(call, oldtype, &old);
    if (err == MPI_SUCCESS)
        err = check_out(call, newtype);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_datatype *dt = NULL;
    int rc = lark_datatype_resized(old, lb, extent, &dt);
    MPI_Aint a[2] = {lb, extent};
    MPI_Count c[2] = {lb, extent};
    return deliver(call, rc, dt, MPI_COMBINER_RESIZED, large, 0, NULL, large ? 0 : 2, a,
                   large ? 2 : 0, c, 1, &old, newtype);
}

int PMPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                             MPI_Datatype *newtype)
{
    return resized_common("MPI_Type_create_resized", false, oldtype, lb, extent, newtype);
}
LARK_API_ALIAS(Type_create_resized)

int PMPI_Type_create_resized_c(MPI_Datatype oldtype, MPI_Count lb, MPI_Count extent,
                               MPI_Datatype *newtype)
{
    return resized_common("MPI_Type_create_resized_c", true, oldtype, (MPI_Aint)lb,
                          (MPI_Aint)extent, newtype);
}
LARK_API_ALIAS(Type_create_resized_c)

int PMPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    static const char call[] = "MPI_Type_dup";
    struct lark_datatype *old;
    int err = check_old(call, oldtype, &old);
    if (err == MPI_SUCCESS)
        err = check_out(call, newtype);
    if (err != MPI_SUCCESS)
        return err;
    struct lark_datatype *dt = NULL;
    int rc = lark_datatype_dup(old, &dt);
    /* The attributes, by their copy callbacks (api/attr.c); one that fails
     * fails the dup. */
    if (rc == LARK_OK && (rc = lark_type_attr_copy(old, dt)) != MPI_SUCCESS) {
        lark_datatype_release(dt);
        return lark_err_raise(NULL, call, rc, "an attribute copy callback failed (error %d)", rc);
    }
    return deliver(call, rc, dt, MPI_COMBINER_DUP, false, 0, NULL, 0, NULL, 0, NULL, 1, &old,
                   newtype);
}
LARK_API_ALIAS(Type_dup)

/* ---- commit, free ---- */

int PMPI_Type_commit(MPI_Datatype *type)
{
    static const char call[] = "MPI_Type_commit";
    if (type == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "the datatype pointer is NULL");
    struct lark_datatype *dt = lark_datatype_from_handle(*type);
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype is not valid (null, or already freed)");
    dt->committed = 1; /* the layout was flattened when the type was made */
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_commit)

int PMPI_Type_free(MPI_Datatype *type)
{
    static const char call[] = "MPI_Type_free";
    if (type == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "the datatype pointer is NULL");
    struct lark_datatype *dt = lark_datatype_from_handle(*type);
    if (dt == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE,
                              "the datatype is not valid (null, or already freed)");
    if (dt->predefined)
        return lark_err_raise(NULL, call, MPI_ERR_TYPE, "%s is predefined and cannot be freed",
                              dt->name);
    if (dt->combiner == MPI_COMBINER_F90_INTEGER || dt->combiner == MPI_COMBINER_F90_REAL ||
        dt->combiner == MPI_COMBINER_F90_COMPLEX)
        return lark_err_raise(
            NULL, call, MPI_ERR_TYPE,
            "a type from MPI_Type_create_f90_* is predefined and cannot be freed");
    /* The attributes' delete callbacks first, newest first (api/attr.c);
     * one that fails keeps the type. */
    int rc = lark_type_attr_delete_all(dt);
    if (rc != MPI_SUCCESS)
        return lark_err_raise(NULL, call, rc, "an attribute delete callback failed (error %d)", rc);
    /* Pending operations and types built on it hold their own references. */
    lark_datatype_release(dt);
    *type = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Type_free)
