/*
 * bsend.c -- buffered-mode sends.
 *
 * MPI_Bsend copies the message so that it can return before the receive is
 * posted.  Lark accounts the copies against the buffer the user attached
 * (each costs its packed size plus MPI_BSEND_OVERHEAD, as the standard
 * says), so a program that attaches too little gets MPI_ERR_BUFFER exactly
 * where other MPIs give it; the copy itself is a malloc'd block released
 * when the internal send completes.
 */
#include <stdlib.h>
#include <string.h>

#include "lark.h"
#include "bsend.h"
#include "comm.h"
#include "datatype.h"
#include "p2p.h"
#include "progress.h"
#include "request.h"
#include "runtime.h"

static void *attached;
static size_t attached_size, used;
static bool have_buffer;

int lark_bsend_attach(void *buf, size_t size)
{
    if (have_buffer)
        return LARK_ERR_AGAIN;
    attached = buf;
    attached_size = size;
    have_buffer = true;
    return LARK_OK;
}

static bool drained(void *arg)
{
    (void)arg;
    return used == 0;
}

int lark_bsend_detach(void **buf, size_t *size)
{
    lark_lock();
    bool have = have_buffer;
    lark_unlock();
    if (!have)
        return LARK_ERR_ARG;
    lark_progress_wait(drained, NULL);
    lark_lock();
    *buf = attached;
    *size = attached_size;
    attached = NULL;
    attached_size = 0;
    have_buffer = false;
    lark_unlock();
    return LARK_OK;
}

int lark_bsend_start(const void *buf, size_t count, struct lark_datatype *dt, int dest, int tag,
                     struct lark_comm *comm)
{
    if (dest == MPI_PROC_NULL)
        return LARK_OK;
    size_t len = lark_datatype_packed_size(dt, count);
    size_t cost = len + MPI_BSEND_OVERHEAD;
    if (!have_buffer || used + cost > attached_size)
        return LARK_ERR_NOMEM;
    /* The copy: freed by lark_bsend_release when the send is done. */
    void *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return LARK_ERR_NOMEM;
    lark_datatype_pack(dt, buf, count, 0, copy, len);
    struct lark_datatype *bytes = lark_datatype_from_handle(MPI_BYTE);
    struct lark_request *req;
    int rc =
        lark_p2p_isend(copy, len, bytes, dest, tag, comm, LARK_CTX_PT2PT, LARK_SEND_STANDARD, &req);
    if (rc != LARK_OK) {
        free(copy);
        return rc;
    }
    used += cost;
    req->bsend = true;
    if (lark_request_done(req)) {
        lark_request_free(req);
    } else {
        req->freed = true; /* frees itself, and the copy, on completion */
    }
    return LARK_OK;
}

void lark_bsend_release(struct lark_request *req)
{
    used -= req->len + MPI_BSEND_OVERHEAD;
    free(req->buf);
    req->buf = NULL;
    req->bsend = false;
}
