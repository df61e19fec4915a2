/* mpirun's command line.  Users arrive from Open MPI's mpirun and from MPICH's
 * Hydra mpiexec, so both spellings are accepted: long options with one or two
 * dashes, "--opt value" and "--opt=value", and the aliases of either
 * (-np/-n/-c, -N/--npernode/-ppn, --host/-H/-hosts, --hostfile/-f/--machinefile,
 * -x/-genv/-env, --tag-output/-l, ...).  An MPMD line is several application
 * contexts separated by ":"; -n and -env belong to the context they appear in,
 * every other option is global.  Everything after the program name up to the
 * next ":" is the program's own arguments.  Nothing here touches hwloc or PMIx,
 * so the unit tests link this file alone (with hostfile.c). */
#include "launcher.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum opt_id {
    OPT_NP,
    OPT_NPERNODE,
    OPT_HOST,
    OPT_HOSTFILE,
    OPT_MAPBY,
    OPT_BINDTO,
    OPT_REPORT,
    OPT_DISPLAY_MAP,
    OPT_HWTHREADS,
    OPT_OVERSUB,
    OPT_X,
    OPT_GENV,
    OPT_GENVLIST,
    OPT_ENV,
    OPT_TAG,
    OPT_OUTFILE,
    OPT_TIMEOUT,
    OPT_TRACE,
    OPT_STDIN,
    OPT_WDIR,
    OPT_PREFIX,
    OPT_VERSION,
    OPT_HELP,
    OPT_VERBOSE,
    OPT_IGNORE, /* accepted for compatibility, no effect (see the table) */
    OPT_MCA,    /* Open MPI's --mca KEY VALUE: plm_rsh_agent used, others said to be ignored */
    OPT_AGENT,  /* -launcher-exec CMD: how daemons are started on other hosts */
    OPT_LAUNCH_TIMEOUT,
    OPT_RADIX,
    OPT_FLAT,
    OPT_RECOVERY,
    OPT_PRELOAD,
    OPT_RANKBY,
    OPT_SESSION,    /* --session-per-rank */
    OPT_NO_SESSION, /* --no-session-per-rank */
};

struct opt_def {
    const char *name; /* without leading dashes */
    enum opt_id id;
    int nargs;
};

static const struct opt_def opt_table[] = {
    {"n", OPT_NP, 1},
    {"np", OPT_NP, 1},
    {"c", OPT_NP, 1},
    {"N", OPT_NPERNODE, 1},
    {"npernode", OPT_NPERNODE, 1},
    {"ppn", OPT_NPERNODE, 1},
    {"host", OPT_HOST, 1},
    {"hosts", OPT_HOST, 1},
    {"H", OPT_HOST, 1},
    {"hostfile", OPT_HOSTFILE, 1},
    {"machinefile", OPT_HOSTFILE, 1},
    {"f", OPT_HOSTFILE, 1},
    {"default-hostfile", OPT_HOSTFILE, 1},
    {"map-by", OPT_MAPBY, 1},
    {"rank-by", OPT_RANKBY, 1},
    {"bind-to", OPT_BINDTO, 1},
    {"report-bindings", OPT_REPORT, 0},
    {"display-map", OPT_DISPLAY_MAP, 0},
    {"use-hwthread-cpus", OPT_HWTHREADS, 0},
    {"oversubscribe", OPT_OVERSUB, 0},
    {"x", OPT_X, 1},
    {"genv", OPT_GENV, 2},
    {"genvlist", OPT_GENVLIST, 1},
    {"env", OPT_ENV, 2},
    {"tag-output", OPT_TAG, 0},
    {"l", OPT_TAG, 0},
    {"prepend-rank", OPT_TAG, 0},
    {"output-filename", OPT_OUTFILE, 1},
    {"timeout", OPT_TIMEOUT, 1},
    {"trace", OPT_TRACE, 1},
    {"stdin", OPT_STDIN, 1},
    {"wdir", OPT_WDIR, 1},
    {"wd", OPT_WDIR, 1},
    {"prefix", OPT_PREFIX, 1},
    {"version", OPT_VERSION, 0},
    {"V", OPT_VERSION, 0},
    {"help", OPT_HELP, 0},
    {"h", OPT_HELP, 0},
    {"verbose", OPT_VERBOSE, 0},
    {"v", OPT_VERBOSE, 0},
    /* No effect: root is allowed anyway, the whole environment is passed
     * anyway, and quiet is the default. */
    {"allow-run-as-root", OPT_IGNORE, 0},
    {"genvall", OPT_IGNORE, 0},
    {"quiet", OPT_IGNORE, 0},
    {"q", OPT_IGNORE, 0},
    {"mca", OPT_MCA, 2},
    {"gmca", OPT_MCA, 2},
    {"launcher-exec", OPT_AGENT, 1},
    {"rsh-agent", OPT_AGENT, 1},
    {"launch-timeout", OPT_LAUNCH_TIMEOUT, 1},
    {"tree-radix", OPT_RADIX, 1},
    {"flat-launch", OPT_FLAT, 0},
    {"session-per-rank", OPT_SESSION, 0},
    {"no-session-per-rank", OPT_NO_SESSION, 0},
    {"enable-recovery", OPT_RECOVERY, 0},
    {"disable-auto-cleanup", OPT_RECOVERY, 0},
    {"preload-binary", OPT_PRELOAD, 0},
    {"s", OPT_PRELOAD, 0},
};

