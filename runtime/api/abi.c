/*
 * abi.c -- the standard ABI's own functions (MPI 5.0, chapter 21): which ABI
 * Lark implements, and the Fortran registration calls.
 *
 * Lark has no Fortran binding: it knows nothing of the Fortran compiler, so
 * the Fortran booleans start "not set" and a Fortran layer built on the C
 * ABI (the standard's model) must register them.  Each logical size can be
 * registered once; a second registration is refused with MPI_ERR_ABI, as the
 * standard says of MPI_Abi_set_fortran_info.  All of these may be called at
 * any time, before MPI_Init and after MPI_Finalize, from any thread: they
 * never run an error handler (there may be no communicator yet) and return
 * the error class directly.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "lark.h"

#pragma weak MPI_Abi_get_version = PMPI_Abi_get_version
#pragma weak MPI_Abi_get_fortran_booleans = PMPI_Abi_get_fortran_booleans
#pragma weak MPI_Abi_set_fortran_booleans = PMPI_Abi_set_fortran_booleans
#pragma weak MPI_Abi_get_info = PMPI_Abi_get_info
#pragma weak MPI_Abi_get_fortran_info = PMPI_Abi_get_fortran_info
#pragma weak MPI_Abi_set_fortran_info = PMPI_Abi_set_fortran_info

int PMPI_Abi_get_version(int *abi_major, int *abi_minor)
{
    if (abi_major == NULL || abi_minor == NULL)
        return MPI_ERR_ARG;
    *abi_major = MPI_ABI_VERSION;
    *abi_minor = MPI_ABI_SUBVERSION;
    return MPI_SUCCESS;
}

/* Registered Fortran .TRUE./.FALSE. per LOGICAL size 1, 2, 4, 8, 16 bytes
 * (slot log2(size)); guarded by `booleans_lock`. */
#define LARK_FORTRAN_LOGICAL_MAX 16
static struct {
    int set;
    unsigned char t[LARK_FORTRAN_LOGICAL_MAX], f[LARK_FORTRAN_LOGICAL_MAX];
} booleans[5];
static pthread_mutex_t booleans_lock = PTHREAD_MUTEX_INITIALIZER;

/* The slot of a LOGICAL size, or -1 when it is not a power of two <= 16. */
static int logical_slot(int size)
{
    for (int s = 0, n = 1; n <= LARK_FORTRAN_LOGICAL_MAX; s++, n *= 2)
        if (size == n)
            return s;
    return -1;
}

int PMPI_Abi_set_fortran_booleans(int logical_size, void *logical_true, void *logical_false)
{
    int s = logical_slot(logical_size);
    if (s < 0 || logical_true == NULL || logical_false == NULL)
        return MPI_ERR_ARG;
    if (memcmp(logical_true, logical_false, (size_t)logical_size) == 0)
        return MPI_ERR_ARG; /* .TRUE. and .FALSE. must differ */
    int rc = MPI_SUCCESS;
    pthread_mutex_lock(&booleans_lock);
    if (booleans[s].set) {
        rc = MPI_ERR_ABI; /* only the first registration counts */
    } else {
        memcpy(booleans[s].t, logical_true, (size_t)logical_size);
        memcpy(booleans[s].f, logical_false, (size_t)logical_size);
        booleans[s].set = 1;
    }
    pthread_mutex_unlock(&booleans_lock);
    return rc;
}

int PMPI_Abi_get_fortran_booleans(int logical_size, void *logical_true, void *logical_false,
                                  int *is_set)
{
    int s = logical_slot(logical_size);
    if (s < 0 || logical_true == NULL || logical_false == NULL || is_set == NULL)
        return MPI_ERR_ARG;
    pthread_mutex_lock(&booleans_lock);
    *is_set = booleans[s].set;
    if (booleans[s].set) {
        memcpy(logical_true, booleans[s].t, (size_t)logical_size);
        memcpy(logical_false, booleans[s].f, (size_t)logical_size);
    }
    pthread_mutex_unlock(&booleans_lock);
    return MPI_SUCCESS;
}

/* A new info object with the sizes of the ABI's integer types, the keys Open
 * MPI also returns.  The caller frees it with MPI_Info_free. */
int PMPI_Abi_get_info(MPI_Info *info)
{
    if (info == NULL)
        return MPI_ERR_ARG;
    static const struct {
        const char *key;
        size_t size;
    } keys[] = {
        {"mpi_aint_size", sizeof(MPI_Aint)},
        {"mpi_count_size", sizeof(MPI_Count)},
        {"mpi_offset_size", sizeof(MPI_Offset)},
    };
    MPI_Info in;
    int rc = PMPI_Info_create(&in);
    for (size_t i = 0; rc == MPI_SUCCESS && i < sizeof keys / sizeof keys[0]; i++) {
        char v[24];
        snprintf(v, sizeof v, "%zu", keys[i].size);
        rc = PMPI_Info_set(in, keys[i].key, v);
    }
    if (rc != MPI_SUCCESS) {
        if (in != MPI_INFO_NULL)
            PMPI_Info_free(&in);
        return rc;
    }
    *info = in;
    return MPI_SUCCESS;
}

/* What a Fortran layer registered about itself: a copy owned by the library
 * (never freed: it lives as long as the process), guarded by booleans_lock. */
static MPI_Info fortran_info = MPI_INFO_NULL;

int PMPI_Abi_set_fortran_info(MPI_Info info)
{
    if (info == MPI_INFO_NULL)
        return MPI_ERR_INFO;
    int rc = MPI_SUCCESS;
    pthread_mutex_lock(&booleans_lock);
    if (fortran_info != MPI_INFO_NULL)
        rc = MPI_ERR_ABI; /* only the first registration counts */
    else
        rc = PMPI_Info_dup(info, &fortran_info);
    pthread_mutex_unlock(&booleans_lock);
    return rc;
}

/* A copy of what MPI_Abi_set_fortran_info registered, or MPI_INFO_NULL when
 * nothing was: Lark itself has no Fortran binding to describe. */
int PMPI_Abi_get_fortran_info(MPI_Info *info)
{
    if (info == NULL)
        return MPI_ERR_ARG;
    int rc = MPI_SUCCESS;
    pthread_mutex_lock(&booleans_lock);
    if (fortran_info == MPI_INFO_NULL)
        *info = MPI_INFO_NULL;
    else
        rc = PMPI_Info_dup(fortran_info, info);
    pthread_mutex_unlock(&booleans_lock);
    return rc;
}
