/*
 * mpit.c -- the tools interface (MPI_T): every control variable, performance
 * variable, category and event is enumerated and read; writable control
 * variables are written and their effect observed (eager cap, collective
 * algorithm); counters, levels, watermarks and the wait timer follow real
 * traffic; events reach a callback with their data; bad input gets the
 * MPI_T error code; MPI_T works before MPI_Init and after MPI_Finalize.
 * Run with 2 or more ranks on one host.
 */
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TEST_NAME "mpit"
static int wrank = -1;
#include "check.h"

/* Before MPI_Init (and after MPI_Finalize) MPI_Abort is not available. */
#define EARLY(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s: line %d: ", TEST_NAME, __LINE__);                                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static int cvar_index(const char *name)
{
    int i, rc = MPI_T_cvar_get_index(name, &i);
    EARLY(rc == MPI_SUCCESS, "no control variable %s (rc %d)", name, rc);
    return i;
}

static int pvar_index(const char *name, int cls)
{
    int i, rc = MPI_T_pvar_get_index(name, cls, &i);
    EARLY(rc == MPI_SUCCESS, "no performance variable %s of class %d (rc %d)", name, cls, rc);
    return i;
}

static void cvar_write_ulong(const char *name, unsigned long v)
{
    MPI_T_cvar_handle h;
    int count;
    EARLY(MPI_T_cvar_handle_alloc(cvar_index(name), NULL, &h, &count) == MPI_SUCCESS, "alloc");
    EARLY(MPI_T_cvar_write(h, &v) == MPI_SUCCESS, "write %s", name);
    unsigned long back = 0;
    EARLY(MPI_T_cvar_read(h, &back) == MPI_SUCCESS && back == v, "%s reads %lu after writing %lu",
          name, back, v);
    EARLY(MPI_T_cvar_handle_free(&h) == MPI_SUCCESS && h == MPI_T_CVAR_HANDLE_NULL, "free");
}

/* Set an enum control variable by item name. */
static void cvar_write_enum(const char *name, const char *item)
{
    int idx = cvar_index(name), count;
    MPI_T_enum e;
    MPI_Datatype dt;
    EARLY(MPI_T_cvar_get_info(idx, NULL, NULL, NULL, &dt, &e, NULL, NULL, NULL, NULL) ==
                  MPI_SUCCESS &&
              dt == MPI_INT && e != MPI_T_ENUM_NULL,
          "%s is not an enum", name);
    int n, value = -1;
    EARLY(MPI_T_enum_get_info(e, &n, NULL, NULL) == MPI_SUCCESS && n > 1, "enum info");
    for (int k = 0; k < n; k++) {
        char iname[64];
        int len = sizeof iname, v;
        EARLY(MPI_T_enum_get_item(e, k, &v, iname, &len) == MPI_SUCCESS, "enum item");
        if (strcmp(iname, item) == 0)
            value = v;
    }
    EARLY(value >= 0, "%s has no item %s", name, item);
    EARLY(MPI_T_enum_get_item(e, n, &value, NULL, NULL) == MPI_T_ERR_INVALID_ITEM,
          "item past the end accepted");
    MPI_T_cvar_handle h;
    EARLY(MPI_T_cvar_handle_alloc(idx, NULL, &h, &count) == MPI_SUCCESS && count == 1, "alloc");
    EARLY(MPI_T_cvar_write(h, &value) == MPI_SUCCESS, "write %s=%s", name, item);
    int bad = n;
    EARLY(MPI_T_cvar_write(h, &bad) == MPI_T_ERR_INVALID, "out-of-range enum value accepted");
    int back = -1;
    EARLY(MPI_T_cvar_read(h, &back) == MPI_SUCCESS && back == value, "%s reads back %d not %d",
          name, back, value);
    MPI_T_cvar_handle_free(&h);
}

