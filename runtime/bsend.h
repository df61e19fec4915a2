/*
 * bsend.h -- buffered sends: the buffers the user attached (to the process
 * with MPI_Buffer_attach, to a communicator with MPI_Comm_attach_buffer),
 * and sends whose data was copied so the call could return at once.
 */
#ifndef LARK_BSEND_H_INCLUDED
#define LARK_BSEND_H_INCLUDED

#include "lark.h"

struct lark_comm;
struct lark_datatype;
struct lark_request;

/* `comm` NULL names the process's buffer, else comm's own.  `buf` may be
 * MPI_BUFFER_AUTOMATIC (the library allocates as needed: no limit).
 * Runtime lock held.  LARK_ERR_AGAIN if one is attached already,
 * LARK_ERR_NOMEM if comm's buffer record cannot be made. */
int lark_bsend_attach(struct lark_comm *comm, void *buf, size_t size);
/* Detach: waits until every buffered send started with that buffer has
 * left (takes the runtime lock itself; may block).  LARK_ERR_ARG when no
 * buffer is attached.  *buf is MPI_BUFFER_AUTOMATIC and *size 0 for an
 * automatic buffer. */
int lark_bsend_detach(struct lark_comm *comm, void **buf, size_t *size);
/* A request (kind LARK_REQ_FLUSH, holding a reference on comm when comm
 * is not NULL) that completes once every buffered send started so far
 * with that buffer has left; complete at once when none is pending or no
 * buffer is attached.  Runtime lock held. */
int lark_bsend_iflush(struct lark_comm *comm, struct lark_request **req);
/* Copy the message into the buffer that `comm` uses (its own, else the
 * process's) and start sending the copy; the internal request frees
 * itself when done.  LARK_ERR_NOMEM if that buffer has no room
 * (MPI_ERR_BUFFER).  Runtime lock held. */
int lark_bsend_start(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                     struct lark_comm *comm);
/* comm is being destroyed (comm.c): forget its buffer record. */
void lark_bsend_comm_gone(struct lark_comm *comm);

#endif
