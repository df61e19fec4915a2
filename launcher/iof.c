/* Stdio forwarding.  Each rank's stdout and stderr reach mpirun through a
 * pipe each; the main loop calls lark_iof_read when a pipe is readable, and
 * only complete lines are written on, each batch with one write, so lines of
 * different ranks never mix mid-line.  A partial line waits for its end (or
 * for EOF, or for 64 KiB without a newline).  After a rank dies its pipe still
 * holds what it wrote, and the loop drains it, so a crashing rank's last words
 * arrive.  --tag-output prefixes each line with "[rank] "; --output-filename
 * also copies each stream, untagged, to a file.  The lines go to mpirun's
 * stdout or stderr through a sink (sink.c), which never blocks. */
#include "launcher.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK     65536
#define MAX_SPLIT 65536 /* a longer line without newline is passed on in pieces */

struct lark_iof {
    int rank;
    struct lark_sink *out; /* mpirun's stdout or stderr (not owned), or NULL (nocopy) */
    int file_fd;           /* --output-filename file, or -1; owned, closed by lark_iof_free */
    bool tag;
    bool line_start; /* the next byte written starts a line */
    char *pend;      /* partial line, malloc'd */
    size_t plen, pcap;
    char tagbuf[24];
    size_t taglen;
};

int lark_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                /* Our stdout was left non-blocking by someone: wait for room. */
                struct pollfd pfd = {.fd = fd, .events = POLLOUT};
                poll(&pfd, 1, -1);
                continue;
            }
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

struct lark_iof *lark_iof_new(int rank, struct lark_sink *out, int file_fd, bool tag)
{
    struct lark_iof *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->rank = rank;
    s->out = out;
    s->file_fd = file_fd;
    s->tag = tag;
    s->line_start = true;
    s->taglen = (size_t)snprintf(s->tagbuf, sizeof(s->tagbuf), "[%d] ", rank);
    return s;
}

/* Pass on len bytes of text (complete lines, or a forced piece). */
static void emit(struct lark_iof *s, const char *text, size_t len)
{
    if (len == 0)
        return;
    if (s->file_fd >= 0)
        lark_write_all(s->file_fd, text, len);
    if (!s->out)
        return;
    if (!s->tag) {
        lark_sink_put(s->out, text, len);
        s->line_start = text[len - 1] == '\n';
        return;
    }
    /* Count lines to size the tagged copy, then write it in one go. */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    size_t cap = len + lines * s->taglen;
    char *out = malloc(cap);
    if (!out) {
        lark_sink_put(s->out, text, len);
        return;
    }
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s->line_start) {
            memcpy(out + o, s->tagbuf, s->taglen);
            o += s->taglen;
            s->line_start = false;
        }
        out[o++] = text[i];
        if (text[i] == '\n')
            s->line_start = true;
    }
    lark_sink_put(s->out, out, o);
    free(out);
}

static int append(struct lark_iof *s, const char *data, size_t len)
{
    if (s->plen + len > s->pcap) {
        size_t ncap = s->pcap ? s->pcap : 4096;
        while (ncap < s->plen + len)
            ncap *= 2;
        char *np = realloc(s->pend, ncap);
        if (!np)
            return -1;
        s->pend = np;
        s->pcap = ncap;
    }
    memcpy(s->pend + s->plen, data, len);
    s->plen += len;
    return 0;
}

void lark_iof_feed(struct lark_iof *s, const char *buf, size_t n)
{
    /* The last newline in this chunk ends the text we can pass on. */
    const char *nl = memrchr(buf, '\n', n);
    if (!nl) {
        if (append(s, buf, n) < 0)
            emit(s, buf, n);
        if (s->plen >= MAX_SPLIT) {
            emit(s, s->pend, s->plen);
            s->plen = 0;
        }
        return;
    }
    size_t upto = (size_t)(nl - buf) + 1;
    if (s->plen) {
        if (append(s, buf, upto) == 0) {
            emit(s, s->pend, s->plen);
        } else {
            emit(s, s->pend, s->plen);
            emit(s, buf, upto);
        }
        s->plen = 0;
    } else {
        emit(s, buf, upto);
    }
    if (upto < n && append(s, buf + upto, n - upto) < 0)
        emit(s, buf + upto, n - upto);
}

int lark_iof_read(struct lark_iof *s, int fd)
{
    char buf[CHUNK];
    /* A few chunks per call, so one chatty rank cannot starve the others. */
    for (int round = 0; round < 4; round++) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 1;
            return 0;
        }
        if (n == 0)
            return 0;
        lark_iof_feed(s, buf, (size_t)n);
    }
    return 2;
}

void lark_iof_free(struct lark_iof *s)
{
    if (!s)
        return;
    /* A last line without its newline gets one on the terminal, so the next
     * line (another rank's, or mpirun's) does not continue it; the file
     * copy stays byte for byte. */
    if (s->plen) {
        emit(s, s->pend, s->plen);
        lark_sink_put(s->out, "\n", 1);
    } else if (!s->line_start) {
        lark_sink_put(s->out, "\n", 1);
    }
    if (s->file_fd >= 0)
        close(s->file_fd);
    free(s->pend);
    free(s);
}