const char lark_options_usage[] =
    "Usage: mpirun [options] program [args] [: [options] program [args] ...]\n"
    "\n"
    "Ranks and hosts:\n"
    "  -n, -np, -c N              number of ranks\n"
    "  -N, --npernode, -ppn N     ranks per node\n"
    "  --host, -H, -hosts LIST    hosts, 'h' or 'h:slots' ('[ipv6]:slots'), comma-separated\n"
    "  --hostfile, -f, --machinefile FILE\n"
    "                             hostfile: 'host slots=N' or 'host:N' lines\n"
    "  --oversubscribe            allow more ranks than slots\n"
    "Mapping and binding:\n"
    "  --map-by core|socket|numa|node|slot|hwthread[:PE=n]\n"
    "  --map-by ppr:N:node|socket|numa|core|hwthread\n"
    "                             N ranks per node, package, NUMA node, core or hwthread\n"
    "  --rank-by slot|node|core|socket|numa|hwthread\n"
    "                             number each node's ranks round-robin over those objects\n"
    "                             (node: over the nodes; slot: mapping order, the default)\n"
    "  --bind-to core|socket|numa|hwthread|none\n"
    "  --report-bindings          print each rank's binding\n"
    "  --display-map              print where each rank goes before starting\n"
    "  --use-hwthread-cpus        one slot per hwthread (same as --map-by hwthread)\n"
    "Environment and files:\n"
    "  -x VAR, -x VAR=val         export VAR to every rank\n"
    "  -genv VAR val              set VAR for every rank\n"
    "  -genvlist A,B              export A and B (like -x A -x B)\n"
    "  -env VAR val               set VAR for this program's ranks (MPMD)\n"
    "  --wdir DIR                 working directory of the ranks\n"
    "  --prefix DIR               add DIR/bin to PATH, DIR/lib to LD_LIBRARY_PATH; the\n"
    "                             daemon of other hosts is DIR/libexec/lark/lark-noded\n"
    "  -launcher-exec CMD, --mca plm_rsh_agent CMD\n"
    "                             start other hosts' daemons with CMD HOST COMMAND\n"
    "                             (default ssh, srun inside a Slurm allocation;\n"
    "                             also LARK_LAUNCHER_EXEC)\n"
    "  --launch-timeout SEC       give up on a host whose daemon has not called back\n"
    "                             after SEC seconds (default 30; LARK_LAUNCH_TIMEOUT)\n"
    "  --tree-radix K             each daemon starts up to K others (default 32)\n"
    "  --flat-launch              mpirun starts every daemon itself\n"
    "  --preload-binary, -s       copy each program to the other hosts before the\n"
    "                             launch (removed after the job)\n"
    "Input and output:\n"
    "  --tag-output, -l           prefix each line with the rank\n"
    "  --output-filename DIR[:nocopy]\n"
    "                             also write DIR/1/rank.N/stdout and stderr\n"
    "  --stdin RANK|all|none      who reads mpirun's stdin (default rank 0)\n"
    "Control:\n"
    "  --session-per-rank         each rank starts a session of its own, so that the\n"
    "                             scheduler shares a busy machine per rank, not per\n"
    "                             job (default when the ranks fit the CPUs and\n"
    "                             mpirun is not niced)\n"
    "  --no-session-per-rank      keep the ranks in mpirun's session (also\n"
    "                             LARK_SESSION_PER_RANK=1, 0 or auto)\n"
    "  --enable-recovery, -disable-auto-cleanup\n"
    "                             a rank's death does not end the job: the others\n"
    "                             get MPI_ERR_PROC_ABORTED from calls that involve it\n"
    "  --timeout SEC              end the job after SEC seconds (or MPIEXEC_TIMEOUT),\n"
    "                             printing where each rank is and what it waits for\n"
    "  --report-state PID         ask the running mpirun PID for that report now\n"
    "  --trace FILE               record every MPI call of every rank into FILE (Trace\n"
    "                             Event JSON: Perfetto, chrome://tracing)\n"
    "  --version, -V              print the version\n"
    "  --help, -h                 this text\n"
    "\n"
    "MPMD: mpirun -n 1 prog_a : -n 3 prog_b\n";

