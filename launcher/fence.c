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
