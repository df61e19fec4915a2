/*
 * node.c -- node-aware collectives: on a communicator whose ranks live on
 * several nodes, several of them on one node, barrier, bcast, reduce and
 * allreduce run as an intra-node phase among the ranks of each node (over
 * shared memory: the shm transport, or coll/shm.c's segment for the small
 * blocking ones) and an inter-node phase among one leader per node, so
 * each node sends and receives one message per inter-node round instead of
 * one per rank.
 *
 * The layout: the node of every rank (PMIX_NODEID, from the job's maps:
 * runtime/wireup.c, no traffic), read at the communicator's first such
 * collective, the same at every rank since every rank reads the same job
 * description.  Nodes are numbered by their lowest rank; that rank is the
 * node's leader.  Two communicators for the collectives' own use are made
 * from it (lark_comm_create_derived: contexts derived from the parent's
 * id, no agreement): `node`, this node's ranks in rank order, and
 * `leaders`, the leaders in node order (only at the leaders).  The
 * phases run the ordinary algorithms on them (lark_sched_over), which
 * choose by size as usual; `node` never goes node-aware again and
 * `leaders` never uses a shared-memory segment.
 *
 * Reductions: the phases combine each node's ranks in rank order, then
 * the nodes in the order of their leaders.  That is rank order when every
 * node's ranks are consecutive (`contiguous`: mapping by slot, the usual
 * layout), so non-commutative ops go node-aware then too; with nodes
 * interleaved (round-robin mapping) they run the flat algorithms, which
 * keep rank order themselves.
 *
 * Allgather: gather to each node's leader, allgatherv of the nodes'
 * blocks among the leaders, bcast of the whole result in each node; so
 * the inter-node phase has log2(nodes) rounds instead of log2(ranks),
 * each node taking part once.  Only where the flat choice is Bruck
 * (small totals, latency-bound: coll.c's LARK_COLL_ALLGATHER_RING): above
 * it the ring, on ranks placed by node, already crosses each node boundary
 * once per block, and the node phases would add two copies of the whole
 * result.
 *
 * LARK_COLL_NODE=on|off (off: never), and the test knob
 * LARK_COLL_NODES=K: the ranks of each node taken as K nodes (world rank
 * modulo K), so that the algorithms run on one host.
 *
 * Cost per such communicator of n ranks: 8 bytes per rank (node and rank
 * in node of each), two small communicators; freed with it.
 */
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "comm.h"
#include "group.h"
#include "runtime.h"
#include "sched.h"

struct lark_coll_nodes {
    int nnodes;
    bool contiguous;           /* each node's ranks consecutive, nodes in rank order */
    int *node_of;              /* rank -> node index (nodes by their lowest rank) */
    int *idx;                  /* rank -> its rank in its node's communicator */
    struct lark_comm *node;    /* this node's ranks */
    struct lark_comm *leaders; /* the nodes' lowest ranks, by node; NULL unless ours is one */
};

void lark_coll_nodes_destroy(struct lark_coll_nodes *nd)
{
    if (nd == NULL)
        return;
    /* No runtime lock taken here or in derived(): these run with it held
     * (a communicator freed, a schedule recorded by the progress engine)
     * or not (a blocking collective), and what they touch has its own
     * locks (the handle arenas) or atomic reference counts. */
    if (nd->node != NULL)
        lark_comm_release(nd->node);
    if (nd->leaders != NULL)
        lark_comm_release(nd->leaders);
    free(nd->node_of);
    free(nd);
}

struct key {
    uint64_t node;
    int rank;
};

static int by_node(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    return x->rank - y->rank;
}

