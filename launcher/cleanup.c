/* What a node agent leaves behind and how it goes: the PMIx server's temp
 * directory and the job's /dev/shm files (named by shm/shm_name.h).  Both
 * mpirun and lark-noded remove them at the end; for a multi-host job each
 * also starts a cleaner, a small child that waits for the end of a pipe
 * only its parent holds, so that the files go even when the parent is
 * killed with SIGKILL (which a single-host mpirun does not pay for). */
#include "launcher.h"
#include "shm/shm_name.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

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

void lark_cleanup_guard(const char *tmpdir, const char *nspace)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, 0);
        setpgid(0, 0); /* out of the way of signals to the parent's group */
        sigset_t all;
        sigfillset(&all);
        sigprocmask(SIG_SETMASK, &all, NULL);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != p[0])
                close(fd);
        char c;
        while (read(p[0], &c, 1) < 0 && errno == EINTR)
            ;
        lark_cleanup_node(tmpdir, nspace);
        _exit(0);
    }
    close(p[0]);
    if (pid > 0)
        lark_reaper_spare(pid); /* it must outlive the job's teardown */
    if (pid < 0)
        close(p[1]);
    else
        fcntl(p[1], F_SETFD, FD_CLOEXEC); /* held by the parent alone, never by a rank */
}
