/* What a job leaves on its node, and how it goes away even when mpirun is
 * killed.  A job's files are the PMIx server's temp directory
 * ($TMPDIR/<nspace>.XXXXXX) and the ranks' shared memory (/dev/shm/<nspace>.*).
 * mpirun removes them at the end (cleanup.c); when mpirun is killed
 * (SIGKILL, the OOM killer) it cannot, so a later mpirun of the same user
 * sweeps them.  (A multi-host job also has cleaner processes, cleanup.c;
 * this costs a single-host job no process at all.)
 *
 * A dead job is recognised safely by a lock, not by a pid that could be
 * reused: mpirun creates /dev/shm/<nspace>.owner (0600) before anything
 * else of the job exists, holds an flock on it while it lives (the kernel
 * drops the lock when the process dies, however it dies), and writes in it
 * the directory its temp directory is made in, before making it.  A
 * sweeper takes the lock of each owner file it finds; when it gets it, the
 * job is dead: it removes the job's temp directories (<nspace>.*, ours, in
 * the directory named in the file), the job's /dev/shm files, and the owner
 * file last.
 * Files of a namespace without an owner file are never touched (an mpirun
 * older than this one may still be running that job). */
#include "launcher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHM_DIR   "/dev/shm"
#define OWNER_SFX ".owner"

/* "lark-" and 16 hex digits: the namespaces mpirun makes. */
static bool is_nspace(const char *s, size_t len)
{
    if (len != 21 || strncmp(s, "lark-", 5) != 0)
        return false;
    for (size_t i = 5; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* The owner file of a dead job is locked by us (fd): remove the temp
 * directories <nspace>.* of ours in the directory it names (the job may have
 * died before or after making its own), then the job's /dev/shm files. */
static void sweep_one(int fd, const char *nspace)
{
    char dir[4096];
    ssize_t n = pread(fd, dir, sizeof(dir) - 1, 0);
    dir[n > 0 ? n : 0] = 0;
    size_t nl = strlen(nspace);
    DIR *d = n > 0 ? opendir(dir) : NULL;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        struct stat st;
        if (strncmp(e->d_name, nspace, nl) != 0 || e->d_name[nl] != '.' ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode) ||
            st.st_uid != geteuid())
            continue;
        char path[8192];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        lark_cleanup_node(path, NULL);
    }
    if (d)
        closedir(d);
    lark_cleanup_node(NULL, nspace);
}

int lark_leftovers_sweep(void)
{
    DIR *d = opendir(SHM_DIR);
    if (!d)
        return 0;
    int swept = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), sl = strlen(OWNER_SFX);
        if (len <= sl || strcmp(e->d_name + len - sl, OWNER_SFX) != 0 ||
            !is_nspace(e->d_name, len - sl))
            continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
            flock(fd, LOCK_EX | LOCK_NB) == 0) {
            char nspace[32];
            snprintf(nspace, sizeof(nspace), "%.*s", (int)(len - sl), e->d_name);
            sweep_one(fd, nspace);
            unlinkat(dirfd(d), e->d_name, 0);
            swept++;
        }
        close(fd);
    }
    closedir(d);
    return swept;
}

int lark_leftovers_claim(const char *nspace)
{
    char path[256];
    snprintf(path, sizeof(path), SHM_DIR "/%s" OWNER_SFX, nspace);
    for (int tries = 0; tries < 8; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return -1;
        /* A sweeper may have taken the file for a dead job's between our
         * open and our lock, and removed it: then make a new one. */
        struct stat a, b;
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
            a.st_ino == b.st_ino && a.st_dev == b.st_dev)
            return fd;
        close(fd);
    }
    return -1;
}

void lark_leftovers_set_dir(int fd, const char *dir)
{
    if (fd < 0 || !dir || !*dir)
        return;
    size_t len = strlen(dir);
    if (pwrite(fd, dir, len, 0) != (ssize_t)len)
        return; /* without it a sweeper leaves the directory alone */
}

void lark_leftovers_release(int fd, const char *nspace)
{
    if (fd < 0)
        return;
    char path[256];
    snprintf(path, sizeof(path), SHM_DIR "/%s" OWNER_SFX, nspace);
    unlink(path);
    close(fd);
}
