/*
 * pack.c (api) -- explicit packing: MPI_Pack/Unpack/Pack_size (native
 * representation: the packed form the point-to-point layer sends), their
 * external32 forms (portable big-endian, datatype_sig.c), and the address
 * helpers MPI_Get_address, MPI_Aint_add, MPI_Aint_diff.  int and _c forms.
 */
#include <limits.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "datatype.h"
#include "error.h"
#include "runtime.h"

/* The datatype of a pack call: valid and committed. */
static int pack_type(const char *call, struct lark_comm *c, MPI_Datatype type,
                     struct lark_datatype **dt)
{
    *dt = lark_datatype_from_handle(type);
    if (*dt == NULL)
        return lark_err_raise(c, call, MPI_ERR_TYPE,
                              "the datatype is not valid (null, or already freed)");
    if (!(*dt)->committed)
        return lark_err_raise(c, call, MPI_ERR_TYPE,
                              "datatype %s is not committed (call MPI_Type_commit first)",
                              (*dt)->name[0] ? (*dt)->name : "(derived)");
    return MPI_SUCCESS;
}

/* The checks every (un)pack shares: a valid position, n bytes that fit
 * in `space` from it, and buffers to move them between.  The user's side
 * may be MPI_BOTTOM (NULL) for a derived type of absolute addresses. */
static int room(const char *call, struct lark_comm *c, bool pack, MPI_Count n, MPI_Count space,
                const MPI_Count *position, const void *packed, const void *user,
                const struct lark_datatype *dt)
{
    if (position == NULL || *position < 0)
        return lark_err_raise(c, call, MPI_ERR_ARG, "position is NULL or negative");
    if (space < 0 || *position > space || n > space - *position) {
        if (pack)
            return lark_err_raise(
                c, call, MPI_ERR_TRUNCATE,
                "%lld packed bytes do not fit at position %lld of a %lld-byte buffer", (long long)n,
                (long long)*position, (long long)space);
        return lark_err_raise(c, call, MPI_ERR_TRUNCATE,
                              "%lld bytes to unpack but only %lld left after position %lld",
                              (long long)n, (long long)(space - *position), (long long)*position);
    }
    if (n > 0 && (packed == NULL || (user == NULL && dt->predefined)))
        return lark_err_raise(c, call, MPI_ERR_BUFFER, "a buffer is NULL");
    return MPI_SUCCESS;
}

static int pack_common(const char *call, const void *inbuf, MPI_Count incount, MPI_Datatype type,
                       void *outbuf, MPI_Count outsize, MPI_Count *position, MPI_Comm comm)
{
    struct lark_comm *c;
    struct lark_datatype *dt;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (incount < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "incount %lld is negative",
                              (long long)incount);
    if ((err = pack_type(call, c, type, &dt)) != MPI_SUCCESS)
        return err;
    MPI_Count n = (MPI_Count)dt->size * incount;
    if ((err = room(call, c, true, n, outsize, position, outbuf, inbuf, dt)) != MPI_SUCCESS)
        return err;
    lark_datatype_pack(dt, inbuf, (size_t)incount, 0, (char *)outbuf + *position, (size_t)n);
    *position += n;
    return MPI_SUCCESS;
}

static int unpack_common(const char *call, const void *inbuf, MPI_Count insize, MPI_Count *position,
                         void *outbuf, MPI_Count outcount, MPI_Datatype type, MPI_Comm comm)
{
    struct lark_comm *c;
    struct lark_datatype *dt;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (outcount < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "outcount %lld is negative",
                              (long long)outcount);
    if ((err = pack_type(call, c, type, &dt)) != MPI_SUCCESS)
        return err;
    MPI_Count n = (MPI_Count)dt->size * outcount;
    if ((err = room(call, c, false, n, insize, position, inbuf, outbuf, dt)) != MPI_SUCCESS)
        return err;
    lark_datatype_unpack(dt, outbuf, (size_t)outcount, 0, (const char *)inbuf + *position,
                         (size_t)n);
    *position += n;
    return MPI_SUCCESS;
}

static int pack_size_common(const char *call, MPI_Count incount, MPI_Datatype type, MPI_Comm comm,
                            MPI_Count *size)
{
    struct lark_comm *c;
    struct lark_datatype *dt;
    int err = lark_check_comm(call, comm, &c);
    if (err != MPI_SUCCESS)
        return err;
    if (incount < 0)
        return lark_err_raise(c, call, MPI_ERR_COUNT, "incount %lld is negative",
                              (long long)incount);
    if ((err = pack_type(call, c, type, &dt)) != MPI_SUCCESS)
        return err;
    if (size == NULL)
        return lark_err_raise(c, call, MPI_ERR_ARG, "size is NULL");
    *size = (MPI_Count)dt->size * incount;
    return MPI_SUCCESS;
}