/* One of the two communicators, over the world ranks `w` (n of them). */
static int derived(struct lark_comm *comm, const int *w, int n, int kind, struct lark_comm **out)
{
    struct lark_group *g = lark_group_create(w, n);
    if (g == NULL)
        return LARK_ERR_NOMEM;
    int rc = lark_comm_create_derived(comm, g, kind, out);
    lark_group_release(g);
    if (rc != 0)
        return rc;
    /* The node's communicator must not turn node-aware (it is one node);
     * the leaders' must not meet in a segment (they are on different
     * nodes; under LARK_COLL_NODES they are not, and the point is to run
     * the inter-node phase). */
    lark_coll_state_set(*out, LARK_COLL_STATE_NODES, -1);
    if (kind == 2)
        lark_coll_state_set(*out, LARK_COLL_STATE_SHM, -1);
    return 0;
}

/* Read the layout and make the communicators; NULL when the layout is
 * unknown, out of memory, or not worth it (one node, or one rank per
 * node). */
static struct lark_coll_nodes *build(struct lark_comm *comm)
{
    int n = comm->size, me = comm->rank;
    const char *fake = getenv("LARK_COLL_NODES");
    int k = fake != NULL ? atoi(fake) : 0;
    struct key *keys = malloc((size_t)n * sizeof *keys); /* freed below */
    struct lark_coll_nodes *nd = calloc(1, sizeof *nd);  /* freed by lark_coll_nodes_destroy */
    int *w = malloc((size_t)n * sizeof *w);              /* freed below */
    if (keys == NULL || nd == NULL || w == NULL)
        goto fail;
    for (int i = 0; i < n; i++) {
        int wr = lark_comm_world_rank(comm, i);
        uint32_t node;
        if (lark_runtime_peer_node(wr, &node) != 0)
            goto fail;
        keys[i].node = ((uint64_t)node << 20) | (uint64_t)(k > 0 ? wr % k : 0);
        keys[i].rank = i;
    }
    qsort(keys, (size_t)n, sizeof *keys, by_node);
    /* node_of and idx in one allocation (freed with nd). */
    nd->node_of = malloc(2 * (size_t)n * sizeof *nd->node_of);
    if (nd->node_of == NULL)
        goto fail;
    nd->idx = nd->node_of + n;
    /* Group by key; a node's index is its place among the lowest ranks. */
    int *lowest = w, ngroups = 0; /* lowest rank of each key group, by key order */
    for (int i = 0; i < n; i++) {
        if (i == 0 || keys[i].node != keys[i - 1].node)
            lowest[ngroups++] = keys[i].rank;
        nd->node_of[keys[i].rank] = ngroups - 1; /* the key group for now */
        nd->idx[keys[i].rank] =
            i == 0 || keys[i].node != keys[i - 1].node ? 0 : nd->idx[keys[i - 1].rank] + 1;
    }
    nd->nnodes = ngroups;
    if (ngroups < 2 || ngroups == n)
        goto fail;
    /* Renumber the key groups by their lowest rank. */
    int *order = malloc(2 * (size_t)ngroups * sizeof *order); /* freed below */
    if (order == NULL)
        goto fail;
    int *newid = order + ngroups, j = 0;
    for (int i = 0; i < n; i++)
        if (nd->idx[i] == 0)
            order[j++] = nd->node_of[i]; /* key groups in rank order of their leaders */
    for (j = 0; j < ngroups; j++)
        newid[order[j]] = j;
    for (int i = 0; i < n; i++)
        nd->node_of[i] = newid[nd->node_of[i]];
    free(order);
    nd->contiguous = true;
    for (int i = 1; i < n; i++)
        if (nd->node_of[i] < nd->node_of[i - 1])
            nd->contiguous = false;
    /* This node's ranks, then the leaders, as world ranks. */
    int mine = nd->node_of[me], m = 0;
    for (int i = 0; i < n; i++)
        if (nd->node_of[i] == mine)
            w[m++] = lark_comm_world_rank(comm, i);
    if (derived(comm, w, m, 1, &nd->node) != 0)
        goto fail;
    if (nd->idx[me] == 0) {
        m = 0;
        for (int i = 0; i < n; i++)
            if (nd->idx[i] == 0)
                w[m++] = lark_comm_world_rank(comm, i);
        if (derived(comm, w, m, 2, &nd->leaders) != 0)
            goto fail;
    }
    free(keys);
    free(w);
    return nd;
fail:
    free(keys);
    free(w);
    lark_coll_nodes_destroy(nd);
    return NULL;
}

