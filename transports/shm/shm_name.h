/*
 * shm_name.h -- the one rule for naming a job's shared-memory files, shared
 * by the shm transport (which creates them) and the launcher's node agent
 * (which removes whatever a crashed job left): "/<nspace>.shm.<rank>.<32 hex>"
 * in /dev/shm.  Every file of a job starts with "<nspace>.", so cleanup can
 * find them by the job's namespace alone.  Header-only: the launcher does not
 * link the runtime.
 */
#ifndef LARK_SHM_NAME_H
#define LARK_SHM_NAME_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The shm_open name of `rank`'s segment in job `nspace`, with 128 random
 * bits so that nobody can guess it.  Returns snprintf's count. */
static inline int lark_shm_name(char *buf, size_t len, const char *nspace, int rank,
                                const uint64_t rnd[2])
{
    return snprintf(buf, len, "/%s.shm.%d.%016" PRIx64 "%016" PRIx64, nspace, rank, rnd[0], rnd[1]);
}

/* Whether `entry` (a file name in /dev/shm, without the leading '/') belongs
 * to job `nspace`. */
static inline bool lark_shm_name_of_job(const char *entry, const char *nspace)
{
    size_t len = strlen(nspace);
    return strncmp(entry, nspace, len) == 0 && entry[len] == '.';
}

#endif