static const struct opt_def *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(opt_table) / sizeof(opt_table[0]); i++) {
        if (strlen(opt_table[i].name) == len && strncmp(opt_table[i].name, name, len) == 0)
            return &opt_table[i];
    }
    return NULL;
}

/* A strictly positive integer, the whole string. */
static int parse_count(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v > 1000000)
        return -1;
    *out = (int)v;
    return 0;
}

static int push_string(char ***arr, int *n, char *s)
{
    char **na = realloc(*arr, (size_t)(*n + 2) * sizeof(char *));
    if (!na) {
        free(s);
        return -1;
    }
    na[*n] = s;
    na[*n + 1] = NULL;
    *arr = na;
    (*n)++;
    return 0;
}

static bool valid_var_name(const char *s, size_t len)
{
    if (len == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
            return false;
    return true;
}

/* Add "VAR=val" to a list, replacing an earlier setting of the same VAR. */
static int set_var(char ***arr, int *n, const char *name, size_t nlen, const char *val)
{
    size_t vlen = strlen(val);
    char *s = malloc(nlen + vlen + 2);
    if (!s)
        return -1;
    memcpy(s, name, nlen);
    s[nlen] = '=';
    memcpy(s + nlen + 1, val, vlen + 1);
    for (int i = 0; i < *n; i++) {
        if (strncmp((*arr)[i], name, nlen) == 0 && (*arr)[i][nlen] == '=') {
            free((*arr)[i]);
            (*arr)[i] = s;
            return 0;
        }
    }
    return push_string(arr, n, s);
}

static int parse_map_by(const char *v, struct lark_options *o, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        enum lark_map_by m;
    } maps[] = {
        {"core", LARK_MAP_CORE},         {"socket", LARK_MAP_SOCKET}, {"package", LARK_MAP_SOCKET},
        {"numa", LARK_MAP_NUMA},         {"node", LARK_MAP_NODE},     {"slot", LARK_MAP_SLOT},
        {"hwthread", LARK_MAP_HWTHREAD},
    };
    size_t len = strcspn(v, ":");
    bool found = false;
    /* Open MPI's ppr:N:OBJ, "N processes per resource". */
    if (len == 3 && strncasecmp(v, "ppr", 3) == 0) {
        const char *n = v + 4;
        char *end;
        long cnt = v[3] == ':' ? strtol(n, &end, 10) : 0;
        if (cnt <= 0 || cnt > 1000000 || *end != ':')
            return lark_launcher_fail(
                err, errlen,
                "mpirun: bad --map-by '%s'; expected ppr:N:node, ppr:N:socket, ppr:N:numa, "
                "ppr:N:core or ppr:N:hwthread with N a positive number",
                v);
        const char *obj = end + 1;
        size_t olen = strcspn(obj, ":");
        if (olen == 4 && strncasecmp(obj, "node", 4) == 0) {
            o->npernode = (int)cnt;
            o->map_by = LARK_MAP_CORE;
        } else if ((olen == 6 && strncasecmp(obj, "socket", 6) == 0) ||
                   (olen == 7 && strncasecmp(obj, "package", 7) == 0)) {
            o->map_by = LARK_MAP_PPR;
            o->ppr_obj = LARK_MAP_SOCKET;
        } else if (olen == 4 && strncasecmp(obj, "numa", 4) == 0) {
            o->map_by = LARK_MAP_PPR;
            o->ppr_obj = LARK_MAP_NUMA;
        } else if (olen == 4 && strncasecmp(obj, "core", 4) == 0) {
            o->map_by = LARK_MAP_PPR;
            o->ppr_obj = LARK_MAP_CORE;
        } else if (olen == 8 && strncasecmp(obj, "hwthread", 8) == 0) {
            o->map_by = LARK_MAP_PPR;
            o->ppr_obj = LARK_MAP_HWTHREAD;
        } else {
            return lark_launcher_fail(
                err, errlen,
                "mpirun: bad resource '%.*s' in --map-by '%s'; use node, socket, numa, core or "
                "hwthread",
                (int)olen, obj, v);
        }
        o->ppr_n = (int)cnt;
        len = (size_t)(obj + olen - v);
        found = true;
    }
    for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]) && !found; i++) {
        if (strlen(maps[i].name) == len && strncasecmp(maps[i].name, v, len) == 0) {
            o->map_by = maps[i].m;
            found = true;
        }
    }
    if (!found)
        return lark_launcher_fail(
            err, errlen,
            "mpirun: bad --map-by value '%.*s' in '%s'; use core, socket, numa, node, "
            "slot or hwthread, optionally followed by :PE=n",
            (int)len, v, v);
    /* Modifiers, comma-separated after the colon: PE=n, oversubscribe. */
    const char *p = v + len;
    while (*p == ':' || *p == ',') {
        p++;
        size_t mlen = strcspn(p, ",:");
        if (mlen > 3 && strncasecmp(p, "PE=", 3) == 0) {
            char num[32];
            size_t nlen = mlen - 3;
            if (nlen >= sizeof(num))
                nlen = sizeof(num) - 1;
            memcpy(num, p + 3, nlen);
            num[nlen] = 0;
            if (parse_count(num, &o->pe) < 0)
                return lark_launcher_fail(
                    err, errlen,
                    "mpirun: bad PE count '%s' in --map-by '%s'; expected PE=n with n "
                    "a positive number of cores per rank",
                    num, v);
        } else if (mlen == 13 && strncasecmp(p, "oversubscribe", 13) == 0) {
            o->oversubscribe = true;
        } else {
            return lark_launcher_fail(
                err, errlen,
                "mpirun: unknown --map-by modifier '%.*s' in '%s'; supported: PE=n, "
                "oversubscribe",
                (int)mlen, p, v);
        }
        p += mlen;
    }
    return 0;
}

