/*
 * progress.h -- the progress engine's waiting side: how a thread waits for
 * a condition while the transports are polled, and how it gives the core
 * away when waiting long (spin, then sched_yield, then sleep on this
 * process's doorbell until a peer or another thread rings it).
 */
#ifndef LARK_PROGRESS_H_INCLUDED
#define LARK_PROGRESS_H_INCLUDED

#include <stdbool.h>

#include "lark.h"

/* Poll until done(arg) is true.  Called WITHOUT the runtime lock; done() is
 * evaluated with it held.  May block. */
void lark_progress_wait(bool (*done)(void *arg), void *arg);
/* The same; once it has polled in vain for a while (~1 us), the
 * where-record shows `w` (NULL: leave it alone) until it returns. */
struct lark_where_call;
void lark_progress_wait_as(bool (*done)(void *arg), void *arg, const struct lark_where_call *w);
/* Wake threads of this process sleeping in lark_progress_wait (a request
 * they may wait on completed).  Runtime lock held or not. */
void lark_progress_wake_self(void);
/* Do this node's ranks outnumber its cores (the waiting policy gives the
 * core away at once)?  For waits outside lark_progress_wait. */
bool lark_progress_oversubscribed(void);
/* Does lark_transport_fence_sleeper issue a membarrier over every process
 * of the job that registered (this one did)?  Then a waker whose sleepers
 * all registered needs only a compiler barrier. */
bool lark_progress_membarrier(void);
/* The waiting policy in ns (spin, then yield, then sleep): read and set by
 * MPI_T (control variables lark_wait_spin_us / lark_wait_yield_us).  Set
 * before MPI_Init, it stands over the layout's default and LARK_WAIT_*. */
void lark_progress_policy(int64_t *spin, int64_t *yield);
void lark_progress_set_policy(int64_t spin, int64_t yield);
/* Choose the waiting policy from the job layout: `ncpu` is how many CPUs
 * the ranks of this node may run on together (init, after wire-up), and
 * set up the epoll wait when a transport has a wait source. */
int lark_progress_init(int ncpu);
/* Close what lark_progress_init opened (finalize, after the transports). */
void lark_progress_finalize(void);

/* At most this many transports with a wait source. */
#define LARK_MAX_WAIT_FDS 8

#endif