/* An int position/size in and out of the MPI_Count core. */
static int int_result(const char *call, int err, MPI_Count v, int *out)
{
    if (err != MPI_SUCCESS)
        return err;
    if (v > INT_MAX)
        return lark_err_raise(NULL, call, MPI_ERR_VALUE_TOO_LARGE,
                              "the result %lld does not fit in an int: use the _c form",
                              (long long)v);
    *out = (int)v;
    return MPI_SUCCESS;
}

int PMPI_Pack(const void *inbuf, int incount, MPI_Datatype datatype, void *outbuf, int outsize,
              int *position, MPI_Comm comm)
{
    MPI_Count pos = position ? *position : 0;
    int err = pack_common("MPI_Pack", inbuf, incount, datatype, outbuf, outsize,
                          position ? &pos : NULL, comm);
    return int_result("MPI_Pack", err, pos, position);
}
LARK_API_ALIAS(Pack)

int PMPI_Pack_c(const void *inbuf, MPI_Count incount, MPI_Datatype datatype, void *outbuf,
                MPI_Count outsize, MPI_Count *position, MPI_Comm comm)
{
    return pack_common("MPI_Pack_c", inbuf, incount, datatype, outbuf, outsize, position, comm);
}
LARK_API_ALIAS(Pack_c)

int PMPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount,
                MPI_Datatype datatype, MPI_Comm comm)
{
    MPI_Count pos = position ? *position : 0;
    int err = unpack_common("MPI_Unpack", inbuf, insize, position ? &pos : NULL, outbuf, outcount,
                            datatype, comm);
    return int_result("MPI_Unpack", err, pos, position);
}
LARK_API_ALIAS(Unpack)

int PMPI_Unpack_c(const void *inbuf, MPI_Count insize, MPI_Count *position, void *outbuf,
                  MPI_Count outcount, MPI_Datatype datatype, MPI_Comm comm)
{
    return unpack_common("MPI_Unpack_c", inbuf, insize, position, outbuf, outcount, datatype, comm);
}
LARK_API_ALIAS(Unpack_c)

int PMPI_Pack_size(int incount, MPI_Datatype datatype, MPI_Comm comm, int *size)
{
    MPI_Count n = 0;
    int err = pack_size_common("MPI_Pack_size", incount, datatype, comm, size ? &n : NULL);
    return int_result("MPI_Pack_size", err, n, size);
}
LARK_API_ALIAS(Pack_size)

int PMPI_Pack_size_c(MPI_Count incount, MPI_Datatype datatype, MPI_Comm comm, MPI_Count *size)
{
    return pack_size_common("MPI_Pack_size_c", incount, datatype, comm, size);
}
LARK_API_ALIAS(Pack_size_c)

/* ---- external32 ---- */

static int ext_type(const char *call, const char *datarep, MPI_Count count, MPI_Datatype type,
                    struct lark_datatype **dt, size_t *one)
{
    if (datarep == NULL || strcmp(datarep, "external32") != 0)
        return lark_err_raise(NULL, call, MPI_ERR_UNSUPPORTED_DATAREP,
                              "datarep \"%s\" is not supported (only \"external32\")",
                              datarep ? datarep : "(null)");
    if (count < 0)
        return lark_err_raise(NULL, call, MPI_ERR_COUNT, "count %lld is negative",
                              (long long)count);
    int err = pack_type(call, NULL, type, dt);
    if (err != MPI_SUCCESS)
        return err;
    if (lark_datatype_ext32_size(*dt, one) != LARK_OK)
        return lark_err_raise(NULL, call, MPI_ERR_UNSUPPORTED_OPERATION,
                              "this datatype holds a type external32 cannot represent here");
    return MPI_SUCCESS;
}

static int pack_external_common(const char *call, const char *datarep, const void *inbuf,
                                MPI_Count incount, MPI_Datatype type, void *outbuf,
                                MPI_Count outsize, MPI_Count *position)
{
    struct lark_datatype *dt;
    size_t one;
    int err = ext_type(call, datarep, incount, type, &dt, &one);
    if (err != MPI_SUCCESS)
        return err;
    MPI_Count n = (MPI_Count)one * incount;
    if ((err = room(call, NULL, true, n, outsize, position, outbuf, inbuf, dt)) != MPI_SUCCESS)
        return err;
    int rc = lark_datatype_ext32_pack(dt, inbuf, (size_t)incount, (char *)outbuf + *position);
    if (rc != LARK_OK)
        return lark_err_raise(NULL, call, rc, "packing to external32 failed");
    *position += n;
    return MPI_SUCCESS;
}