static int parse_bind_to(const char *v, struct lark_options *o, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        enum lark_bind_to b;
    } binds[] = {
        {"core", LARK_BIND_CORE},         {"cores", LARK_BIND_CORE},
        {"socket", LARK_BIND_SOCKET},     {"sockets", LARK_BIND_SOCKET},
        {"package", LARK_BIND_SOCKET},    {"numa", LARK_BIND_NUMA},
        {"hwthread", LARK_BIND_HWTHREAD}, {"hwthreads", LARK_BIND_HWTHREAD},
        {"none", LARK_BIND_NONE},
    };
    for (size_t i = 0; i < sizeof(binds) / sizeof(binds[0]); i++) {
        if (strcasecmp(binds[i].name, v) == 0) {
            o->bind_to = binds[i].b;
            return 0;
        }
    }
    return lark_launcher_fail(
        err, errlen, "mpirun: bad --bind-to value '%s'; use core, socket, numa, hwthread or none",
        v);
}

static int parse_x(const char *v, struct lark_options *o, char *err, size_t errlen)
{
    const char *eq = strchr(v, '=');
    size_t nlen = eq ? (size_t)(eq - v) : strlen(v);
    if (!valid_var_name(v, nlen))
        return lark_launcher_fail(
            err, errlen,
            "mpirun: bad -x argument '%s'; expected VAR or VAR=value with VAR a variable "
            "name",
            v);
    if (eq)
        return set_var(&o->env, &o->nenv, v, nlen, eq + 1);
    /* -x VAR exports the current value; an unset VAR is skipped, as Open MPI does. */
    const char *cur = getenv(v);
    if (!cur)
        return 0;
    return set_var(&o->env, &o->nenv, v, nlen, cur);
}

