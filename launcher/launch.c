/* The LAUNCH frame: everything a node daemon needs to play its part, sent
 * by its parent once it has called back and shown the secret.  It carries
 * the options that matter on a node (the programs and their arguments, -env,
 * --wdir, mapping, ranking and binding, --report-bindings, stdin target), the whole map (every
 * rank's node and local rank, every node's name: each daemon registers the
 * job's true description with its PMIx server), the ranks' TCP secret
 * (every node registers the same "lark.secret", or ranks on different hosts
 * could not shake hands), mpirun's environment and
 * working directory (as Hydra does: remote ranks start where mpirun was, with
 * its environment), and how to start the daemons further down the tree. */
#include "launcher.h"

#include <stdlib.h>
#include <string.h>

static void put_strv(struct lark_buf *b, char **v, int n)
{
    lark_buf_u32(b, (uint32_t)n);
    for (int i = 0; i < n; i++)
        lark_buf_str(b, v[i]);
}

static char **get_strv(struct lark_buf *b, int *n)
{
    uint32_t k = lark_buf_get_u32(b);
    if (b->bad || k > (1u << 24)) {
        b->bad = true;
        return NULL;
    }
    char **v = calloc((size_t)k + 1, sizeof(char *));
    if (!v) {
        b->bad = true;
        return NULL;
    }
    for (uint32_t i = 0; i < k; i++)
        v[i] = lark_buf_get_str(b);
    if (n)
        *n = (int)k;
    return v;
}

static int count(char **v)
{
    int n = 0;
    while (v && v[n])
        n++;
    return n;
}

void lark_launch_pack(struct lark_buf *b, const struct lark_launch *l, const struct lark_options *o,
                      const struct lark_map *m)
{
    lark_buf_str(b, l->nspace);
    lark_buf_str(b, l->rank_secret);
    lark_buf_str(b, l->cwd);
    put_strv(b, l->base_env, count(l->base_env));
    lark_buf_str(b, l->agent);
    lark_buf_str(b, l->daemon);
    lark_buf_u32(b, (uint32_t)(l->launch_timeout * 1000));
    lark_buf_u32(b, (uint32_t)l->tree.root_node);
    lark_buf_u32(b, (uint32_t)l->tree.radix);
    /* options */
    lark_buf_u32(b, (uint32_t)o->napps);
    for (int a = 0; a < o->napps; a++) {
        put_strv(b, o->apps[a].argv, o->apps[a].argc);
        put_strv(b, o->apps[a].env, o->apps[a].nenv);
        lark_buf_str(b, o->apps[a].wdir);
    }
    lark_buf_u32(b, (uint32_t)o->map_by);
    lark_buf_u32(b, (uint32_t)o->pe);
    lark_buf_u32(b, (uint32_t)o->ppr_n);
    lark_buf_u32(b, (uint32_t)o->ppr_obj);
    lark_buf_u32(b, (uint32_t)o->bind_to);
    lark_buf_u32(b, o->report_bindings);
    lark_buf_u32(b, (uint32_t)o->stdin_target);
    lark_buf_u32(b, (uint32_t)o->session);
    lark_buf_u32(b, (uint32_t)o->rank_by);
    lark_buf_str(b, o->wdir);
    lark_buf_str(b, o->prefix);
    lark_buf_u32(b, o->preload && l->bin);
    for (int a = 0; o->preload && l->bin && a < o->napps; a++) {
        lark_buf_str(b, l->binname[a]);
        lark_buf_bytes(b, l->bin[a], l->binlen[a]);
    }
    /* the map */
    put_strv(b, m->nodes, m->nnodes);
    lark_buf_u32(b, (uint32_t)m->nprocs);
    for (int i = 0; i < m->nprocs; i++) {
        lark_buf_u32(b, (uint32_t)m->procs[i].app);
        lark_buf_u32(b, (uint32_t)m->procs[i].node);
        lark_buf_u32(b, (uint32_t)m->procs[i].app_rank);
    }
}

