/* Hosts and slots: the hostfile formats of Open MPI ("host slots=N
 * max_slots=M") and of MPICH Hydra ("host:N"), and the --host list
 * ("a,b:2,a").  A host named twice adds up its slots.  Every message names
 * the file, the line and the bad token.  Whether a host is this machine is
 * decided here too, since mpirun runs single-host jobs only for now. */
#include "launcher.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int parse_slots(const char *s, size_t len, int *out)
{
    if (len == 0 || len > 7)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0)
        return -1;
    *out = v;
    return 0;
}

static bool valid_host_name(const char *s, size_t len)
{
    if (len == 0 || len > 255)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '-' || c == '.' || c == '_' || c == ':'))
            return false;
    }
    return true;
}

/* Add `slots` to host `name` (len bytes), creating it if new.  Returns 0,
 * -1 when out of memory, -2 when the host's slots would pass LARK_MAX_SLOTS. */
static int add_host(struct lark_host **hosts, int *nhosts, const char *name, size_t len, int slots,
                    bool slots_set)
{
    for (int i = 0; i < *nhosts; i++) {
        if (strlen((*hosts)[i].name) == len && strncmp((*hosts)[i].name, name, len) == 0) {
            if ((long)(*hosts)[i].slots + slots > LARK_MAX_SLOTS)
                return -2;
            (*hosts)[i].slots += slots;
            (*hosts)[i].slots_set |= slots_set;
            return 0;
        }
    }
    struct lark_host *nh = realloc(*hosts, (size_t)(*nhosts + 1) * sizeof(*nh));
    if (!nh)
        return -1;
    *hosts = nh;
    nh[*nhosts].name = strndup(name, len);
    if (!nh[*nhosts].name)
        return -1;
    nh[*nhosts].slots = slots;
    nh[*nhosts].slots_set = slots_set;
    (*nhosts)++;
    return 0;
}

/* add_host, with the message for the user when it fails; `where` names the
 * file and line, or --host. */
static int add_host_or_fail(struct lark_host **hosts, int *nhosts, const char *name, size_t len,
                            int slots, bool slots_set, const char *where, char *err, size_t errlen)
{
    int rc = add_host(hosts, nhosts, name, len, slots, slots_set);
    if (rc == -2)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: %s: too many slots for host '%.*s' (at most %d in all)",
                                  where, (int)len, name, LARK_MAX_SLOTS);
    if (rc < 0)
        return lark_launcher_fail(err, errlen, "mpirun: out of memory");
    return 0;
}

/* Split one "name", "name:N", "[addr]" or "[addr]:N" item into the host
 * (brackets removed) and the count (num NULL when none).  An IPv6 literal
 * without brackets ("fd00::2", several colons) is a name with no count.
 * Returns 0, or -1 when a bracket is not closed or not followed by ":N". */
static int split_item(const char *item, size_t len, const char **name, size_t *nlen,
                      const char **num, size_t *numlen)
{
    *num = NULL;
    *numlen = 0;
    if (len > 0 && item[0] == '[') {
        const char *close_br = memchr(item, ']', len);
        if (!close_br)
            return -1;
        *name = item + 1;
        *nlen = (size_t)(close_br - item - 1);
        size_t rest = len - (size_t)(close_br + 1 - item);
        if (rest == 0)
            return 0;
        if (close_br[1] != ':')
            return -1;
        *num = close_br + 2;
        *numlen = rest - 1;
        return 0;
    }
    *name = item;
    *nlen = len;
    const char *colon = memchr(item, ':', len);
    /* "::1" and other IPv6 literals have several colons: take them whole. */
    if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - item))) {
        *nlen = (size_t)(colon - item);
        *num = colon + 1;
        *numlen = len - *nlen - 1;
    }
    return 0;
}

