/*
 * sockbench.c -- the floor for Lark's TCP transport: a plain-socket
 * ping-pong and stream between two processes over loopback, no MPI.  Both
 * processes poll their nonblocking socket (as an MPI rank does while it
 * waits), with TCP_NODELAY.
 *
 *   sockbench lat SIZE ITERS   "lat 2 SIZE <microseconds>" (half a round trip)
 *   sockbench bw SIZE ITERS    "bw 2 SIZE <GB/s>" (SIZE-byte writes, one ack)
 *
 * Used by bench/tcp.sh beside Lark, Open MPI and MPICH with TCP forced.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
    perror(what);
    exit(1);
}

/* Move exactly n bytes, polling a nonblocking socket. */
static void xfer(int fd, char *buf, size_t n, int out)
{
    size_t done = 0;
    while (done < n) {
        ssize_t k = out ? send(fd, buf + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL)
                        : recv(fd, buf + done, n - done, MSG_DONTWAIT);
        if (k > 0)
            done += (size_t)k;
        else if (k == 0 || (errno != EAGAIN && errno != EINTR))
            die(out ? "send" : "recv");
    }
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return fprintf(stderr, "usage: sockbench lat|bw SIZE ITERS\n"), 2;
    int bw = strcmp(argv[1], "bw") == 0;
    size_t size = strtoul(argv[2], NULL, 0), len = size ? size : 1;
    int iters = atoi(argv[3]);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &alen))
        die("listen");
    char *buf = calloc(1, len);
    pid_t child = fork();
    int fd;
    if (child == 0) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a))
            die("connect");
    } else {
        fd = accept(ls, NULL, NULL);
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int warm = iters / 10 + 1;
    double t0 = 0;
    for (int i = -warm; i < iters; i++) {
        if (i == 0)
            t0 = now();
        if (bw) {
            xfer(fd, buf, len, child != 0);
        } else if (child != 0) {
            xfer(fd, buf, len, 1);
            xfer(fd, buf, len, 0);
        } else {
            xfer(fd, buf, len, 0);
            xfer(fd, buf, len, 1);
        }
        if (bw && i == -1) { /* sync before timing */
            char c = 0;
            xfer(fd, &c, 1, child == 0);
        }
    }
    if (bw) { /* one ack: the receiver has everything */
        char c = 0;
        xfer(fd, &c, 1, child == 0);
    }
    double t = now() - t0;
    if (child != 0) {
        if (bw)
            printf("bw 2 %zu %.6g\n", size, (double)size * iters / t / 1e9);
        else
            printf("lat 2 %zu %.6g\n", size, t / iters / 2 * 1e6);
        waitpid(child, NULL, 0);
    }
    close(fd);
    close(ls);
    free(buf);
    return 0;
}
