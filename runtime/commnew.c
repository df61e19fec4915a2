/*
 * commnew.c -- context-id agreement over a set of processes and making
 * the new communicator (commnew.h).
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "coll/coll.h"
#include "commnew.h"
#include "error.h"
#include "runtime.h"

/* AND over the listed members of comm: a binomial reduction to index 0,
 * then a binomial broadcast back, point-to-point with set->tag. */
static int band_listed(const struct lark_commnew_set *set, uint64_t *buf, int words)
{
    size_t bytes = sizeof(uint64_t) * (size_t)words;
    uint64_t *tmp = malloc(bytes);
    if (tmp == NULL)
        return LARK_ERR_NOMEM;
    int n = set->n, me = set->me, rc = 0;
    int mask = 1;
    for (; mask < n && rc == 0; mask <<= 1) {
        if (me & mask) {
            rc = lark_coll_send(buf, bytes, set->ranks[me - mask], set->tag, set->comm);
            break;
        }
        if (me + mask < n) {
            rc = lark_coll_recv(tmp, bytes, set->ranks[me + mask], set->tag, set->comm);
            for (int i = 0; i < words; i++)
                buf[i] &= tmp[i];
        }
    }
    /* Broadcast from index 0 down the same tree. */
    if (rc == 0 && me != 0)
        rc = lark_coll_recv(buf, bytes, set->ranks[me - (me & -me)], set->tag, set->comm);
    int top = me == 0 ? 1 : (me & -me);
    if (me == 0)
        while (top < n)
            top <<= 1;
    for (int m = top >> 1; m >= 1 && rc == 0; m >>= 1)
        if (me + m < n)
            rc = lark_coll_send(buf, bytes, set->ranks[me + m], set->tag, set->comm);
    free(tmp);
    return rc;
}

int lark_commnew_band(const struct lark_commnew_set *set, uint64_t *buf, int words)
{
    if (set->ranks != NULL)
        return band_listed(set, buf, words);
    size_t bytes = sizeof(uint64_t) * (size_t)words;
    struct lark_reduction red = {MPI_BAND, MPI_UINT64_T, (size_t)words, bytes, 1};
    int rc = lark_coll_allreduce(buf, &red, set->comm);
    if (rc != 0 || !set->bridge)
        return rc;
    /* A bridge: the leaders combine both sides, then tell their side (all
     * of it: a member that kept its side's AND would pick another id). */
    if (set->comm->rank == set->leader) {
        uint64_t *other = malloc(bytes);
        if (other == NULL)
            return LARK_ERR_NOMEM;
        rc = lark_coll_sendrecv(buf, bytes, set->remote_leader, other, bytes, set->remote_leader,
                                set->tag, set->via);
        for (int i = 0; rc == 0 && i < words; i++)
            buf[i] &= other[i];
        free(other);
    }
    if (rc == 0)
        rc = lark_coll_bcast(buf, bytes, set->leader, set->comm);
    return rc;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Rounds that give no id end when the agreements ahead of this one
 * complete, which takes a few rounds; rounds going on for this long mean
 * the agreement is wedged (a Lark bug): say so and end the job rather
 * than hang.  LARK_CID_TIMEOUT (seconds, default 60) sets the limit. */
static void check_wedged(const struct lark_commnew_set *set, const struct lark_cid_agreement *a,
                         double since)
{
    const char *env = getenv("LARK_CID_TIMEOUT");
    double limit = env != NULL && atof(env) > 0 ? atof(env) : 60.0;
    double waited = now_s() - since;
    if (waited < limit)
        return;
    char what[512], msg[2048];
    lark_cid_describe(a, what, sizeof what);
    snprintf(msg, sizeof msg,
             "rank %d on %s: %s: no context id agreed after %u rounds in %.0f s "
             "(communicator of %d processes; %s). Rounds keep giving no id, so the agreement is "
             "wedged: this is a Lark bug, please report it with this message "
             "(LARK_CID_TIMEOUT=%g sets this limit in seconds)",
             lark_rt.rank, lark_rt.hostname,
             set->call != NULL ? set->call : "a communicator constructor", a->round, waited,
             set->ranks != NULL ? set->n : set->comm->size, what, limit);
    lark_runtime_abort(MPI_ERR_INTERN, msg); /* says it once, there or in mpirun */
}

int lark_commnew_cid(const struct lark_commnew_set *set, uint64_t key, bool take, uint32_t *cid)
{
    struct lark_cid_agreement a = {.key = key};
    uint64_t offer[LARK_CID_OFFER_WORDS];
    int rc = 0;
    double since = 0;
    for (;;) {
        lark_cid_offer(&a, offer);
        int crc = lark_commnew_band(set, offer, LARK_CID_OFFER_WORDS);
        if (crc != 0) {
            /* Leave the pending list with nothing reserved. */
            memset(offer, 0, sizeof offer);
            offer[LARK_CID_WORDS] = ~UINT64_C(0);
            lark_cid_settle(&a, offer, false, cid, &rc);
            return crc;
        }
        if (lark_cid_settle(&a, offer, take, cid, &rc))
            return rc;
        /* Every member has entered this agreement (the round completed):
         * from now on rounds should succeed soon. */
        if (a.round == 1)
            since = now_s();
        else
            check_wedged(set, &a, since);
    }
}

int lark_commnew_make(struct lark_comm *parent, struct lark_group *group, struct lark_group *remote,
                      uint32_t cid, struct lark_comm **out)
{
    lark_lock();
    int rc = lark_comm_create(group, remote, cid, out);
    if (rc == 0 && parent != NULL && (*out)->errhandler != parent->errhandler) {
        lark_errhandler_release((*out)->errhandler);
        lark_errhandler_retain(parent->errhandler);
        (*out)->errhandler = parent->errhandler;
    }
    lark_unlock();
    if (rc != 0)
        lark_cid_release(cid);
    return rc;
}
