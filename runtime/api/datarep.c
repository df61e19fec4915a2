/*
 * datarep.c -- MPI_Register_datarep(_c): the registry of data
 * representations of the I/O chapter.  "native", "internal" and
 * "external32" are predefined; a program may add its own once each.
 *
 * Lark has no MPI-IO yet, so a registered representation is only
 * remembered (and a second registration of a name refused with
 * MPI_ERR_DUP_DATAREP, as the standard requires); nothing calls its
 * conversion functions.  Errors of the I/O chapter go to the error
 * handler of MPI_FILE_NULL, which is MPI_ERRORS_RETURN by default and
 * which Lark does not let programs change (there is no MPI_File yet): so
 * these calls return their error class and never abort.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "runtime.h"

#pragma weak MPI_Register_datarep = PMPI_Register_datarep
#pragma weak MPI_Register_datarep_c = PMPI_Register_datarep_c

/* One registered representation; the list lives until the process ends. */
struct datarep {
    char name[MPI_MAX_DATAREP_STRING];
    MPI_Datarep_conversion_function *read, *write;
    MPI_Datarep_conversion_function_c *read_c, *write_c;
    MPI_Datarep_extent_function *extent;
    void *extra_state;
    struct datarep *next;
};

static struct datarep *registry; /* runtime lock held */

static bool known(const char *name)
{
    if (strcmp(name, "native") == 0 || strcmp(name, "internal") == 0 ||
        strcmp(name, "external32") == 0)
        return true;
    for (const struct datarep *d = registry; d != NULL; d = d->next)
        if (strcmp(d->name, name) == 0)
            return true;
    return false;
}

static int reg(const char *datarep, MPI_Datarep_conversion_function *read,
               MPI_Datarep_conversion_function *write, MPI_Datarep_conversion_function_c *read_c,
               MPI_Datarep_conversion_function_c *write_c, MPI_Datarep_extent_function *extent,
               void *extra_state)
{
    if (!lark_initialized())
        return MPI_ERR_OTHER; /* MPI_Init first (there is no handler to call yet) */
    if (datarep == NULL || datarep[0] == '\0' ||
        strnlen(datarep, MPI_MAX_DATAREP_STRING) >= MPI_MAX_DATAREP_STRING)
        return MPI_ERR_ARG; /* a name of 1 to MPI_MAX_DATAREP_STRING - 1 characters */
    if (extent == NULL)
        return MPI_ERR_ARG;                   /* the extent function is required */
    struct datarep *d = calloc(1, sizeof *d); /* kept until the process ends */
    if (d == NULL)
        return MPI_ERR_NO_MEM;
    strcpy(d->name, datarep);
    d->read = read;
    d->write = write;
    d->read_c = read_c;
    d->write_c = write_c;
    d->extent = extent;
    d->extra_state = extra_state;
    lark_lock();
    bool dup = known(datarep);
    if (!dup) {
        d->next = registry;
        registry = d;
    }
    lark_unlock();
    if (dup) {
        free(d);
        return MPI_ERR_DUP_DATAREP;
    }
    return MPI_SUCCESS;
}

int PMPI_Register_datarep(const char *datarep, MPI_Datarep_conversion_function *read_conversion_fn,
                          MPI_Datarep_conversion_function *write_conversion_fn,
                          MPI_Datarep_extent_function *dtype_file_extent_fn, void *extra_state)
{
    return reg(datarep, read_conversion_fn, write_conversion_fn, NULL, NULL, dtype_file_extent_fn,
               extra_state);
}

int PMPI_Register_datarep_c(const char *datarep,
                            MPI_Datarep_conversion_function_c *read_conversion_fn,
                            MPI_Datarep_conversion_function_c *write_conversion_fn,
                            MPI_Datarep_extent_function *dtype_file_extent_fn, void *extra_state)
{
    return reg(datarep, NULL, NULL, read_conversion_fn, write_conversion_fn, dtype_file_extent_fn,
               extra_state);
}
