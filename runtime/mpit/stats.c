/*
 * stats.c -- the counters of stats.h (read by MPI_T's performance
 * variables, runtime/mpit/vars.c).
 */
#include "stats.h"

struct lark_tp_stats lark_tp_stats[LARK_STATS_MAX_TP];
struct lark_tp_stats *lark_rx_stats = &lark_tp_stats[0];
struct lark_stats lark_stats;
