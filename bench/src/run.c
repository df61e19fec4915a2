/* run.c -- bench-run: run one command with a time limit and measure its wall
 * time.  bench/compare starts every mpirun through it (plain C, no MPI).
 *
 *     bench-run SECONDS WALLFILE command [args...]
 *
 * The command runs in a process group of its own; when the limit passes, the
 * whole group gets SIGTERM, then SIGKILL two seconds later, so no rank is
 * left behind.  The wall time in seconds (monotonic clock, from fork to the
 * command's exit) is written to WALLFILE.  Exit status: the command's, 124
 * when it timed out, 128 + N when signal N killed it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
    (void)sig;
    alarmed = 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: bench-run SECONDS WALLFILE command [args...]\n");
        return 2;
    }
    double limit = atof(argv[1]);
    struct sigaction sa = {.sa_handler = on_alarm};
    sigaction(SIGALRM, &sa, NULL);

    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) {
        perror("bench-run: fork");
        return 2;
    }
    if (pid == 0) {
        setpgid(0, 0);
        execvp(argv[3], argv + 3);
        fprintf(stderr, "bench-run: cannot run %s: %s\n", argv[3], strerror(errno));
        _exit(127);
    }
    setpgid(pid, pid); /* also here, so the group exists before any kill */

    struct itimerval it = {.it_value = {.tv_sec = (time_t)limit,
                                        .tv_usec = (suseconds_t)((limit - (time_t)limit) * 1e6)}};
    setitimer(ITIMER_REAL, &it, NULL);
    int status = 0, timed_out = 0;
    for (;;) {
        pid_t w = waitpid(pid, &status, 0);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            perror("bench-run: waitpid");
            return 2;
        }
        if (alarmed && !timed_out) {
            timed_out = 1;
            kill(-pid, SIGTERM);
            alarmed = 0;
            struct itimerval grace = {.it_value = {.tv_sec = 2}};
            setitimer(ITIMER_REAL, &grace, NULL);
        } else if (alarmed) {
            kill(-pid, SIGKILL);
            alarmed = 0;
        }
    }
    double wall = now() - t0;
    /* Ranks that outlived their launcher still belong to the group. */
    kill(-pid, SIGKILL);

    FILE *f = fopen(argv[2], "w");
    if (f) {
        fprintf(f, "%.6f\n", wall);
        fclose(f);
    }
    if (timed_out)
        return 124;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
