/* Stands for another local user who tries to join a job as one of its ranks:
 * started with a rank's PMIx variables (the namespace, the rank, the server's
 * address: all of which a stranger can learn or guess), it claims to be
 * uid/gid 0 (or LARK_INTRUDER_UID) -- PMIx's "native" security over TCP
 * believes what the client says -- and calls PMIx_Abort.  Prints "joined"
 * and exits 1 when the server let it in; prints "refused" and exits 0 when it
 * could not join. */
#include <pmix.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static unsigned claimed(void)
{
    const char *u = getenv("LARK_INTRUDER_UID");
    return u ? (unsigned)atoi(u) : 0;
}

/* The lie: the PMIx client library asks these for its credential. */
uid_t getuid(void)
{
    return (uid_t)claimed();
}
uid_t geteuid(void)
{
    return (uid_t)claimed();
}
gid_t getgid(void)
{
    return (gid_t)claimed();
}
gid_t getegid(void)
{
    return (gid_t)claimed();
}

int main(void)
{
    pmix_proc_t me;
    pmix_status_t rc = PMIx_Init(&me, NULL, 0);
    if (rc != PMIX_SUCCESS) {
        printf("refused: PMIx_Init: %s\n", PMIx_Error_string(rc));
        return 0;
    }
    printf("joined as %s rank %u\n", me.nspace, me.rank);
    fflush(stdout);
    rc = PMIx_Abort(99, "an intruder aborts the job", NULL, 0);
    printf("PMIx_Abort: %s\n", PMIx_Error_string(rc));
    return 1;
}