/* One "name", "name:N", "[addr]" or "[addr]:N" item. */
static int parse_item(const char *item, size_t len, const char *origin, int line,
                      struct lark_host **hosts, int *nhosts, char *err, size_t errlen)
{
    const char *name, *num;
    size_t nlen, numlen;
    int slots = 1;
    bool set = false;
    char where[300];
    if (line > 0)
        snprintf(where, sizeof(where), "%s line %d", origin, line);
    else
        snprintf(where, sizeof(where), "%s", origin);
    if (split_item(item, len, &name, &nlen, &num, &numlen) < 0)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: %s: bad host '%.*s'; write an IPv6 address as [addr] "
                                  "or [addr]:N",
                                  where, (int)len, item);
    if (num) {
        if (parse_slots(num, numlen, &slots) < 0)
            return lark_launcher_fail(
                err, errlen,
                "mpirun: %s: bad slot count '%.*s' in '%.*s'; expected host:N with N a "
                "positive number",
                where, (int)numlen, num, (int)len, item);
        set = true;
    }
    if (!valid_host_name(name, nlen))
        return lark_launcher_fail(err, errlen, "mpirun: %s: bad host name '%.*s'", where, (int)nlen,
                                  name);
    return add_host_or_fail(hosts, nhosts, name, nlen, slots, set, where, err, errlen);
}

int lark_hostlist_parse(const char *list, struct lark_host **hosts, int *nhosts, char *err,
                        size_t errlen)
{
    const char *p = list;
    if (!*p)
        return lark_launcher_fail(err, errlen,
                                  "mpirun: empty --host list; expected host[:slots][,host...]");
    for (;;) {
        size_t len = strcspn(p, ",");
        if (len == 0)
            return lark_launcher_fail(err, errlen, "mpirun: empty host name in --host list '%s'",
                                      list);
        if (parse_item(p, len, "--host", 0, hosts, nhosts, err, errlen) < 0)
            return -1;
        p += len;
        if (!*p)
            return 0;
        p++;
    }
}

int lark_hostfile_parse(const char *text, const char *origin, struct lark_host **hosts, int *nhosts,
                        char *err, size_t errlen)
{
    int line = 0;
    const char *p = text;
    while (*p) {
        line++;
        size_t linelen = strcspn(p, "\n");
        const char *end = p + linelen;
        const char *hash = memchr(p, '#', linelen);
        if (hash)
            end = hash;
        /* Tokenise the line on blanks. */
        const char *tok = p;
        const char *name = NULL;
        size_t name_len = 0;
        int slots = 0;
        bool slots_set = false;
        while (tok < end) {
            while (tok < end && isspace((unsigned char)*tok))
                tok++;
            if (tok >= end)
                break;
            const char *te = tok;
            while (te < end && !isspace((unsigned char)*te))
                te++;
            size_t tlen = (size_t)(te - tok);
            if (!name) {
                name = tok;
                name_len = tlen;
            } else if (tlen > 6 && strncmp(tok, "slots=", 6) == 0) {
                if (parse_slots(tok + 6, tlen - 6, &slots) < 0)
                    return lark_launcher_fail(
                        err, errlen,
                        "mpirun: hostfile %s line %d: bad slot count '%.*s' in '%.*s'; "
                        "expected slots=N with N a positive number",
                        origin, line, (int)(tlen - 6), tok + 6, (int)tlen, tok);
                slots_set = true;
            } else if (tlen > 10 && strncmp(tok, "max_slots=", 10) == 0) {
                int dummy;
                /* max_slots caps oversubscription in Open MPI; only check it. */
                if (parse_slots(tok + 10, tlen - 10, &dummy) < 0)
                    return lark_launcher_fail(
                        err, errlen, "mpirun: hostfile %s line %d: bad count '%.*s' in '%.*s'",
                        origin, line, (int)(tlen - 10), tok + 10, (int)tlen, tok);
            } else {
                return lark_launcher_fail(
                    err, errlen,
                    "mpirun: hostfile %s line %d: unexpected '%.*s' after host '%.*s'; "
                    "lines are 'host', 'host slots=N' or 'host:N'",
                    origin, line, (int)tlen, tok, (int)name_len, name);
            }
            tok = te;
        }
        if (name) {
            const char *hname = name, *count = NULL;
            size_t hlen = name_len, clen = 0;
            if (slots_set && split_item(name, name_len, &hname, &hlen, &count, &clen) == 0 && count)
                return lark_launcher_fail(
                    err, errlen,
                    "mpirun: hostfile %s line %d: '%.*s' gives slots twice (host:N and "
                    "slots=N)",
                    origin, line, (int)name_len, name);
            if (slots_set) {
                if (!valid_host_name(hname, hlen))
                    return lark_launcher_fail(err, errlen,
                                              "mpirun: hostfile %s line %d: bad host name '%.*s'",
                                              origin, line, (int)name_len, name);
                char where[300];
                snprintf(where, sizeof(where), "hostfile %s line %d", origin, line);
                if (add_host_or_fail(hosts, nhosts, hname, hlen, slots, true, where, err, errlen) <
                    0)
                    return -1;
            } else {
                char where[300];
                snprintf(where, sizeof(where), "hostfile %s", origin);
                if (parse_item(name, name_len, where, line, hosts, nhosts, err, errlen) < 0)
                    return -1;
            }
        }
        p += linelen;
        if (*p == '\n')
            p++;
    }
    return 0;
}