int lark_options_setenv(struct lark_options *o, const char *name, const char *value)
{
    return set_var(&o->env, &o->nenv, name, strlen(name), value);
}

static int parse_timeout(const char *v, double *out)
{
    char *end;
    errno = 0;
    double t = strtod(v, &end);
    if (errno || end == v || *end || !(t > 0) || t > 1e9)
        return -1;
    *out = t;
    return 0;
}

static int new_app(struct lark_options *o)
{
    struct lark_app *na = realloc(o->apps, (size_t)(o->napps + 1) * sizeof(*na));
    if (!na)
        return -1;
    memset(&na[o->napps], 0, sizeof(*na));
    o->apps = na;
    o->napps++;
    return 0;
}

/* Handle one option whose values are vals[0..nargs-1]. */
static int apply_opt(const struct opt_def *d, const char *tok, char **vals, struct lark_options *o,
                     struct lark_app *app, char *err, size_t errlen)
{
    const char *v = vals[0];
    switch (d->id) {
    case OPT_NP:
        if (parse_count(v, &app->np) < 0)
            return lark_launcher_fail(
                err, errlen, "mpirun: bad value '%s' for %s; expected a positive number of ranks",
                v, tok);
        return 0;
    case OPT_NPERNODE:
        if (parse_count(v, &o->npernode) < 0)
            return lark_launcher_fail(
                err, errlen,
                "mpirun: bad value '%s' for %s; expected a positive number of ranks per "
                "node",
                v, tok);
        return 0;
    case OPT_HOST:
        return lark_hostlist_parse(v, &o->hosts, &o->nhosts, err, errlen);
    case OPT_HOSTFILE:
        o->hostfile = vals[0];
        return 0;
    case OPT_MAPBY:
        return parse_map_by(v, o, err, errlen);
    case OPT_RANKBY: {
        /* Open MPI's values; modifiers after ':' (span, fill) change
         * nothing here: ranks are numbered node by node.  Caches are not
         * in the topology Lark loads: they keep the mapping order. */
        size_t len = strcspn(v, ":");
        static const struct {
            const char *name;
            enum lark_map_by by;
        } vals[] = {
            {"slot", LARK_MAP_DEFAULT},      {"fill", LARK_MAP_DEFAULT},
            {"span", LARK_MAP_DEFAULT},      {"l1cache", LARK_MAP_DEFAULT},
            {"l2cache", LARK_MAP_DEFAULT},   {"l3cache", LARK_MAP_DEFAULT},
            {"node", LARK_MAP_NODE},         {"core", LARK_MAP_CORE},
            {"hwthread", LARK_MAP_HWTHREAD}, {"socket", LARK_MAP_SOCKET},
            {"package", LARK_MAP_SOCKET},    {"numa", LARK_MAP_NUMA},
        };
        for (size_t k = 0; k < sizeof(vals) / sizeof(vals[0]); k++)
            if (strlen(vals[k].name) == len && strncasecmp(v, vals[k].name, len) == 0) {
                o->rank_by = vals[k].by;
                return 0;
            }
        return lark_launcher_fail(err, errlen,
                                  "mpirun: bad --rank-by value '%s'; use slot, core, socket, "
                                  "numa, hwthread or node",
                                  v);
    }
    case OPT_BINDTO:
        return parse_bind_to(v, o, err, errlen);
    case OPT_REPORT:
        o->report_bindings = true;
        return 0;
    case OPT_DISPLAY_MAP:
        o->display_map = true;
        return 0;
    case OPT_HWTHREADS:
        o->map_by = LARK_MAP_HWTHREAD;
        return 0;
    case OPT_OVERSUB:
        o->oversubscribe = true;
        return 0;
    case OPT_X:
        return parse_x(v, o, err, errlen);
    case OPT_GENVLIST: {
        /* Hydra's -genvlist A,B: export each like -x A -x B. */
        char *list = strdup(v);
        if (!list)
            return -1;
        int rc = 0;
        for (char *save = NULL, *it = strtok_r(list, ",", &save); it && rc == 0;
             it = strtok_r(NULL, ",", &save))
            rc = parse_x(it, o, err, errlen);
        free(list);
        return rc;
    }
    case OPT_GENV:
    case OPT_ENV:
        if (!valid_var_name(v, strlen(v)))
            return lark_launcher_fail(err, errlen,
                                      "mpirun: bad variable name '%s' for %s; usage: %s VAR value",
                                      v, tok, tok);
        if (d->id == OPT_GENV)
            return set_var(&o->env, &o->nenv, v, strlen(v), vals[1]);
        return set_var(&app->env, &app->nenv, v, strlen(v), vals[1]);
    case OPT_TAG:
        o->tag_output = true;
        return 0;
    case OPT_OUTFILE: {
        const char *colon = strrchr(v, ':');
        size_t len = strlen(v);
        if (colon && strcasecmp(colon + 1, "nocopy") == 0) {
            o->output_nocopy = true;
            len = (size_t)(colon - v);
        }
        if (len == 0)
            return lark_launcher_fail(err, errlen, "mpirun: empty directory name in %s '%s'", tok,
                                      v);
        free(o->output_dir);
        o->output_dir = strndup(v, len);
        return o->output_dir ? 0 : -1;
    }
    case OPT_TRACE:
        if (*v == '\0')
            return lark_launcher_fail(err, errlen, "mpirun: %s needs a file name", tok);
        free(o->trace);
        o->trace = strdup(v);
        return o->trace ? 0 : -1;
    case OPT_TIMEOUT:
        if (parse_timeout(v, &o->timeout) < 0)
            return lark_launcher_fail(
                err, errlen, "mpirun: bad value '%s' for %s; expected a positive number of seconds",
                v, tok);
        return 0;
    case OPT_STDIN: {
        int r;
        if (strcasecmp(v, "all") == 0)
            o->stdin_target = LARK_STDIN_ALL;
        else if (strcasecmp(v, "none") == 0)
            o->stdin_target = LARK_STDIN_NONE;
        else if (strcmp(v, "0") == 0)
            o->stdin_target = 0;
        else if (parse_count(v, &r) == 0)
            o->stdin_target = r;
        else
            return lark_launcher_fail(
                err, errlen, "mpirun: bad value '%s' for %s; use a rank number, all or none", v,
                tok);
        return 0;
    }
    case OPT_WDIR:
        /* Before the first program: every app's (Open MPI); in a later
         * MPMD context: that app's (Hydra's local -wdir). */
        if (o->napps == 1)
            o->wdir = vals[0];
        else
            app->wdir = vals[0];
        return 0;
    case OPT_PREFIX:
        o->prefix = vals[0];
        return 0;
    case OPT_VERSION:
        o->version = true;
        return 0;
    case OPT_HELP:
        o->help = true;
        return 0;
    case OPT_VERBOSE:
        o->verbose = true;
        return 0;
    case OPT_IGNORE:
        return 0;
    case OPT_AGENT:
        o->agent = vals[0];
        return 0;
    case OPT_LAUNCH_TIMEOUT:
        if (parse_timeout(v, &o->launch_timeout) < 0)
            return lark_launcher_fail(
                err, errlen, "mpirun: bad value '%s' for %s; expected a positive number of seconds",
                v, tok);
        return 0;
    case OPT_RADIX:
        if (parse_count(v, &o->radix) < 0 || o->radix < 1)
            return lark_launcher_fail(
                err, errlen, "mpirun: bad value '%s' for %s; expected a positive number", v, tok);
        return 0;
    case OPT_PRELOAD:
        o->preload = true;
        return 0;
    case OPT_RECOVERY:
        o->recovery = true;
        return 0;
    case OPT_FLAT:
        o->radix = 0;
        o->flat = true;
        return 0;
    case OPT_SESSION:
    case OPT_NO_SESSION:
        o->session = d->id == OPT_NO_SESSION ? LARK_SESSION_JOB : LARK_SESSION_RANK;
        return 0;
    case OPT_MCA:
        if (strcmp(vals[0], "plm_rsh_agent") == 0 || strcmp(vals[0], "orte_rsh_agent") == 0) {
            o->agent = vals[1];
            return 0;
        }
        fprintf(stderr,
                "mpirun: ignoring %s %s %s: Open MPI's MCA parameters have no meaning for Lark\n",
                tok, vals[0], vals[1]);
        return 0;
    }
    return 0;
}