static int unpack_external_common(const char *call, const char *datarep, const void *inbuf,
                                  MPI_Count insize, MPI_Count *position, void *outbuf,
                                  MPI_Count outcount, MPI_Datatype type)
{
    struct lark_datatype *dt;
    size_t one;
    int err = ext_type(call, datarep, outcount, type, &dt, &one);
    if (err != MPI_SUCCESS)
        return err;
    MPI_Count n = (MPI_Count)one * outcount;
    if ((err = room(call, NULL, false, n, insize, position, inbuf, outbuf, dt)) != MPI_SUCCESS)
        return err;
    int rc =
        lark_datatype_ext32_unpack(dt, (const char *)inbuf + *position, (size_t)outcount, outbuf);
    if (rc != LARK_OK)
        return lark_err_raise(NULL, call, rc, "unpacking from external32 failed");
    *position += n;
    return MPI_SUCCESS;
}

int PMPI_Pack_external(const char datarep[], const void *inbuf, int incount, MPI_Datatype datatype,
                       void *outbuf, MPI_Aint outsize, MPI_Aint *position)
{
    return pack_external_common("MPI_Pack_external", datarep, inbuf, incount, datatype, outbuf,
                                outsize, (MPI_Count *)position);
}
LARK_API_ALIAS(Pack_external)

int PMPI_Pack_external_c(const char datarep[], const void *inbuf, MPI_Count incount,
                         MPI_Datatype datatype, void *outbuf, MPI_Count outsize,
                         MPI_Count *position)
{
    return pack_external_common("MPI_Pack_external_c", datarep, inbuf, incount, datatype, outbuf,
                                outsize, position);
}
LARK_API_ALIAS(Pack_external_c)

int PMPI_Unpack_external(const char datarep[], const void *inbuf, MPI_Aint insize,
                         MPI_Aint *position, void *outbuf, int outcount, MPI_Datatype datatype)
{
    return unpack_external_common("MPI_Unpack_external", datarep, inbuf, insize,
                                  (MPI_Count *)position, outbuf, outcount, datatype);
}
LARK_API_ALIAS(Unpack_external)

int PMPI_Unpack_external_c(const char datarep[], const void *inbuf, MPI_Count insize,
                           MPI_Count *position, void *outbuf, MPI_Count outcount,
                           MPI_Datatype datatype)
{
    return unpack_external_common("MPI_Unpack_external_c", datarep, inbuf, insize, position, outbuf,
                                  outcount, datatype);
}
LARK_API_ALIAS(Unpack_external_c)

static int external_size_common(const char *call, const char *datarep, MPI_Count incount,
                                MPI_Datatype type, MPI_Count *size)
{
    struct lark_datatype *dt;
    size_t one;
    int err = ext_type(call, datarep, incount, type, &dt, &one);
    if (err != MPI_SUCCESS)
        return err;
    if (size == NULL)
        return lark_err_raise(NULL, call, MPI_ERR_ARG, "size is NULL");
    *size = (MPI_Count)one * incount;
    return MPI_SUCCESS;
}

int PMPI_Pack_external_size(const char datarep[], int incount, MPI_Datatype datatype,
                            MPI_Aint *size)
{
    return external_size_common("MPI_Pack_external_size", datarep, incount, datatype,
                                (MPI_Count *)size);
}
LARK_API_ALIAS(Pack_external_size)

int PMPI_Pack_external_size_c(const char datarep[], MPI_Count incount, MPI_Datatype datatype,
                              MPI_Count *size)
{
    return external_size_common("MPI_Pack_external_size_c", datarep, incount, datatype, size);
}
LARK_API_ALIAS(Pack_external_size_c)

/* ---- addresses ---- */

int PMPI_Get_address(const void *location, MPI_Aint *address)
{
    if (address == NULL)
        return lark_err_raise(NULL, "MPI_Get_address", MPI_ERR_ARG, "address is NULL");
    *address = (MPI_Aint)(uintptr_t)location;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Get_address)

MPI_Aint PMPI_Aint_add(MPI_Aint base, MPI_Aint disp)
{
    return (MPI_Aint)((uintptr_t)base + (uintptr_t)disp);
}
LARK_API_ALIAS(Aint_add)

MPI_Aint PMPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2)
{
    return (MPI_Aint)((uintptr_t)addr1 - (uintptr_t)addr2);
}
LARK_API_ALIAS(Aint_diff)
