/* A small PMIx client for the launcher's tests: what the MPI runtime does at
 * MPI_Init/MPI_Finalize (PMIx_Init, job info, Put/Commit/Fence/Get of a peer's
 * value, PMIx_Finalize) and the ways a rank can go wrong.  Usage:
 *   pmix_client ok               wire-up, check what mpirun registered, finalize
 *   pmix_client abort CODE       rank 0 calls PMIx_Abort(CODE); others wait in a fence
 *   pmix_client nofinalize       rank 1 exits 0 after PMIx_Init; others wait in a fence
 *   pmix_client noinit           rank 1 exits 0 at once; others wait in a fence
 *   pmix_client crash SIG        rank 1 writes last words, then raises SIG; others wait
 *   pmix_client exit CODE        rank 1 exits CODE after PMIx_Init; others wait
 *   pmix_client skipfin          like ok, but rank 1 exits 0 without PMIx_Finalize
 *   pmix_client wait PATH        like ok, but after PMIx_Init each rank creates
 *                                PATH.ready.RANK and waits until PATH exists
 * Exits 0 when everything checked out; prints what went wrong otherwise. */
#include <pmix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pmix_proc_t me;

static void die(const char *what, pmix_status_t rc)
{
    fprintf(stderr, "pmix_client rank %u: %s failed: %s\n", me.rank, what, PMIx_Error_string(rc));
    exit(2);
}

static void wait_forever(void)
{
    /* Stands for a rank blocked in MPI: the fence never completes. */
    pmix_info_t info;
    bool yes = true;
    PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &yes, PMIX_BOOL);
    PMIx_Fence(NULL, 0, &info, 1);
    for (;;)
        pause();
}

static uint32_t get_u32(const pmix_proc_t *who, const char *key)
{
    pmix_value_t *v = NULL;
    pmix_status_t rc = PMIx_Get(who, key, NULL, 0, &v);
    if (rc != PMIX_SUCCESS)
        die(key, rc);
    uint32_t out = 0;
    if (v->type == PMIX_UINT32)
        out = v->data.uint32;
    else if (v->type == PMIX_UINT16)
        out = v->data.uint16;
    else if (v->type == PMIX_PROC_RANK)
        out = v->data.rank;
    else {
        fprintf(stderr, "pmix_client: %s has type %d\n", key, v->type);
        exit(2);
    }
    PMIX_VALUE_RELEASE(v);
    return out;
}