int lark_options_parse(int argc, char **argv, struct lark_options *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    o->pe = 1;
    o->stdin_target = 0;
    err[0] = 0;
    bool timeout_set = false, session_set = false;
    if (new_app(o) < 0)
        return lark_launcher_fail(err, errlen, "mpirun: out of memory");

    int i = 1;
    while (i < argc) {
        char *a = argv[i];
        struct lark_app *app = &o->apps[o->napps - 1];
        if (strcmp(a, ":") == 0) {
            if (!app->argv)
                return lark_launcher_fail(
                    err, errlen,
                    "mpirun: ':' at argument %d has no program before it; MPMD is "
                    "'mpirun -n 1 a : -n 3 b'",
                    i);
            if (new_app(o) < 0)
                return lark_launcher_fail(err, errlen, "mpirun: out of memory");
            i++;
            continue;
        }
        bool forced_prog = false;
        if (strcmp(a, "--") == 0) {
            forced_prog = true;
            if (++i >= argc)
                return lark_launcher_fail(err, errlen, "mpirun: no program after '--'");
            a = argv[i];
        }
        if (!forced_prog && a[0] == '-' && a[1] != 0) {
            const char *name = a + 1;
            if (*name == '-')
                name++;
            size_t len = strcspn(name, "=");
            const char *inline_val = name[len] == '=' ? name + len + 1 : NULL;
            const struct opt_def *d = find_opt(name, len);
            if (!d)
                return lark_launcher_fail(err, errlen,
                                          "mpirun: unknown option '%s'; see 'mpirun --help'", a);
            char *vals[2] = {NULL, NULL};
            int have = 0;
            if (inline_val) {
                if (d->nargs != 1)
                    return lark_launcher_fail(
                        err, errlen, "mpirun: option '%.*s' does not take '=value' (in '%s')",
                        (int)(name - a + len), a, a);
                vals[have++] = (char *)inline_val;
            }
            int next = i + 1;
            while (have < d->nargs) {
                if (next >= argc)
                    return lark_launcher_fail(
                        err, errlen, "mpirun: option '%s' needs %s; see 'mpirun --help'", a,
                        d->nargs == 2 ? "two values (VAR value)" : "a value");
                vals[have++] = argv[next++];
            }
            if (d->id == OPT_TIMEOUT)
                timeout_set = true;
            if (d->id == OPT_SESSION || d->id == OPT_NO_SESSION)
                session_set = true;
            if (apply_opt(d, a, vals, o, app, err, errlen) < 0) {
                if (!err[0])
                    lark_launcher_fail(err, errlen, "mpirun: out of memory");
                return -1;
            }
            i = next;
            continue;
        }
        /* The program: it and everything up to the next ":" are its argv. */
        int start = i;
        while (i < argc && strcmp(argv[i], ":") != 0)
            i++;
        app->argc = i - start;
        app->argv = calloc((size_t)app->argc + 1, sizeof(char *));
        if (!app->argv)
            return lark_launcher_fail(err, errlen, "mpirun: out of memory");
        memcpy(app->argv, &argv[start], (size_t)app->argc * sizeof(char *));
    }

    if (o->help || o->version)
        return 0;
    if (!o->apps[o->napps - 1].argv) {
        if (o->napps > 1)
            return lark_launcher_fail(
                err, errlen,
                "mpirun: the last ':' has no program after it; MPMD is 'mpirun -n 1 a : "
                "-n 3 b'");
        return lark_launcher_fail(
            err, errlen,
            "mpirun: no program to run; usage: mpirun [options] program [args] (see "
            "'mpirun --help')");
    }
    if (o->napps > 1) {
        for (int k = 0; k < o->napps; k++)
            if (o->apps[k].np == 0)
                return lark_launcher_fail(
                    err, errlen,
                    "mpirun: with several programs (MPMD) each needs -n; missing for "
                    "'%s'",
                    o->apps[k].argv[0]);
    }
    if (!session_set) {
        const char *v = getenv("LARK_SESSION_PER_RANK");
        if (v && *v) {
            if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "off") || !strcmp(v, "false"))
                o->session = LARK_SESSION_JOB;
            else if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "on") || !strcmp(v, "true"))
                o->session = LARK_SESSION_RANK;
            else if (strcmp(v, "auto"))
                return lark_launcher_fail(err, errlen,
                                          "mpirun: bad LARK_SESSION_PER_RANK value '%s'; "
                                          "expected 1, 0 or auto (the default)",
                                          v);
        }
    }
    if (!timeout_set) {
        const char *t = getenv("MPIEXEC_TIMEOUT");
        if (t && *t && parse_timeout(t, &o->timeout) < 0)
            return lark_launcher_fail(
                err, errlen,
                "mpirun: bad MPIEXEC_TIMEOUT value '%s'; expected a positive number of "
                "seconds",
                t);
    }
    return 0;
}

void lark_options_free(struct lark_options *o)
{
    for (int k = 0; k < o->napps; k++) {
        free(o->apps[k].argv);
        for (int j = 0; j < o->apps[k].nenv; j++)
            free(o->apps[k].env[j]);
        free(o->apps[k].env);
    }
    free(o->apps);
    for (int j = 0; j < o->nenv; j++)
        free(o->env[j]);
    free(o->env);
    free(o->output_dir);
    free(o->trace);
    lark_hosts_free(o->hosts, o->nhosts);
    lark_topo_free(o->topos, o->ntopos);
    memset(o, 0, sizeof(*o));
}