struct lark_coll_nodes *lark_coll_nodes_get(struct lark_sched *s)
{
    struct lark_comm *comm = s->comm;
    if (comm->remote != NULL)
        return NULL;
    int *state;
    struct lark_coll_nodes **slot = lark_coll_nodes_slot(comm, &state);
    if (slot == NULL || *state < 0)
        return NULL;
    if (*state == 0) {
        /* Decided once per communicator, the same way at every rank: the
         * layout is the job's, read from PMIx by everyone alike.  Fewer
         * than 3 ranks have nothing to compose (decided too: -1, which
         * lark_coll_shm_ready reads). */
        *state = -1;
        if (comm->size >= 3 && lark_coll_forced(LARK_ROW_NODE) != LARK_ALG_2)
            *slot = build(comm);
        if (*slot != NULL)
            *state = 1;
    }
    return *slot;
}

/* Run `body` with the schedule addressing c. */
#define OVER(s, c, body)                                                                           \
    do {                                                                                           \
        struct lark_comm *prev_ = lark_sched_over((s), (c));                                       \
        rc = (body);                                                                               \
        lark_sched_over((s), prev_);                                                               \
    } while (0)

int lark_sched_node_barrier(struct lark_sched *s, struct lark_coll_nodes *nd)
{
    int rc;
    lark_stats_coll(LARK_ROW_NODE, 0);
    OVER(s, nd->node, lark_sched_barrier(s));
    if (rc == 0 && nd->leaders != NULL)
        OVER(s, nd->leaders, lark_sched_barrier(s));
    if (rc == 0)
        OVER(s, nd->node, lark_sched_barrier(s));
    return rc;
}

/* The root's node first (from the root), then the leaders (from the
 * root's leader), then the other nodes (from their leaders). */
int lark_sched_node_bcast(struct lark_sched *s, struct lark_coll_nodes *nd, void *buf, size_t bytes,
                          int root)
{
    int rc = 0, me = s->comm->rank, rnode = nd->node_of[root];
    bool home = nd->node_of[me] == rnode;
    lark_stats_coll(LARK_ROW_NODE, 1);
    if (home)
        OVER(s, nd->node, lark_sched_bcast(s, buf, bytes, nd->idx[root]));
    if (rc == 0 && nd->leaders != NULL)
        OVER(s, nd->leaders, lark_sched_bcast(s, buf, bytes, rnode));
    if (rc == 0 && !home)
        OVER(s, nd->node, lark_sched_bcast(s, buf, bytes, 0));
    return rc;
}

bool lark_coll_nodes_in_order(const struct lark_coll_nodes *nd)
{
    return nd->contiguous;
}

/* Each node reduces to its leader, the leaders to the root's leader, which
 * hands the result to the root when it is someone else.  Commutative ops,
 * or nodes in rank order (the caller checks). */
int lark_sched_node_reduce(struct lark_sched *s, struct lark_coll_nodes *nd, const void *sbuf,
                           void *rbuf, const struct lark_reduction *red, int root)
{
    int rc = 0, me = s->comm->rank, rnode = nd->node_of[root];
    bool leader = nd->leaders != NULL;
    lark_stats_coll(LARK_ROW_NODE, 2);
    /* The node's partial at its leader: rbuf when the leader is the root,
     * else a temporary (tmp also carries the result from the root's
     * leader to the root). */
    char *part = NULL, *tmp = NULL;
    if (leader || me == root) {
        tmp = lark_sched_tmp(s, -1, red->bytes);
        if (tmp == NULL)
            return LARK_ERR_NOMEM;
    }
    part = leader && me == root ? rbuf : tmp;
    OVER(s, nd->node, lark_sched_reduce(s, sbuf, part, red, 0));
    if (rc == 0 && leader) {
        /* In place at the root's leader: the partial becomes the result. */
        void *res = me == root ? rbuf : tmp;
        OVER(s, nd->leaders, lark_sched_reduce(s, part, res, red, rnode));
    }
    if (rc == 0 && nd->node_of[me] == rnode && nd->idx[root] != 0) {
        if (leader)
            OVER(s, nd->node, lark_sched_send(s, tmp, red->bytes, nd->idx[root], LARK_TAG_REDUCE));
        else if (me == root)
            OVER(s, nd->node, lark_sched_recv(s, rbuf, red->bytes, 0, LARK_TAG_REDUCE));
    }
    lark_sched_tmp_put(s, -1, tmp);
    return rc;
}

