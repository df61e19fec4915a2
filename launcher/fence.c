/* PMIx fences and direct modex across nodes, the bookkeeping part.
 *
 * Every node's PMIx server calls fence_nb once its local participants have
 * all entered a fence; the node's loop parks the callback (a struct
 * lark_pending keyed by the fence's signature) and adds its contribution
 * to its own fence table.  Every position of the launch tree (mpirun and
 * each daemon) keeps one struct lark_fence per fence in progress and
 * appends each contribution it gets (the PMIx library's blobs
 * concatenate): its own node's, and one from each child whose subtree
 * holds a participant.  A daemon that has them all sends ONE frame up
 * with the whole (so a fence costs one frame per tree edge, whatever the
 * depth); mpirun, once it has them all, sends the result down to every
 * node, whose loop completes the parked callback.  The signature is "*"
 * for the whole job, else the sorted participating ranks.
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

/* How many contributions position `pos` of the tree waits for in the
 * fence `sig`: one from its own node when that node has a participant,
 * and one from each child whose subtree has one.  -1: out of memory. */
static int contributors(const struct lark_map *m, const struct lark_tree *t, int pos,
                        const char *sig)
{
    /* Nodes with a participant, then the children of pos that hold one. */
    int first, nkids = lark_tree_children(t, pos, &first);
    bool *seen = calloc((size_t)m->nnodes + (size_t)nkids + 1, sizeof(bool));
    if (!seen)
        return -1;
    bool *kid = seen + m->nnodes;
    bool all = strcmp(sig, "*") == 0;
    for (int i = 0; i < m->nnodes; i++)
        seen[i] = all;
    for (const char *s = sig; !all && *s;) {
        long r = strtol(s, (char **)&s, 10);
        if (r >= 0 && r < m->nprocs)
            seen[m->procs[r].node] = true;
        if (*s == ',')
            s++;
        else if (*s)
            break;
    }
    int n = 0;
    for (int q = 0; q < m->nnodes; q++) {
        if (!seen[q])
            continue;
        int qp = lark_tree_pos(t, q);
        if (qp == pos) {
            n++;
            continue;
        }
        if (!lark_tree_below(t, qp, pos))
            continue;
        while (lark_tree_parent(t, qp) != pos)
            qp = lark_tree_parent(t, qp);
        if (qp >= first && qp < first + nkids && !kid[qp - first]) {
            kid[qp - first] = true;
            n++;
        }
    }
    free(seen);
    return n;
}

int lark_fence_add(struct lark_fence **list, const struct lark_map *m, const struct lark_tree *t,
                   int pos, const char *sig, const void *data, size_t n, struct lark_buf *done)
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
        if ((f->expected = contributors(m, t, pos, sig)) < 0) {
            free(f->sig);
            free(f);
            return -1;
        }
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
    int got = f->got;
    lark_buf_str(done, sig);
    lark_buf_bytes(done, f->data.data, f->data.len);
    for (pp = list; *pp != f; pp = &(*pp)->next)
        ;
    *pp = f->next;
    free(f->sig);
    free(f->data.data);
    free(f);
    return got;
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
