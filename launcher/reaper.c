/* Every descendant of mpirun goes when the job goes, including those that
 * left their rank's process group or session (setsid, double fork), which
 * signalling the ranks' process groups misses.  mpirun makes itself a child
 * subreaper (PR_SET_CHILD_SUBREAPER): a descendant whose parent dies becomes
 * mpirun's child instead of init's, so it stays in mpirun's tree.  Teardown
 * signals that whole tree, found in /proc (each process's parent), and the
 * end of the job kills and reaps it until no child is left.  A descendant
 * can escape only while mpirun itself is gone (SIGKILL); the ranks then die
 * with it (PR_SET_PDEATHSIG).  lark-noded does the same for its ranks.
 *
 * Children that are not the job's (the agents that start other hosts'
 * daemons, the cleaner of cleanup.c) are spared with their whole subtree:
 * a daemon started by a local agent is our descendant too, and it ends its
 * ranks itself, reporting their exits.  When such a daemon is killed, its
 * cleaner is orphaned and adopted by us (the nearest subreaper); it is
 * spared too, known by its name ("lark-cleaner", set by cleanup.c) and its
 * program (the daemon's, compared by device and inode): a rank can rename
 * itself but not become that program without exec'ing it, and that program
 * named so does nothing but sweep the job's files and exit. */
#include "launcher.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define END_MS 2000 /* at most this long killing what keeps appearing */

static pid_t *spared; /* malloc'd, grows; lives as long as the process */
static size_t nspared, capspared;

void lark_reaper_init(void)
{
    prctl(PR_SET_CHILD_SUBREAPER, 1);
}

void lark_reaper_spare(pid_t pid)
{
    if (nspared == capspared) {
        size_t ncap = capspared ? 2 * capspared : 16;
        pid_t *nv = realloc(spared, ncap * sizeof(*nv));
        if (!nv)
            return;
        spared = nv;
        capspared = ncap;
    }
    spared[nspared++] = pid;
}

static dev_t cleaner_dev; /* the daemon program, whose adopted cleaners are spared */
static ino_t cleaner_ino;
static bool cleaner_known;

void lark_reaper_spare_cleaners(const char *daemon_path)
{
    struct stat st;
    if (daemon_path && stat(daemon_path, &st) == 0) {
        cleaner_dev = st.st_dev;
        cleaner_ino = st.st_ino;
        cleaner_known = true;
    }
}

/* An orphaned cleaner of a daemon below us (see the top of the file). */
static bool is_cleaner(pid_t pid)
{
    if (!cleaner_known)
        return false;
    char path[64], comm[32];
    snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    bool named = fgets(comm, sizeof(comm), f) && strcmp(comm, LARK_CLEANER_NAME "\n") == 0;
    fclose(f);
    struct stat st;
    snprintf(path, sizeof(path), "/proc/%ld/exe", (long)pid);
    return named && stat(path, &st) == 0 && st.st_dev == cleaner_dev && st.st_ino == cleaner_ino;
}

static bool is_spared(pid_t pid)
{
    for (size_t i = 0; i < nspared; i++)
        if (spared[i] == pid)
            return true;
    return is_cleaner(pid);
}

struct pp {
    pid_t pid, ppid;
};

/* Every process's parent, from /proc/PID/stat.  malloc'd; *n entries. */
static struct pp *read_parents(size_t *n)
{
    *n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return NULL;
    size_t cap = 512;
    struct pp *v = malloc(cap * sizeof(*v));
    struct dirent *e;
    while (v && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char path[64], buf[512];
        snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        size_t got = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[got] = 0;
        /* "pid (comm) state ppid ...": comm may hold spaces and parens. */
        char *rp = strrchr(buf, ')');
        long ppid;
        char state;
        if (!rp || sscanf(rp + 1, " %c %ld", &state, &ppid) != 2)
            continue;
        if (*n == cap) {
            struct pp *nv = realloc(v, 2 * cap * sizeof(*v));
            if (!nv)
                break;
            v = nv;
            cap *= 2;
        }
        v[*n].pid = (pid_t)pid;
        v[*n].ppid = (pid_t)ppid;
        (*n)++;
    }
    closedir(d);
    return v;
}

int lark_reaper_signal(int sig, bool cont)
{
    size_t n;
    struct pp *v = read_parents(&n);
    if (!v)
        return 0;
    /* Breadth first from mpirun: descendants are moved to the front of
     * the array, v[0..found); each of them then pulls in its children. */
    pid_t me = getpid();
    size_t found = 0;
    for (size_t k = 0; k <= found && k < n; k++) {
        pid_t parent = k == 0 ? me : v[k - 1].pid;
        size_t i = found;
        while (i < n) {
            if (v[i].ppid != parent || (k == 0 && is_spared(v[i].pid))) {
                i++;
                continue;
            }
            /* Swap it into the front; what comes to i is looked at next. */
            struct pp t = v[found];
            v[found++] = v[i];
            v[i] = t;
            if (i < found)
                i = found;
        }
    }
    for (size_t k = 0; k < found; k++) {
        kill(v[k].pid, sig);
        if (cont)
            kill(v[k].pid, SIGCONT); /* a stopped process must see sig */
    }
    free(v);
    return (int)found;
}

void lark_reaper_end(void)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int left = lark_reaper_signal(SIGKILL, false);
        while (waitpid(-1, NULL, WNOHANG) > 0)
            ;
        if (left == 0)
            return;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000 > END_MS)
            return;
        /* Killed processes become zombies (ours to reap) a moment later. */
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
    }
}
