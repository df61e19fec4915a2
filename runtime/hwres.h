/*
 * hwres.h -- the hardware this process runs on, seen through hwloc: which
 * object of a given type (Package, NUMANode, L3Cache, Core, ...) holds the
 * CPUs this process is bound to.  MPI_Comm_split_type's HW_GUIDED and
 * HW_UNGUIDED splits and MPI_Get_hw_resource_info build on it.
 *
 * The topology is loaded on first use (a few milliseconds) and kept until
 * lark_hwres_finalize (MPI_Finalize).  Callers hold the runtime lock.
 */
#ifndef LARK_HWRES_H_INCLUDED
#define LARK_HWRES_H_INCLUDED

#include "lark.h"

/* The resource types Lark understands, largest first, by hwloc name
 * ("Package", "NUMANode", "L3Cache", "L2Cache", "L1Cache", "Core", "PU");
 * NULL-terminated. */
extern const char *const lark_hwres_types[];

/* Logical index of the object of type `name` (case-insensitive hwloc name)
 * whose CPUs contain all the CPUs this process may run on; -1 when the
 * process spans several such objects (it is not bound that tightly), -2
 * when the name is not a type Lark knows or the machine has none. */
int lark_hwres_index(const char *name);

/* Number of objects of that type on this machine (0 if unknown). */
int lark_hwres_count(const char *name);

void lark_hwres_finalize(void);

#endif