static void free_strv(char **v)
{
    for (int i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void lark_launch_free(struct lark_launch *l, struct lark_options *o, struct lark_map *m)
{
    free((char *)l->nspace);
    free((char *)l->rank_secret);
    free((char *)l->cwd);
    free_strv(l->base_env);
    free((char *)l->agent);
    free((char *)l->daemon);
    lark_launch_free_bins(l, o->napps);
    for (int a = 0; o->apps && a < o->napps; a++) {
        free_strv(o->apps[a].argv);
        free_strv(o->apps[a].env);
        free(o->apps[a].wdir);
    }
    free(o->apps);
    free(o->wdir);
    free(o->prefix);
    free_strv(m->nodes);
    free(m->procs);
    free(m->node_size);
    memset(l, 0, sizeof(*l));
    memset(o, 0, sizeof(*o));
    memset(m, 0, sizeof(*m));
}

static int unpack(struct lark_buf *b, struct lark_launch *l, struct lark_options *o,
                  struct lark_map *m);

int lark_launch_unpack(struct lark_buf *b, struct lark_launch *l, struct lark_options *o,
                       struct lark_map *m)
{
    memset(l, 0, sizeof(*l));
    memset(o, 0, sizeof(*o));
    memset(m, 0, sizeof(*m));
    if (unpack(b, l, o, m) == 0)
        return 0;
    lark_launch_free(l, o, m);
    return -1;
}

static int unpack(struct lark_buf *b, struct lark_launch *l, struct lark_options *o,
                  struct lark_map *m)
{
    l->nspace = lark_buf_get_str(b);
    l->rank_secret = lark_buf_get_str(b);
    l->cwd = lark_buf_get_str(b);
    l->base_env = get_strv(b, NULL);
    l->agent = lark_buf_get_str(b);
    l->daemon = lark_buf_get_str(b);
    l->launch_timeout = lark_buf_get_u32(b) / 1000.0;
    l->tree.root_node = (int)lark_buf_get_u32(b);
    l->tree.radix = (int)lark_buf_get_u32(b);
    o->napps = (int)lark_buf_get_u32(b);
    if (b->bad || o->napps < 1 || o->napps > (1 << 20))
        return -1;
    o->apps = calloc((size_t)o->napps, sizeof(*o->apps));
    if (!o->apps)
        return -1;
    for (int a = 0; a < o->napps; a++) {
        o->apps[a].argv = get_strv(b, &o->apps[a].argc);
        o->apps[a].env = get_strv(b, &o->apps[a].nenv);
        o->apps[a].wdir = lark_buf_get_str(b);
    }
    o->map_by = (enum lark_map_by)lark_buf_get_u32(b);
    o->pe = (int)lark_buf_get_u32(b);
    o->ppr_n = (int)lark_buf_get_u32(b);
    o->ppr_obj = (enum lark_map_by)lark_buf_get_u32(b);
    o->bind_to = (enum lark_bind_to)lark_buf_get_u32(b);
    o->report_bindings = lark_buf_get_u32(b) != 0;
    o->stdin_target = (int)lark_buf_get_u32(b);
    o->session = (enum lark_session_mode)lark_buf_get_u32(b);
    o->rank_by = (enum lark_map_by)lark_buf_get_u32(b);
    o->wdir = lark_buf_get_str(b);
    o->prefix = lark_buf_get_str(b);
    o->preload = lark_buf_get_u32(b) != 0;
    if (o->preload && !b->bad) {
        l->bin = calloc((size_t)o->napps, sizeof(*l->bin));
        l->binlen = calloc((size_t)o->napps, sizeof(*l->binlen));
        l->binname = calloc((size_t)o->napps, sizeof(*l->binname));
        if (!l->bin || !l->binlen || !l->binname)
            return -1;
        for (int a = 0; a < o->napps; a++) {
            l->binname[a] = lark_buf_get_str(b);
            size_t n;
            const void *d = lark_buf_get_bytes(b, &n);
            if (b->bad || !l->binname[a] || !(l->bin[a] = malloc(n ? n : 1)))
                return -1;
            memcpy(l->bin[a], d, n);
            l->binlen[a] = n;
        }
    }
    m->nodes = get_strv(b, &m->nnodes);
    m->nprocs = (int)lark_buf_get_u32(b);
    if (b->bad || m->nnodes < 1 || m->nprocs < 1 || m->nprocs > (1 << 26))
        return -1;
    m->procs = calloc((size_t)m->nprocs, sizeof(*m->procs));
    m->node_size = calloc((size_t)m->nnodes, sizeof(int));
    if (!m->procs || !m->node_size)
        return -1;
    for (int i = 0; i < m->nprocs; i++) {
        struct lark_proc *p = &m->procs[i];
        p->rank = i;
        p->app = (int)lark_buf_get_u32(b);
        p->node = (int)lark_buf_get_u32(b);
        p->app_rank = (int)lark_buf_get_u32(b);
        if (b->bad || p->node < 0 || p->node >= m->nnodes || p->app < 0 || p->app >= o->napps)
            return -1;
        p->local_rank = m->node_size[p->node]++;
        p->fd_out = p->fd_err = p->fd_in = -1;
    }
    l->tree.nnodes = m->nnodes;
    m->me = -1;
    return b->bad ? -1 : 0;
}

void lark_launch_free_bins(struct lark_launch *l, int napps)
{
    for (int a = 0; l->bin && a < napps; a++)
        free(l->bin[a]);
    for (int a = 0; l->binname && a < napps; a++)
        free(l->binname[a]);
    free(l->bin);
    free(l->binlen);
    free(l->binname);
    l->bin = NULL;
    l->binlen = NULL;
    l->binname = NULL;
}
