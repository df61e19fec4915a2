/* cma_cost.c: the size from which the shm transport reads a message in one
 * copy (process_vm_readv) rather than streaming it through the pool. */
#ifndef LARK_SHM_CMA_COST_H
#define LARK_SHM_CMA_COST_H

#include <stdbool.h>

/* Whether a read of 64 KiB from this process's own memory costs at most a
 * few memcpys of the same bytes (then reads pay from 128 KiB one way, and
 * from 64 KiB when both sides stream; else from 2 MiB and 256 KiB). */
bool lark_shm_cma_cheap(void);

#endif
