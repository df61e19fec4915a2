/* PMIx fences and direct modex across nodes, the bookkeeping part.
 *
 * Every node's PMIx server calls fence_nb once its local participants have
 * all entered a fence; the node's loop parks the callback (a struct
 * lark_pending keyed by the fence's signature) and sends its contribution
 * up the tree.  mpirun keeps one struct lark_fence per fence in progress,
 * appends each node's contribution (the PMIx library's blobs concatenate),
 * and once every node with a participant has sent its part, sends the whole
 * down to every node, whose loop completes the parked callback.  The
 * signature is "*" for the whole job, else the sorted participating ranks.
 *
 * Direct modex (a lazy PMIx_Get of a rank on another node) parks the
 * callback under a request id, and the request travels to the rank's node
 * through mpirun; the answer comes back the same way. */
#include "launcher.h"

#include <stdlib.h>
#include <string.h>

int lark_pending_add(struct lark_pending **list, const char *sig, uint32_t reqid, void *cbfunc,
                     void *cbdata)
{
    struct lark_pending *p = calloc(1, sizeof(*p)); /* freed by lark_pending_take's caller */
    if (!p)
        return -1;
    p->sig = sig ? strdup(sig) : NULL;
    p->reqid = reqid;
    p->cbfunc = cbfunc;
    p->cbdata = cbdata;
    /* appended: fences of one signature complete in the order they began */
    while (*list)
        list = &(*list)->next;
    *list = p;
    return 0;
}

struct lark_pending *lark_pending_take(struct lark_pending **list, const char *sig, uint32_t reqid)
{
    for (; *list; list = &(*list)->next) {
        struct lark_pending *p = *list;
        bool match = sig ? (p->sig && strcmp(p->sig, sig) == 0) : (!p->sig && p->reqid == reqid);
        if (match) {
            *list = p->next;
            return p;
        }
    }
    return NULL;
}

void lark_pending_free(struct lark_pending *p)
{
    if (!p)
        return;
    free(p->sig);
    free(p);
}

/* How many nodes take part in the fence `sig`. */
static int participants(const struct lark_map *m, const char *sig)
{
    if (strcmp(sig, "*") == 0)
        return m->nnodes;
    bool *seen = calloc((size_t)m->nnodes, sizeof(bool));
    if (!seen)
        return m->nnodes;
    int n = 0;
    for (const char *s = sig; *s;) {
        long r = strtol(s, (char **)&s, 10);
        if (r >= 0 && r < m->nprocs && !seen[m->procs[r].node]) {
            seen[m->procs[r].node] = true;
            n++;
        }
        if (*s == ',')
            s++;
        else if (*s)
            break;
    }
    free(seen);
    return n;
}

int lark_fence_add(struct lark_fence **list, const struct lark_map *m, const char *sig,
                   const void *data, size_t n, struct lark_buf *done)
{
    struct lark_fence **pp = list, *f = NULL;
    for (; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->sig, sig) == 0) {
            f = *pp;
            break;
        }
    if (!f) {
        f = calloc(1, sizeof(*f)); /* freed below when complete */
        if (!f || !(f->sig = strdup(sig))) {
            free(f);
            return -1;
        }
        f->expected = participants(m, sig);
        f->next = *list;
        *list = f;
        pp = list;
    }
    if (n) {
        /* raw concatenation, no length prefix: PMIx's blobs carry their own */
        if (f->data.len + n > f->data.cap) {
            size_t nc = f->data.cap ? f->data.cap : 1024;
            while (nc < f->data.len + n)
                nc *= 2;
            char *nd = realloc(f->data.data, nc);
            if (!nd)
                return -1;
            f->data.data = nd;
            f->data.cap = nc;
        }
        memcpy(f->data.data + f->data.len, data, n);
        f->data.len += n;
    }
    if (++f->got < f->expected)
        return 0;
    /* complete: the FENCE_DONE payload */
    lark_buf_str(done, sig);
    lark_buf_bytes(done, f->data.data, f->data.len);
    for (pp = list; *pp != f; pp = &(*pp)->next)
        ;
    *pp = f->next;
    free(f->sig);
    free(f->data.data);
    free(f);
    return 1;
}

void lark_pending_complete(struct lark_pending **list, const char *sig, uint32_t reqid, int status,
                           const void *data, size_t n)
{
    struct lark_pending *p = lark_pending_take(list, sig, reqid);
    if (!p)
        return;
    char *copy = n ? malloc(n) : NULL; /* freed by the PMIx library's release call */
    if (copy)
        memcpy(copy, data, n);
    lark_pmix_modex_done(p->cbfunc, p->cbdata, status, copy, copy ? n : 0);
    lark_pending_free(p);
}

void lark_dmdx_pack_req(struct lark_buf *b, int target, int from, uint32_t reqid, int rank)
{
    lark_buf_u32(b, (uint32_t)target);
    lark_buf_u32(b, (uint32_t)from);
    lark_buf_u32(b, reqid);
    lark_buf_u32(b, (uint32_t)rank);
}

void lark_dmdx_pack_resp(struct lark_buf *b, int target, uint32_t reqid, int status,
                         const void *data, size_t n)
{
    lark_buf_u32(b, (uint32_t)target);
    lark_buf_u32(b, reqid);
    lark_buf_u32(b, (uint32_t)(status != 0));
    lark_buf_bytes(b, data, n);
}

int lark_dmdx_serve(struct lark_buf *b, const char *nspace, struct lark_buf *fail)
{
    int from = (int)lark_buf_get_u32(b);
    uint32_t reqid = lark_buf_get_u32(b);
    int rank = (int)lark_buf_get_u32(b);
    if (!b->bad && lark_pmix_dmodex_ask(nspace, rank, reqid, from) == 0)
        return 0;
    lark_dmdx_pack_resp(fail, from, reqid, 1, NULL, 0);
    return -1;
}

void lark_dmdx_take_resp(struct lark_buf *b, struct lark_pending **list)
{
    uint32_t reqid = lark_buf_get_u32(b);
    int status = (int)lark_buf_get_u32(b);
    size_t n;
    const void *d = lark_buf_get_bytes(b, &n);
    if (!b->bad)
        lark_pending_complete(list, NULL, reqid, status, d, n);
}