/* Reduce in each node (small vectors: an allreduce, which the node's
 * segment does in one meeting), allreduce among the leaders, bcast in each
 * node.  Commutative ops, or nodes in rank order (the caller checks). */
int lark_sched_node_allreduce(struct lark_sched *s, struct lark_coll_nodes *nd, void *buf,
                              const struct lark_reduction *red)
{
    int rc;
    lark_stats_coll(LARK_ROW_NODE, 3);
    if (!s->record && red->bytes <= LARK_SHM_SLOT)
        OVER(s, nd->node, lark_sched_allreduce(s, buf, red));
    else
        OVER(s, nd->node, lark_sched_reduce(s, buf, buf, red, 0));
    if (rc == 0 && nd->leaders != NULL)
        OVER(s, nd->leaders, lark_sched_allreduce(s, buf, red));
    if (rc == 0)
        OVER(s, nd->node, lark_sched_bcast(s, buf, red->bytes, 0));
    return rc;
}

/* Gather each node's blocks at its leader (in node-index order), the
 * leaders exchange their nodes' blocks (allgatherv in node order), each
 * leader puts every block at its rank's place in rbuf, and bcasts rbuf in
 * its node.  rbuf holds n blocks of `bytes`, ours in place. */
int lark_sched_node_allgather(struct lark_sched *s, struct lark_coll_nodes *nd, void *rbuf,
                              size_t bytes)
{
    int n = s->comm->size, me = s->comm->rank, rc = 0, nn = nd->nnodes;
    int m = nd->node->size;
    char *out = rbuf;
    lark_stats_coll(LARK_ROW_NODE, 4);
    /* all: the blocks by node, then by index in node (leaders only). */
    char *all = nd->leaders != NULL ? lark_sched_tmp(s, -1, (size_t)n * bytes) : NULL;
    size_t *v = nd->leaders != NULL ? malloc(2 * (size_t)nn * sizeof *v) : NULL; /* freed below */
    if (nd->leaders != NULL && (all == NULL || v == NULL)) {
        lark_sched_tmp_put(s, -1, all);
        free(v);
        return LARK_ERR_NOMEM;
    }
    if (v != NULL) {
        for (int j = 0; j < nn; j++)
            v[j] = 0;
        for (int i = 0; i < n; i++)
            v[nd->node_of[i]] += bytes;
        for (int j = 0, off = 0; j < nn; off += (int)(v[j] / bytes), j++)
            v[nn + j] = (size_t)off * bytes;
    }
    /* This node's blocks at the leader, at its node's place in `all`. */
    char *mine = all != NULL ? all + v[nn + nd->node_of[me]] : NULL;
    OVER(s, nd->node, lark_sched_gather(s, out + (size_t)me * bytes, mine, bytes, 0));
    if (rc == 0 && nd->leaders != NULL)
        OVER(s, nd->leaders, lark_sched_allgatherv(s, all, v, v + nn));
    if (rc == 0 && nd->leaders != NULL) {
        /* Rank i's block is number idx[i] of its node's. */
        for (int i = 0; i < n && rc == 0; i++)
            rc = lark_sched_copy(s, out + (size_t)i * bytes,
                                 all + v[nn + nd->node_of[i]] + (size_t)nd->idx[i] * bytes, bytes);
    }
    if (rc == 0 && m > 1)
        OVER(s, nd->node, lark_sched_bcast(s, rbuf, (size_t)n * bytes, 0));
    lark_sched_tmp_put(s, -1, all);
    free(v);
    return rc;
}