/* Every control variable: info, index round trip, a read. */
static void walk_cvars(void)
{
    int n;
    EARLY(MPI_T_cvar_get_num(&n) == MPI_SUCCESS && n >= 10, "cvar count %d", n);
    for (int i = 0; i < n; i++) {
        char name[128], desc[512];
        int nlen = sizeof name, dlen = sizeof desc, verb, bind, scope, count, idx;
        MPI_Datatype dt;
        MPI_T_enum e;
        EARLY(MPI_T_cvar_get_info(i, name, &nlen, &verb, &dt, &e, desc, &dlen, &bind, &scope) ==
                  MPI_SUCCESS,
              "cvar %d info", i);
        EARLY(nlen == (int)strlen(name) + 1 && dlen > 1, "cvar %d name/desc lengths", i);
        EARLY(strncmp(name, "lark_", 5) == 0, "cvar %s outside lark_", name);
        EARLY(MPI_T_cvar_get_index(name, &idx) == MPI_SUCCESS && idx == i, "index of %s", name);
        int need = 0;
        EARLY(MPI_T_cvar_get_info(i, NULL, &need, NULL, NULL, NULL, NULL, NULL, NULL, NULL) ==
                      MPI_SUCCESS &&
                  need == nlen,
              "length query of %s: %d", name, need);
        MPI_T_cvar_handle h;
        EARLY(MPI_T_cvar_handle_alloc(i, NULL, &h, &count) == MPI_SUCCESS && count >= 1, "alloc %s",
              name);
        char buf[512];
        EARLY(MPI_T_cvar_read(h, buf) == MPI_SUCCESS, "read %s", name);
        if (dt == MPI_CHAR)
            EARLY(memchr(buf, 0, (size_t)count) != NULL, "%s not terminated", name);
        else
            EARLY(dt == MPI_INT || dt == MPI_UNSIGNED_LONG, "%s has an odd type", name);
        if (scope == MPI_T_SCOPE_READONLY || scope == MPI_T_SCOPE_CONSTANT)
            EARLY(MPI_T_cvar_write(h, buf) == MPI_T_ERR_CVAR_SET_NEVER, "read-only %s was written",
                  name);
        MPI_T_cvar_handle_free(&h);
    }
    EARLY(MPI_T_cvar_get_info(n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL) ==
              MPI_T_ERR_INVALID_INDEX,
          "cvar index past the end accepted");
    int idx;
    EARLY(MPI_T_cvar_get_index("no_such_variable", &idx) == MPI_T_ERR_INVALID_NAME, "bad name");
    MPI_T_cvar_handle none = MPI_T_CVAR_HANDLE_NULL;
    char buf[8];
    EARLY(MPI_T_cvar_read(none, buf) == MPI_T_ERR_INVALID_HANDLE, "null cvar handle read");
    EARLY(MPI_T_cvar_handle_free(&none) == MPI_T_ERR_INVALID_HANDLE, "null cvar handle freed");
}

/* Categories cover every variable and event exactly once. */
static void walk_categories(void)
{
    int ncat, ncv, npv, nev, scv = 0, spv = 0, sev = 0, subs = 0;
    MPI_T_category_get_num(&ncat);
    MPI_T_cvar_get_num(&ncv);
    MPI_T_pvar_get_num(&npv);
    MPI_T_event_get_num(&nev);
    for (int c = 0; c < ncat; c++) {
        char name[64];
        int len = sizeof name, a, b, d, e, idx;
        EARLY(MPI_T_category_get_info(c, name, &len, NULL, NULL, &a, &b, &d) == MPI_SUCCESS,
              "category %d", c);
        EARLY(MPI_T_category_get_num_events(c, &e) == MPI_SUCCESS, "events of %s", name);
        EARLY(MPI_T_category_get_index(name, &idx) == MPI_SUCCESS && idx == c, "index of %s", name);
        int ind[128];
        EARLY(a <= 128 && MPI_T_category_get_cvars(c, a, ind) == MPI_SUCCESS, "cvars of %s", name);
        for (int k = 0; k < a; k++)
            EARLY(ind[k] >= 0 && ind[k] < ncv, "category %s lists cvar %d", name, ind[k]);
        EARLY(b <= 128 && MPI_T_category_get_pvars(c, b, ind) == MPI_SUCCESS, "pvars of %s", name);
        EARLY(MPI_T_category_get_events(c, 0, NULL) == MPI_SUCCESS, "events of %s", name);
        EARLY(MPI_T_category_get_categories(c, d, ind) == MPI_SUCCESS, "subcategories");
        scv += a;
        spv += b;
        sev += e;
        subs += d;
    }
    EARLY(scv == ncv && spv == npv && sev == nev,
          "categories hold %d/%d cvars, %d/%d pvars, "
          "%d/%d events",
          scv, ncv, spv, npv, sev, nev);
    EARLY(subs == ncat - 1, "the root category holds %d of %d", subs, ncat - 1);
    int u;
    EARLY(MPI_T_category_changed(&u) == MPI_SUCCESS, "category_changed");
}

