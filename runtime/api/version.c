/*
 * version.c -- MPI_Get_version and MPI_Get_library_version.
 */
#include <stdio.h>

#include "lark.h"

int PMPI_Get_version(int *version, int *subversion)
{
    /* Callable before MPI_Init and after MPI_Finalize (MPI 5.0, 11.1.1). */
    if (version == NULL || subversion == NULL)
        return MPI_ERR_ARG;
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Get_version)

int PMPI_Get_library_version(char *version, int *resultlen)
{
    if (version == NULL || resultlen == NULL)
        return MPI_ERR_ARG;
    int n = snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                     "Lark MPI %s (a subset of MPI %d.%d; the MPI 5.0 standard ABI %d.%d)",
                     LARK_VERSION_STRING, MPI_VERSION, MPI_SUBVERSION, MPI_ABI_VERSION,
                     MPI_ABI_SUBVERSION);
    *resultlen = n;
    return MPI_SUCCESS;
}
LARK_API_ALIAS(Get_library_version)