static int check_env(const char *name, uint32_t want)
{
    const char *v = getenv(name);
    if (!v || (uint32_t)atoi(v) != want) {
        fprintf(stderr, "pmix_client rank %u: %s is %s, expected %u\n", me.rank, name,
                v ? v : "unset", want);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "ok";
    int arg = argc > 2 ? atoi(argv[2]) : 0;
    const char *envrank = getenv("LARK_COMM_WORLD_RANK");
    int myrank = envrank ? atoi(envrank) : 0;

    if (strcmp(mode, "noinit") == 0 && myrank == 1)
        return 0;
    pmix_status_t rc = PMIx_Init(&me, NULL, 0);
    if (rc != PMIX_SUCCESS)
        die("PMIx_Init", rc);

    if (strcmp(mode, "abort") == 0) {
        if (me.rank == 0) {
            PMIx_Abort(arg, "pmix_client was asked to abort", NULL, 0);
            for (;;)
                pause();
        }
        wait_forever();
    }
    if (strcmp(mode, "nofinalize") == 0 || strcmp(mode, "noinit") == 0) {
        if (me.rank == 1)
            return 0;
        wait_forever();
    }
    if (strcmp(mode, "crash") == 0) {
        if (me.rank == 1) {
            static const char words[] = "last words of rank 1\npartial line";
            if (write(1, words, sizeof(words) - 1) < 0)
                return 3;
            raise(arg ? arg : SIGSEGV);
        }
        wait_forever();
    }
    if (strcmp(mode, "exit") == 0) {
        if (me.rank == 1)
            exit(arg);
        wait_forever();
    }
    if (strcmp(mode, "wait") == 0 && argc > 2) {
        char ready[4096];
        snprintf(ready, sizeof(ready), "%s.ready.%u", argv[2], me.rank);
        FILE *f = fopen(ready, "w");
        if (f)
            fclose(f);
        for (int i = 0; i < 3000 && access(argv[2], F_OK) != 0; i++)
            usleep(10000);
    }

    /* ok: what mpirun registered matches what it put in the environment. */
    pmix_proc_t wild;
    PMIX_LOAD_PROCID(&wild, me.nspace, PMIX_RANK_WILDCARD);
    uint32_t size = get_u32(&wild, PMIX_JOB_SIZE);
    uint32_t usize = get_u32(&wild, PMIX_UNIV_SIZE);
    uint32_t lsize = get_u32(&wild, PMIX_LOCAL_SIZE);
    uint32_t lrank = get_u32(&me, PMIX_LOCAL_RANK);
    uint32_t nrank = get_u32(&me, PMIX_NODE_RANK);
    uint32_t appnum = get_u32(&me, PMIX_APPNUM);
    int bad = 0;
    bad |= check_env("LARK_COMM_WORLD_RANK", me.rank);
    bad |= check_env("LARK_COMM_WORLD_SIZE", size);
    bad |= check_env("LARK_UNIVERSE_SIZE", usize);
    bad |= check_env("LARK_COMM_WORLD_LOCAL_SIZE", lsize);
    bad |= check_env("LARK_COMM_WORLD_LOCAL_RANK", lrank);
    bad |= check_env("LARK_COMM_WORLD_NODE_RANK", nrank);
    bad |= check_env("LARK_APPNUM", appnum);
    const char *ns = getenv("LARK_JOB_NAMESPACE");
    if (!ns || strcmp(ns, me.nspace) != 0 || strncmp(ns, "lark-", 5) != 0 || strlen(ns) != 21) {
        fprintf(stderr, "pmix_client: LARK_JOB_NAMESPACE '%s' vs nspace '%s'\n", ns ? ns : "",
                me.nspace);
        bad = 1;
    }

    /* Put/Commit/Fence/Get: every rank reads its right neighbour's value. */
    char val[64];
    snprintf(val, sizeof(val), "value-of-rank-%u", me.rank);
    pmix_value_t pv;
    PMIX_VALUE_LOAD(&pv, val, PMIX_STRING);
    if ((rc = PMIx_Put(PMIX_GLOBAL, "lark.test.key", &pv)) != PMIX_SUCCESS)
        die("PMIx_Put", rc);
    PMIX_VALUE_DESTRUCT(&pv);
    if ((rc = PMIx_Commit()) != PMIX_SUCCESS)
        die("PMIx_Commit", rc);
    /* "nocollect": a fence without data, the peer's value then fetched
     * lazily (direct modex: from another host's server when it is there). */
    pmix_info_t info;
    bool yes = strcmp(mode, "nocollect") != 0;
    PMIX_INFO_LOAD(&info, PMIX_COLLECT_DATA, &yes, PMIX_BOOL);
    if ((rc = PMIx_Fence(NULL, 0, &info, 1)) != PMIX_SUCCESS)
        die("PMIx_Fence", rc);
    PMIX_INFO_DESTRUCT(&info);
    pmix_proc_t peer;
    PMIX_LOAD_PROCID(&peer, me.nspace, (me.rank + 1) % size);
    pmix_value_t *got = NULL;
    if ((rc = PMIx_Get(&peer, "lark.test.key", NULL, 0, &got)) != PMIX_SUCCESS)
        die("PMIx_Get of the peer's value", rc);
    char want[64];
    snprintf(want, sizeof(want), "value-of-rank-%u", peer.rank);
    if (got->type != PMIX_STRING || strcmp(got->data.string, want) != 0) {
        fprintf(stderr, "pmix_client rank %u: peer value wrong\n", me.rank);
        bad = 1;
    }
    PMIX_VALUE_RELEASE(got);
    /* The node this rank is on, as the server described it. */
    char host[256] = "";
    gethostname(host, sizeof(host));
    pmix_value_t *hv = NULL;
    if ((rc = PMIx_Get(&me, PMIX_HOSTNAME, NULL, 0, &hv)) != PMIX_SUCCESS ||
        hv->type != PMIX_STRING || strcmp(hv->data.string, host) != 0) {
        fprintf(stderr, "pmix_client rank %u: PMIX_HOSTNAME is not %s\n", me.rank, host);
        bad = 1;
    }
    if (hv)
        PMIX_VALUE_RELEASE(hv);
    uint32_t nnodes = get_u32(&wild, PMIX_NUM_NODES), nodeid = get_u32(&me, PMIX_NODEID);
    printf("rank %u of %u: local rank %u, app %u, peer value ok\n", me.rank, size, lrank, appnum);
    if (strcmp(mode, "hosts") == 0 || strcmp(mode, "nocollect") == 0) {
        /* and the right neighbour's host and node, from the job's maps */
        pmix_value_t *pv2 = NULL;
        const char *ph = "?";
        if (PMIx_Get(&peer, PMIX_HOSTNAME, NULL, 0, &pv2) == PMIX_SUCCESS &&
            pv2->type == PMIX_STRING)
            ph = pv2->data.string;
        printf("rank %u: host %s, node %u of %u, %u local; rank %u on %s\n", me.rank, host, nodeid,
               nnodes, lsize, peer.rank, ph);
        if (pv2)
            PMIX_VALUE_RELEASE(pv2);
    }
    fflush(stdout);
    if (strcmp(mode, "skipfin") == 0 && me.rank == 1)
        return bad;
    if ((rc = PMIx_Finalize(NULL, 0)) != PMIX_SUCCESS)
        die("PMIx_Finalize", rc);
    return bad;
}