struct counter {
    MPI_T_pvar_handle h;
    int index;
};

static struct counter counter(MPI_T_pvar_session s, const char *name, int cls)
{
    struct counter c = {.index = pvar_index(name, cls)};
    int count;
    CHECK(MPI_T_pvar_handle_alloc(s, c.index, NULL, &c.h, &count) == MPI_SUCCESS && count == 1,
          "alloc %s", name);
    return c;
}

static unsigned long long pread(MPI_T_pvar_session s, struct counter c)
{
    unsigned long long v = 0;
    CHECK(MPI_T_pvar_read(s, c.h, &v) == MPI_SUCCESS, "pvar read");
    return v;
}

/* Every performance variable: info, index round trip, a handle, a read. */
static void walk_pvars(MPI_T_pvar_session s)
{
    int n;
    CHECK(MPI_T_pvar_get_num(&n) == MPI_SUCCESS && n >= 10, "pvar count %d", n);
    for (int i = 0; i < n; i++) {
        char name[128];
        int len = sizeof name, verb, cls, bind, ro, cont, atomic, idx, count;
        MPI_Datatype dt;
        MPI_T_enum e;
        CHECK(MPI_T_pvar_get_info(i, name, &len, &verb, &cls, &dt, &e, NULL, NULL, &bind, &ro,
                                  &cont, &atomic) == MPI_SUCCESS,
              "pvar %d info", i);
        CHECK(MPI_T_pvar_get_index(name, cls, &idx) == MPI_SUCCESS && idx == i, "index of %s",
              name);
        CHECK(dt == MPI_UNSIGNED_LONG_LONG || dt == MPI_DOUBLE, "%s: odd type", name);
        MPI_T_pvar_handle h;
        CHECK(MPI_T_pvar_handle_alloc(s, i, NULL, &h, &count) == MPI_SUCCESS && count == 1,
              "alloc %s", name);
        double buf;
        CHECK(MPI_T_pvar_read(s, h, &buf) == MPI_SUCCESS, "read %s", name);
        if (cont)
            CHECK(MPI_T_pvar_start(s, h) == MPI_T_ERR_PVAR_NO_STARTSTOP, "start continuous %s",
                  name);
        if (ro) {
            CHECK(MPI_T_pvar_write(s, h, &buf) == MPI_T_ERR_PVAR_NO_WRITE, "write ro %s", name);
            CHECK(MPI_T_pvar_reset(s, h) == MPI_T_ERR_PVAR_NO_WRITE, "reset ro %s", name);
        }
        CHECK(MPI_T_pvar_handle_free(s, &h) == MPI_SUCCESS && h == MPI_T_PVAR_HANDLE_NULL,
              "free %s", name);
    }
    int idx;
    CHECK(MPI_T_pvar_get_index("lark_wait_time", MPI_T_PVAR_CLASS_COUNTER, &idx) ==
              MPI_T_ERR_INVALID_NAME,
          "a name under the wrong class was found");
    MPI_T_pvar_handle h;
    int count;
    CHECK(MPI_T_pvar_handle_alloc(s, n, NULL, &h, &count) == MPI_T_ERR_INVALID_INDEX,
          "pvar index past the end accepted");
    CHECK(MPI_T_pvar_handle_alloc(MPI_T_PVAR_SESSION_NULL, 0, NULL, &h, &count) ==
              MPI_T_ERR_INVALID_SESSION,
          "null session accepted");
    double d;
    CHECK(MPI_T_pvar_read(s, MPI_T_PVAR_ALL_HANDLES, &d) == MPI_T_ERR_INVALID_HANDLE,
          "read of all handles accepted");
}

/* Events: a callback with the data of an unexpected message; the
 * collective-algorithm event below. */
static int seen_tag = -1, seen_src = -1, nseen;
static MPI_Count seen_bytes = -1, seen_ts;
static int coll_seen[2] = {-1, -1};