int lark_hostfile_read(const char *path, struct lark_host **hosts, int *nhosts, char *err,
                       size_t errlen)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; a device
     * (/dev/zero) or a FIFO is refused before anything is read. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return lark_launcher_fail(err, errlen, "mpirun: cannot open hostfile '%s': %s", path,
                                  strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return lark_launcher_fail(err, errlen,
                                  "mpirun: hostfile '%s' is not a regular file (a device, FIFO or "
                                  "directory); give a file of 'host slots=N' lines",
                                  path);
    }
    if (st.st_size > LARK_HOSTFILE_MAX) {
        close(fd);
        return lark_launcher_fail(err, errlen,
                                  "mpirun: hostfile '%s' is too large (%lld bytes, at most %d)",
                                  path, (long long)st.st_size, LARK_HOSTFILE_MAX);
    }
    /* Read at most the cap (and one byte more, to see a file that grew). */
    size_t cap = (size_t)st.st_size + 2, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return lark_launcher_fail(err, errlen, "mpirun: out of memory reading hostfile '%s'", path);
    }
    for (;;) {
        if (len + 1 >= cap) {
            if (cap > LARK_HOSTFILE_MAX) {
                free(buf);
                close(fd);
                return lark_launcher_fail(err, errlen,
                                          "mpirun: hostfile '%s' is too large (at most %d bytes)",
                                          path, LARK_HOSTFILE_MAX);
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                close(fd);
                return lark_launcher_fail(err, errlen,
                                          "mpirun: out of memory reading hostfile '%s'", path);
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return lark_launcher_fail(err, errlen, "mpirun: cannot read hostfile '%s': %s", path,
                                      strerror(e));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = 0;
    if (memchr(buf, 0, len)) {
        free(buf);
        return lark_launcher_fail(err, errlen, "mpirun: hostfile '%s' is not a text file", path);
    }
    int n0 = *nhosts;
    int rc = lark_hostfile_parse(buf, path, hosts, nhosts, err, errlen);
    free(buf);
    if (rc == 0 && *nhosts == n0)
        return lark_launcher_fail(err, errlen, "mpirun: hostfile '%s' names no host", path);
    return rc;
}

void lark_topo_free(struct lark_topo *t, int n)
{
    for (int h = 0; t && h < n; h++)
        free(t[h].name);
    free(t);
}

void lark_hosts_free(struct lark_host *hosts, int nhosts)
{
    for (int i = 0; i < nhosts; i++)
        free(hosts[i].name);
    free(hosts);
}

bool lark_host_is_local(const char *name)
{
    if (strcmp(name, "localhost") == 0 || strncmp(name, "127.", 4) == 0 ||
        strcmp(name, "::1") == 0 || strcmp(name, "localhost.localdomain") == 0)
        return true;
    char me[256];
    if (gethostname(me, sizeof(me)) != 0)
        return false;
    me[sizeof(me) - 1] = 0;
    if (strcmp(name, me) == 0)
        return true;
    /* Short and long forms of our name match each other. */
    size_t ms = strcspn(me, "."), ns = strcspn(name, ".");
    if (ms == ns && strncmp(me, name, ms) == 0 && (me[ms] == 0 || name[ns] == 0))
        return true;
    return false;
}
