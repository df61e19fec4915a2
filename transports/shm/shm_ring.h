/*
 * shm_ring.h -- how many cells each per-pair ring of the shm transport has,
 * given how many ranks share the node.  Every rank of the node computes the
 * same number from the same local size, so segments agree without asking.
 * Header-only, so the unit test checks the rule itself (tests/unit/test_shm.c).
 *
 * A pair's ring is the only room a small message has, so its size is how
 * many small messages a sender may have in flight before it must wait for
 * the receiver (a window of 64 one-cell messages needs 64 cells; a 32-cell
 * ring made such a sender retry, and 4 ranks on 2 cores switch tasks, every
 * 16-32 messages).  The rings of a node grow as L * L, so they share a
 * budget: each ring takes the largest power of two of cells, from
 * LARK_SHM_RING_MIN to LARK_SHM_RING_MAX, that keeps L * L rings within
 * LARK_SHM_RING_BUDGET bytes: 256 cells (16 KiB) up to 45 local ranks, 128
 * up to 64, 64 up to 90, 32 (2 KiB) from 91 (128 ranks: 32 MiB of rings).
 */
#ifndef LARK_SHM_RING_H
#define LARK_SHM_RING_H

#include <stddef.h>
#include <stdint.h>

#define LARK_SHM_CELL        64u
#define LARK_SHM_RING_MIN    32u         /* cells: 2 KiB, the floor at any scale */
#define LARK_SHM_RING_MAX    256u        /* cells: 16 KiB */
#define LARK_SHM_RING_BUDGET (32u << 20) /* bytes of rings per node, when above the floor */

static inline uint32_t lark_shm_ring_cells(uint32_t local_size)
{
    uint32_t cells = LARK_SHM_RING_MAX;
    while (cells > LARK_SHM_RING_MIN &&
           (uint64_t)local_size * local_size * cells * LARK_SHM_CELL > LARK_SHM_RING_BUDGET)
        cells /= 2;
    return cells;
}

#endif