static void on_unexpected(MPI_T_event_instance ev, MPI_T_event_registration reg,
                          MPI_T_cb_safety safety, void *user)
{
    (void)reg;
    (void)user;
    if (safety < MPI_T_CB_REQUIRE_MPI_RESTRICTED)
        abort();
    nseen++;
    MPI_T_event_read(ev, 0, &seen_src);
    MPI_T_event_read(ev, 1, &seen_tag);
    MPI_T_event_read(ev, 2, &seen_bytes);
    MPI_T_event_get_timestamp(ev, &seen_ts);
    int src;
    if (MPI_T_event_get_source(ev, &src) != MPI_SUCCESS || src != 0)
        abort();
}

static void on_coll(MPI_T_event_instance ev, MPI_T_event_registration reg, MPI_T_cb_safety safety,
                    void *user)
{
    (void)reg;
    (void)safety;
    (void)user;
    int data[2];
    MPI_T_event_copy(ev, data);
    coll_seen[0] = data[0];
    coll_seen[1] = data[1];
}

static MPI_Count dropped;
static void on_dropped(MPI_Count count, MPI_T_event_registration reg, int source,
                       MPI_T_cb_safety safety, void *user)
{
    (void)reg;
    (void)source;
    (void)safety;
    (void)user;
    dropped += count;
}

static int event_index(const char *name)
{
    int i;
    CHECK(MPI_T_event_get_index(name, &i) == MPI_SUCCESS, "no event %s", name);
    char n[64];
    int len = sizeof n, num = 8, verb, bind;
    MPI_Datatype types[8];
    MPI_Aint displs[8];
    MPI_T_enum e;
    MPI_Info info;
    CHECK(MPI_T_event_get_info(i, n, &len, &verb, types, displs, &num, &e, &info, NULL, NULL,
                               &bind) == MPI_SUCCESS &&
              strcmp(n, name) == 0 && num >= 2,
          "event %s info", name);
    return i;
}

