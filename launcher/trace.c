/*
 * trace.c -- mpirun --trace FILE: every rank preloads liblark_trace (the
 * recorder, tools/trace/) with LARK_TRACE naming FILE.parts/, where each
 * rank writes its events at MPI_Finalize; when the job is over mpirun runs
 * lark-trace-merge to make FILE (Trace Event JSON) and removes FILE.parts.
 * FILE's directory must be reachable from every host (a shared file
 * system, as the working directory of a cluster job is).
 */
#include "launcher.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char parts[PATH_MAX + 32];

/* Where a file of ours is: $LARK_<env>, else beside or below mpirun in
 * the build tree or the installation. */
static bool find(const char *env, const char *const *rel, char *out, size_t len)
{
    const char *e = getenv(env);
    if (e && *e) {
        snprintf(out, len, "%s", e);
        return access(out, R_OK) == 0;
    }
    char self[PATH_MAX / 2];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return false;
    self[n] = '\0';
    *strrchr(self, '/') = '\0';
    for (int i = 0; rel[i]; i++) {
        snprintf(out, len, "%s/%s", self, rel[i]);
        if (access(out, R_OK) == 0)
            return true;
    }
    return false;
}

static const char *const lib_rel[] = {"../lib/liblark_trace.so", ".libs/liblark_trace.so", NULL};
static const char *const merge_rel[] = {"../libexec/lark/lark-trace-merge", "lark-trace-merge",
                                        NULL};

int lark_trace_setup(struct lark_options *o, char *err, size_t errlen)
{
    if (o->trace == NULL)
        return 0;
    char lib[PATH_MAX], merge[PATH_MAX], abs[PATH_MAX + 8];
    if (!find("LARK_TRACE_LIB", lib_rel, lib, sizeof lib))
        return lark_launcher_fail(err, errlen,
                                  "mpirun: --trace: the recorder liblark_trace.so is not beside "
                                  "this mpirun (looked in ../lib); set LARK_TRACE_LIB to it");
    if (!find("LARK_TRACE_MERGE", merge_rel, merge, sizeof merge))
        return lark_launcher_fail(err, errlen,
                                  "mpirun: --trace: lark-trace-merge is not beside this mpirun "
                                  "(looked in ../libexec/lark); set LARK_TRACE_MERGE to it");
    if (o->trace[0] == '/') {
        snprintf(abs, sizeof abs, "%s", o->trace);
    } else {
        char cwd[PATH_MAX / 2];
        if (getcwd(cwd, sizeof cwd) == NULL)
            return lark_launcher_fail(err, errlen, "mpirun: --trace: no working directory");
        snprintf(abs, sizeof abs, "%s/%s", cwd, o->trace);
    }
    char dir[sizeof parts];
    snprintf(dir, sizeof dir, "%s.parts", abs);
    if (mkdir(dir, 0700) != 0)
        return lark_launcher_fail(
            err, errlen, "mpirun: --trace: cannot make %s for the ranks' records: %s%s", dir,
            strerror(errno), errno == EEXIST ? " (left by an earlier run? remove it)" : "");
    memcpy(parts, dir, sizeof parts); /* ours now: removed when the job is over */
    const char *pre = getenv("LD_PRELOAD");
    char preload[2 * PATH_MAX];
    snprintf(preload, sizeof preload, "%s%s%s", lib, pre && *pre ? ":" : "", pre ? pre : "");
    if (lark_options_setenv(o, "LARK_TRACE", parts) < 0 ||
        lark_options_setenv(o, "LD_PRELOAD", preload) < 0)
        return lark_launcher_fail(err, errlen, "mpirun: out of memory");
    return 0;
}

void lark_trace_cleanup(void)
{
    if (parts[0] == '\0')
        return;
    DIR *d = opendir(parts);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        if (strncmp(e->d_name, "rank.", 5) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
    if (d)
        closedir(d);
    if (rmdir(parts) != 0 && errno == ENOTEMPTY)
        fprintf(stderr, "mpirun: --trace: %s holds files that are not ours; left there\n", parts);
    parts[0] = '\0';
}

int lark_trace_finish(const struct lark_options *o, char *err, size_t errlen)
{
    if (o->trace == NULL || parts[0] == '\0')
        return 0;
    char merge[PATH_MAX];
    int rc = -1;
    if (find("LARK_TRACE_MERGE", merge_rel, merge, sizeof merge)) {
        pid_t pid = fork();
        if (pid == 0) {
            execl(merge, merge, parts, o->trace, (char *)NULL);
            _exit(127);
        }
        int st = 0;
        if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st))
            rc = WEXITSTATUS(st) == 0 ? 0 : -1;
    }
    lark_trace_cleanup();
    if (rc != 0)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: --trace: the trace %s could not be made from the "
                                  "ranks' records (did every rank reach MPI_Finalize?)",
                                  o->trace);
    return 0;
}
