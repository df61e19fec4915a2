/*
 * bsend.h -- buffered sends: the buffer the user attached, and sends whose
 * data was copied so the call could return at once.
 */
#ifndef LARK_BSEND_H_INCLUDED
#define LARK_BSEND_H_INCLUDED

#include "lark.h"

struct lark_comm;
struct lark_datatype;

/* Attach / detach the user's buffer (MPI_Buffer_attach/detach).  attach
 * fails with LARK_ERR_AGAIN if one is attached; detach waits until every
 * buffered send has left (takes the runtime lock itself; may block). */
int lark_bsend_attach(void *buf, size_t size);
int lark_bsend_detach(void **buf, size_t *size);
/* Copy the message into buffer space and start sending the copy; the
 * internal request frees itself when done.  LARK_ERR_NOMEM if the attached
 * buffer has no room (MPI_ERR_BUFFER).  Runtime lock held. */
int lark_bsend_start(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                     struct lark_comm *comm);

#endif