int main(int argc, char **argv)
{
    int provided, n;
    /* Not initialised yet: every call says so. */
    EARLY(MPI_T_cvar_get_num(&n) == MPI_T_ERR_NOT_INITIALIZED, "cvar_get_num before init");
    EARLY(MPI_T_finalize() == MPI_T_ERR_NOT_INITIALIZED, "finalize before init");
    EARLY(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_SUCCESS, "MPI_T_init_thread");
    EARLY(MPI_T_init_thread(MPI_THREAD_MULTIPLE, &provided) == MPI_SUCCESS &&
              provided == MPI_THREAD_MULTIPLE,
          "second MPI_T_init_thread");
    walk_cvars();
    walk_categories();
    /* Before MPI_Init, a tool's setting stands over the defaults: every
     * message goes by rendezvous. */
    cvar_write_ulong("lark_eager_limit", 1);
    cvar_write_ulong("lark_wait_spin_us", 50);

    MPI_Init(&argc, &argv);
    int size;
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK(size >= 2, "run with 2 or more ranks");
    unsigned long spin;
    {
        MPI_T_cvar_handle h;
        int count;
        MPI_T_cvar_handle_alloc(cvar_index("lark_wait_spin_us"), NULL, &h, &count);
        MPI_T_cvar_read(h, &spin);
        MPI_T_cvar_handle_free(&h);
        CHECK(spin == 50, "MPI_Init overrode the tool's lark_wait_spin_us: %lu", spin);
    }
    MPI_T_pvar_session s;
    CHECK(MPI_T_pvar_session_create(&s) == MPI_SUCCESS, "session");
    walk_pvars(s);

    /* Counters follow traffic: 4 KiB to rank 1, by rendezvous (eager cap 1):
     * more than one frame for one message, counted by the transport that
     * carries it (shm, or tcp when LARK_TRANSPORTS leaves shm out). */
    const char *forced = getenv("LARK_TRANSPORTS");
    bool by_tcp = forced != NULL && strstr(forced, "shm") == NULL;
    struct counter frames = counter(s, by_tcp ? "lark_tcp_frames_sent" : "lark_shm_frames_sent",
                                    MPI_T_PVAR_CLASS_COUNTER);
    struct counter bytes = counter(s, by_tcp ? "lark_tcp_bytes_sent" : "lark_shm_bytes_sent",
                                   MPI_T_PVAR_CLASS_COUNTER);
    CHECK(pread(s, frames) == 0, "a counter not started reads nonzero");
    CHECK(MPI_T_pvar_start(s, MPI_T_PVAR_ALL_HANDLES) == MPI_SUCCESS, "start all");
    static char buf[4096];
    if (wrank == 0)
        MPI_Send(buf, sizeof buf, MPI_CHAR, 1, 7, MPI_COMM_WORLD);
    else if (wrank == 1)
        MPI_Recv(buf, sizeof buf, MPI_CHAR, 0, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(MPI_T_pvar_stop(s, frames.h) == MPI_SUCCESS, "stop");
    unsigned long long f = pread(s, frames), b = pread(s, bytes);
    if (wrank == 0)
        CHECK(f >= 2 && b >= sizeof buf, "4 KiB by rendezvous: %llu frames, %llu bytes", f, b);
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK(pread(s, frames) == f, "a stopped counter moved");
    unsigned long long v;
    CHECK(MPI_T_pvar_readreset(s, bytes.h, &v) == MPI_SUCCESS && pread(s, bytes) < v + 1 &&
              (wrank != 0 || v >= sizeof buf),
          "readreset");
    v = 12345;
    CHECK(MPI_T_pvar_write(s, frames.h, &v) == MPI_SUCCESS && pread(s, frames) == 12345,
          "write a counter's view");
    cvar_write_ulong("lark_eager_limit", 0); /* back to the transports' own */

    /* Unexpected messages: level, watermark, counter, and the event. */
    struct counter len = counter(s, "lark_unexpected_queue_length", MPI_T_PVAR_CLASS_LEVEL);
    struct counter hwm = counter(s, "lark_unexpected_queue_max", MPI_T_PVAR_CLASS_HIGHWATERMARK);
    struct counter unx = counter(s, "lark_unexpected_messages", MPI_T_PVAR_CLASS_COUNTER);
    MPI_T_pvar_start(s, unx.h);
    MPI_T_event_registration reg, reg_none;
    CHECK(MPI_T_event_handle_alloc(event_index("lark_unexpected_message"), NULL, MPI_INFO_NULL,
                                   &reg) == MPI_SUCCESS,
          "event handle");
    CHECK(MPI_T_event_register_callback(reg, MPI_T_CB_REQUIRE_MPI_RESTRICTED, MPI_INFO_NULL, NULL,
                                        on_unexpected) == MPI_SUCCESS,
          "register callback");
    /* A registration whose callback may run only where anything goes: its
     * events are dropped, and counted. */
    MPI_T_event_handle_alloc(event_index("lark_unexpected_message"), NULL, MPI_INFO_NULL,
                             &reg_none);
    MPI_T_event_register_callback(reg_none, MPI_T_CB_REQUIRE_NONE, MPI_INFO_NULL, NULL,
                                  on_unexpected);
    MPI_T_event_set_dropped_handler(reg_none, on_dropped);
    MPI_Barrier(MPI_COMM_WORLD);
    int ints[5] = {1, 2, 3, 4, 5};
    if (wrank == 1) {
        for (int k = 0; k < 5; k++)
            MPI_Send(&ints[k], 1, MPI_INT, 0, 100 + k, MPI_COMM_WORLD);
    } else if (wrank == 0) {
        int flag = 0;
        while (!flag) /* until the last is here: all five sit unexpected */
            MPI_Iprobe(1, 104, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        unsigned long long l = pread(s, len), h = pread(s, hwm), u = pread(s, unx);
        CHECK(l >= 5 && h >= l && u >= 5, "5 unexpected: length %llu, max %llu, counted %llu", l, h,
              u);
        CHECK(nseen >= 5 && seen_src == 1 && seen_tag == 104 && seen_bytes == sizeof(int) &&
                  seen_ts > 0,
              "event: %d seen, last from %d tag %d %lld bytes", nseen, seen_src, seen_tag,
              (long long)seen_bytes);
        for (int k = 0; k < 5; k++)
            MPI_Recv(&ints[k], 1, MPI_INT, 1, 100 + k, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK(pread(s, len) == l - 5 && pread(s, hwm) >= h, "after receiving: length %llu",
              pread(s, len));
        CHECK(MPI_T_event_handle_free(reg_none, NULL, NULL) == MPI_SUCCESS && dropped >= 5,
              "dropped events: %lld", (long long)dropped);
    }
    if (wrank != 0)
        MPI_T_event_handle_free(reg_none, NULL, NULL);
    CHECK(MPI_T_event_handle_free(reg, NULL, NULL) == MPI_SUCCESS, "free registration");
    CHECK(MPI_T_event_handle_free(reg, NULL, NULL) == MPI_T_ERR_INVALID_HANDLE, "double free");

    /* The wait timer: rank 0 waits about 100 ms for rank 1. */
    struct counter wait = counter(s, "lark_wait_time", MPI_T_PVAR_CLASS_TIMER);
    MPI_T_pvar_start(s, wait.h);
    if (wrank == 1) {
        struct timespec ts = {0, 100000000};
        nanosleep(&ts, NULL);
        MPI_Send(ints, 1, MPI_INT, 0, 9, MPI_COMM_WORLD);
    } else if (wrank == 0) {
        MPI_Recv(ints, 1, MPI_INT, 1, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        double t;
        MPI_T_pvar_stop(s, wait.h);
        MPI_T_pvar_read(s, wait.h, &t);
        CHECK(t >= 0.05 && t < 60, "waited %.3f s for a 100 ms sleep", t);
    }

    /* Collective algorithms: force scatter_allgather and no shared-memory
     * path on every rank, on a fresh communicator; the counter and the
     * event see it. */
    cvar_write_enum("lark_coll_shm", "off");
    cvar_write_enum("lark_coll_bcast", "scatter_allgather");
    struct counter sag = counter(s, "lark_coll_bcast_scatter_allgather", MPI_T_PVAR_CLASS_COUNTER);
    MPI_T_pvar_start(s, sag.h);
    MPI_T_event_registration creg;
    MPI_T_event_handle_alloc(event_index("lark_collective_algorithm"), NULL, MPI_INFO_NULL, &creg);
    MPI_T_event_register_callback(creg, MPI_T_CB_REQUIRE_THREAD_SAFE, MPI_INFO_NULL, NULL, on_coll);
    MPI_Comm dup;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    int data[64];
    for (int k = 0; k < 64; k++)
        data[k] = wrank == 0 ? k : -1;
    MPI_Bcast(data, 64, MPI_INT, 0, dup);
    for (int k = 0; k < 64; k++)
        CHECK(data[k] == k, "bcast element %d = %d", k, data[k]);
    CHECK(pread(s, sag) >= 1, "scatter_allgather ran %llu times", pread(s, sag));
    CHECK(coll_seen[0] == 0 && coll_seen[1] == 2, "event: collective %d algorithm %d", coll_seen[0],
          coll_seen[1]);
    MPI_T_event_handle_free(creg, NULL, NULL);
    cvar_write_enum("lark_coll_bcast", "auto");

    /* A threshold of the automatic choice: bcast turns scatter_allgather
     * from lark_coll_bcast_long bytes on (more than 2 ranks). */
    int nranks;
    MPI_Comm_size(dup, &nranks);
    unsigned long long before = pread(s, sag);
    cvar_write_ulong("lark_coll_bcast_long", 64);
    MPI_Bcast(data, 64, MPI_INT, 0, dup);
    CHECK(nranks <= 2 || pread(s, sag) == before + 1,
          "bcast of 256 B over lark_coll_bcast_long = 64: scatter_allgather ran %llu times",
          pread(s, sag) - before);
    cvar_write_ulong("lark_coll_bcast_long", 256 * 1024);
    MPI_Bcast(data, 64, MPI_INT, 0, dup);
    CHECK(nranks <= 2 || pread(s, sag) == before + 1, "bcast of 256 B: scatter_allgather again");
    cvar_write_enum("lark_coll_shm", "auto");
    MPI_Comm_free(&dup);

    CHECK(MPI_T_pvar_session_free(&s) == MPI_SUCCESS && s == MPI_T_PVAR_SESSION_NULL,
          "session free");
    CHECK(MPI_T_pvar_session_free(&s) == MPI_T_ERR_INVALID_SESSION, "session double free");
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Finalize();

    /* After MPI_Finalize MPI_T still answers; two inits, two finalizes. */
    walk_cvars();
    EARLY(MPI_T_finalize() == MPI_SUCCESS && MPI_T_finalize() == MPI_SUCCESS, "MPI_T_finalize");
    EARLY(MPI_T_finalize() == MPI_T_ERR_NOT_INITIALIZED, "a third finalize");
    EARLY(MPI_T_init_thread(MPI_THREAD_SINGLE, &provided) == MPI_SUCCESS &&
              MPI_T_finalize() == MPI_SUCCESS,
          "MPI_T again after MPI_Finalize");
    if (wrank == 0)
        printf("mpit: OK\n");
    return 0;
}
