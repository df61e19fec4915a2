/*
 * shmwin.c -- the shared segment behind MPI_Win_allocate and
 * MPI_Win_allocate_shared windows.
 *
 * The members of a window that share a node share one segment: a header
 * with one cache line of sync words per member (passive-target lock,
 * accumulate lock: struct lark_win_sync), then every member's memory.  For
 * MPI_Win_allocate_shared the memories follow each other with no gap (the
 * standard's "contiguous across process ranks"); for MPI_Win_allocate each
 * starts on a cache line.  Every member maps the whole segment, so an
 * origin reaches a target on its node with plain loads and stores.
 *
 * The node leader (the member with the lowest rank in the window) creates
 * it in /dev/shm, mode 0600, with an unguessable name
 * ("/<nspace>.win.<world rank>.<128 random bits>"), and hands the name to
 * the other members with a point-to-point message in the window's
 * collective context.  Once every member has mapped it (the address
 * exchange that follows in win.c is the proof), the leader unlinks the
 * name: from then on a crash leaves nothing behind.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include "lark.h"
#include "coll/coll.h"
#include "comm.h"
#include "runtime.h"
#include "win.h"

#define NAME_LEN   320
#define TAG_SHMWIN 0x524d4131 /* "RMA1" */

static size_t align_up(size_t v, size_t a)
{
    return (v + a - 1) / a * a;
}

static bool on_node(int world)
{
    return lark_rt.world_to_local != NULL ? lark_rt.world_to_local[world] >= 0
                                          : world == lark_rt.rank;
}

/* Create the segment (leader): returns the mapping or NULL, name filled. */
static void *create_segment(size_t size, char *name)
{
    uint64_t rnd[2];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return NULL;
    snprintf(name, NAME_LEN, "/%s.win.%d.%016" PRIx64 "%016" PRIx64, lark_rt.nspace, lark_rt.rank,
             rnd[0], rnd[1]);
    int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (fd < 0) {
        fprintf(stderr, "Lark MPI: rank %d (%s): cannot create window memory %s: %s\n",
                lark_rt.rank, lark_rt.hostname, name, strerror(errno));
        return NULL;
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        fprintf(stderr,
                "Lark MPI: rank %d (%s): cannot size window memory to %zu bytes: %s (is /dev/shm "
                "large enough?)\n",
                lark_rt.rank, lark_rt.hostname, size, strerror(errno));
        close(fd);
        shm_unlink(name);
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (p == MAP_FAILED) {
        shm_unlink(name);
        return NULL;
    }
    return p;
}

static void *open_segment(size_t size, const char *name)
{
    int fd = shm_open(name, O_RDWR, 0);
    if (fd < 0) {
        fprintf(stderr, "Lark MPI: rank %d (%s): cannot open window memory %s: %s\n", lark_rt.rank,
                lark_rt.hostname, name, strerror(errno));
        return NULL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
}

int lark_shmwin_setup(struct lark_win *win, bool contiguous)
{
    struct lark_comm *c = win->comm;
    int n = c->size, me = c->rank;
    /* The node's members in rank order; their offsets follow from the
     * sizes every member already knows, so only the name travels. */
    int *loc = malloc((size_t)n * sizeof *loc); /* freed below */
    size_t *off = malloc((size_t)n * sizeof *off);
    if (loc == NULL || off == NULL) {
        free(loc);
        free(off);
        return LARK_ERR_NOMEM;
    }
    int nloc = 0, myidx = 0;
    for (int r = 0; r < n; r++)
        if (on_node(win->t[r].world)) {
            if (r == me)
                myidx = nloc;
            loc[nloc++] = r;
        }
    size_t hdr = align_up((size_t)nloc * sizeof(struct lark_win_sync), 4096);
    size_t pos = hdr;
    for (int i = 0; i < nloc; i++) {
        if (!contiguous)
            pos = align_up(pos, LARK_CACHELINE);
        off[i] = pos;
        pos += (size_t)win->t[loc[i]].size;
    }
    size_t size = align_up(pos + 1, 4096);
    char name[NAME_LEN];
    void *seg = NULL;
    int rc = 0;
    if (myidx == 0) {
        seg = create_segment(size, name);
        if (seg == NULL)
            name[0] = '\0';
        for (int i = 1; i < nloc && rc == 0; i++)
            rc = lark_coll_send(name, sizeof name, loc[i], TAG_SHMWIN, c);
        if (seg != NULL) {
            win->seg_name = strdup(name); /* freed by lark_shmwin_unlink */
            if (win->seg_name == NULL) {
                shm_unlink(name);
                munmap(seg, size);
                seg = NULL;
            }
        }
    } else {
        rc = lark_coll_recv(name, sizeof name, loc[0], TAG_SHMWIN, c);
        if (rc == 0 && name[0] != '\0')
            seg = open_segment(size, name);
    }
    if (seg != NULL) {
        win->seg = seg;
        win->seg_size = size;
        struct lark_win_sync *sync = seg;
        for (int i = 0; i < nloc; i++) {
            struct lark_win_target *t = &win->t[loc[i]];
            t->local = true;
            t->direct = (char *)seg + off[i];
            t->sync = &sync[i];
        }
        win->my_sync = &sync[myidx];
        win->base = win->t[me].direct;
    }
    free(loc);
    free(off);
    if (rc != 0)
        return rc;
    return seg != NULL ? 0 : LARK_ERR_SYSTEM;
}

void lark_shmwin_unlink(struct lark_win *win)
{
    if (win->seg_name != NULL) {
        shm_unlink(win->seg_name);
        free(win->seg_name);
        win->seg_name = NULL;
    }
}

void lark_shmwin_free(struct lark_win *win)
{
    lark_shmwin_unlink(win);
    if (win->seg != NULL)
        munmap(win->seg, win->seg_size);
    win->seg = NULL;
}
