/* What a node agent leaves behind and how it goes: the PMIx server's temp
 * directory and the job's /dev/shm files (named by shm/shm_name.h).  Both
 * mpirun and lark-noded remove them at the end; for a multi-host job each
 * also starts a cleaner, a small child that waits for the end of a pipe
 * only its parent holds, so that the files go even when the parent is
 * killed with SIGKILL (which a single-host mpirun does not pay for).
 *
 * The parent's ranks die with it (PR_SET_PDEATHSIG), but not at the same
 * instant: the pipe closes before the kernel signals them, and a rank still
 * in MPI_Init can create a file after a sweep made at once.  So the parent
 * sends the cleaner each rank's pid down the same pipe, the cleaner holds a
 * pidfd for each, and at the end it waits (a few seconds at most) for all
 * of them to be gone before it sweeps.  Cost: one fd and 4 bytes of pipe
 * per local rank. */
#include "launcher.h"
#include "shm/shm_name.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int guard_fd = -1; /* the write end of the cleaner's pipe, or -1 */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void lark_cleanup_node(const char *tmpdir, const char *nspace)
{
    if (tmpdir && *tmpdir)
        nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    if (!nspace || !*nspace)
        return;
    DIR *d = opendir("/dev/shm");
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (lark_shm_name_of_job(e->d_name, nspace))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

/* A pidfd for pid, or -1 when it is gone (or pidfds are not supported:
 * then the sweep does not wait for it). */
static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* The cleaner: collect the ranks' pids until the parent's end of the pipe
 * closes, then wait for those ranks to be gone (5 s at most). */
static void cleaner_wait(int in)
{
    struct pollfd *fds = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        int32_t pid;
        ssize_t r = read(in, &pid, sizeof pid);
        if (r < 0 && errno == EINTR)
            continue;
        if (r != (ssize_t)sizeof pid)
            break; /* the parent is gone (a pipe write of 4 bytes is never split) */
        int fd = pidfd_of((pid_t)pid);
        if (fd < 0)
            continue;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 16;
            struct pollfd *nf = realloc(fds, ncap * sizeof *nf);
            if (!nf) {
                close(fd);
                continue;
            }
            fds = nf;
            cap = ncap;
        }
        fds[n++] = (struct pollfd){.fd = fd, .events = POLLIN};
    }
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t left = n;
    while (left > 0) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        long ms = 5000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000);
        if (ms <= 0)
            break;
        if (poll(fds, n, (int)ms) < 0 && errno != EINTR)
            break;
        for (size_t i = 0; i < n; i++)
            if (fds[i].fd >= 0 && fds[i].revents) {
                close(fds[i].fd);
                fds[i].fd = -1; /* poll skips it from now on */
                left--;
            }
    }
    free(fds);
}

void lark_cleanup_guard(const char *tmpdir, const char *nspace)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, 0);
        prctl(PR_SET_NAME, LARK_CLEANER_NAME); /* spared by the reaper that adopts us */
        setpgid(0, 0);                         /* out of the way of signals to the parent's group */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != p[0])
                close(fd);
        cleaner_wait(p[0]);
        lark_cleanup_node(tmpdir, nspace);
        _exit(0);
    }
    close(p[0]);
    if (pid > 0)
        lark_reaper_spare(pid); /* it must outlive the job's teardown */
    if (pid < 0) {
        close(p[1]);
    } else {
        fcntl(p[1], F_SETFD, FD_CLOEXEC); /* held by the parent alone, never by a rank */
        guard_fd = p[1];
    }
}

void lark_cleanup_watch(pid_t rank_pid)
{
    if (guard_fd < 0)
        return;
    int32_t v = (int32_t)rank_pid;
    ssize_t r;
    do
        r = write(guard_fd, &v, sizeof v);
    while (r < 0 && errno == EINTR);
}
