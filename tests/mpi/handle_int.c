/*
 * handle_int.c -- MPI 5.0's MPI_<Kind>_toint / MPI_<Kind>_fromint: every
 * predefined handle converts to its standard ABI value and back; handles
 * the program made convert to distinct ints that convert back to the same,
 * working handle; ints that name nothing give the null handle.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdlib.h>

#define TEST_NAME "handle_int"
static int wrank;
#include "check.h"

static void errh(MPI_Comm *c, int *e, ...)
{
    (void)c;
    (void)e;
}

#define ROUND(kind, h, value)                                                                      \
    do {                                                                                           \
        CHECK(MPI_##kind##_toint(h) == (value), #kind "_toint(" #h ") = %#x, expected %#x",        \
              MPI_##kind##_toint(h), (value));                                                     \
        CHECK(MPI_##kind##_fromint(value) == (h), #kind "_fromint(%#x) is not " #h, (value));      \
    } while (0)

static void test_predefined(void)
{
    /* The standard ABI's values (tests/abi/constants.tsv). */
    ROUND(Comm, MPI_COMM_NULL, 0x100);
    ROUND(Comm, MPI_COMM_WORLD, 0x101);
    ROUND(Comm, MPI_COMM_SELF, 0x102);
    ROUND(Group, MPI_GROUP_NULL, 0x108);
    ROUND(Group, MPI_GROUP_EMPTY, 0x109);
    ROUND(Win, MPI_WIN_NULL, 0x110);
    ROUND(File, MPI_FILE_NULL, 0x118);
    ROUND(Session, MPI_SESSION_NULL, 0x120);
    ROUND(Message, MPI_MESSAGE_NULL, 0x128);
    ROUND(Message, MPI_MESSAGE_NO_PROC, 0x129);
    ROUND(Info, MPI_INFO_NULL, 0x130);
    ROUND(Info, MPI_INFO_ENV, 0x131);
    ROUND(Errhandler, MPI_ERRHANDLER_NULL, 0x140);
    ROUND(Errhandler, MPI_ERRORS_ARE_FATAL, 0x141);
    ROUND(Errhandler, MPI_ERRORS_ABORT, 0x142);
    ROUND(Errhandler, MPI_ERRORS_RETURN, 0x143);
    ROUND(Request, MPI_REQUEST_NULL, 0x180);
    ROUND(Op, MPI_OP_NULL, 0x20);
    ROUND(Op, MPI_SUM, 0x21);
    ROUND(Op, MPI_MAXLOC, 0x39);
    ROUND(Op, MPI_NO_OP, 0x3d);
    ROUND(Type, MPI_DATATYPE_NULL, 0x200);
    ROUND(Type, MPI_INT, 0x209);
    ROUND(Type, MPI_DOUBLE, 0x214);
    ROUND(Type, MPI_BYTE, 0x247);
    ROUND(Type, MPI_COMPLEX32, 0x2eb);
}

static void test_user_handles(void)
{
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* communicators: distinct ints, each converting back to a working comm */
    MPI_Comm d1, d2;
    MPI_Comm_dup(MPI_COMM_WORLD, &d1);
    MPI_Comm_dup(MPI_COMM_WORLD, &d2);
    int i1 = MPI_Comm_toint(d1), i2 = MPI_Comm_toint(d2);
    CHECK(i1 >= 1024 && i2 >= 1024 && i1 != i2, "comm ints %d %d", i1, i2);
    MPI_Comm back = MPI_Comm_fromint(i1);
    CHECK(back == d1, "MPI_Comm_fromint(toint(dup)) is not the dup");
    int s = 0;
    MPI_Comm_size(back, &s);
    CHECK(s == size, "the converted communicator has size %d", s);
    int sum = 0, one = 1;
    MPI_Allreduce(&one, &sum, 1, MPI_Type_fromint(MPI_Type_toint(MPI_INT)),
                  MPI_Op_fromint(MPI_Op_toint(MPI_SUM)), MPI_Comm_fromint(i2));
    CHECK(sum == size, "allreduce over converted handles: %d", sum);
    /* datatypes, ops, groups, infos, error handlers, windows */
    MPI_Datatype t;
    MPI_Type_contiguous(3, MPI_INT, &t);
    MPI_Type_commit(&t);
    CHECK(MPI_Type_fromint(MPI_Type_toint(t)) == t && MPI_Type_toint(t) >= 1024, "type");
    MPI_Op op;
    MPI_Op_create((MPI_User_function *)errh, 1, &op);
    CHECK(MPI_Op_fromint(MPI_Op_toint(op)) == op, "op");
    MPI_Group g;
    MPI_Comm_group(d1, &g);
    CHECK(MPI_Group_fromint(MPI_Group_toint(g)) == g, "group");
    MPI_Info info;
    MPI_Info_create(&info);
    CHECK(MPI_Info_fromint(MPI_Info_toint(info)) == info, "info");
    MPI_Errhandler eh;
    MPI_Comm_create_errhandler(errh, &eh);
    CHECK(MPI_Errhandler_fromint(MPI_Errhandler_toint(eh)) == eh, "errhandler");
    MPI_Win w;
    int wbuf[4];
    MPI_Win_create(wbuf, sizeof wbuf, sizeof(int), MPI_INFO_NULL, d1, &w);
    CHECK(MPI_Win_fromint(MPI_Win_toint(w)) == w && MPI_Win_toint(w) >= 1024, "win");
    MPI_Win_free(&w);
    /* requests and messages */
    int x = wrank, y = -1;
    MPI_Request r;
    MPI_Irecv(&y, 1, MPI_INT, MPI_ANY_SOURCE, 3, d1, &r);
    int ri = MPI_Request_toint(r);
    CHECK(ri >= 1024 && MPI_Request_fromint(ri) == r, "request");
    MPI_Send(&x, 1, MPI_INT, wrank, 3, d1);
    MPI_Request r2 = MPI_Request_fromint(ri);
    MPI_Wait(&r2, MPI_STATUS_IGNORE);
    CHECK(y == wrank, "wait on a converted request");
    MPI_Message m;
    MPI_Send(&x, 1, MPI_INT, wrank, 4, d1);
    MPI_Mprobe(wrank, 4, d1, &m, MPI_STATUS_IGNORE);
    MPI_Message m2 = MPI_Message_fromint(MPI_Message_toint(m));
    CHECK(m2 == m, "message");
    MPI_Mrecv(&y, 1, MPI_INT, &m2, MPI_STATUS_IGNORE);
    /* ints that name nothing: the null handle */
    CHECK(MPI_Comm_fromint(-7) == MPI_COMM_NULL, "fromint(-7)");
    CHECK(MPI_Comm_fromint(1024 + 60000000) == MPI_COMM_NULL, "fromint(far)");
    CHECK(MPI_Request_fromint(2000000000) == MPI_REQUEST_NULL, "request fromint(far)");
    CHECK(MPI_Session_fromint(5000) == MPI_SESSION_NULL, "session fromint(5000)");
    CHECK(MPI_File_fromint(1234) == MPI_FILE_NULL, "file fromint(1234)");
    CHECK(MPI_Comm_toint((MPI_Comm)(intptr_t)0x7fff1234) == 0x100, "garbage comm toint");
    /* a freed communicator's int no longer converts to a live one */
    MPI_Comm_free(&d2);
    MPI_Comm stale = MPI_Comm_fromint(i2);
    int rc, cls;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    rc = MPI_Comm_size(stale, &s);
    MPI_Error_class(rc, &cls);
    CHECK(stale == MPI_COMM_NULL || cls == MPI_ERR_COMM, "a freed comm's int: class %d", cls);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Errhandler_free(&eh);
    MPI_Info_free(&info);
    MPI_Group_free(&g);
    MPI_Op_free(&op);
    MPI_Type_free(&t);
    MPI_Comm_free(&d1);
}

int main(int argc, char **argv)
{
    /* Predefined handles convert before MPI_Init too. */
    CHECK(MPI_Comm_toint(MPI_COMM_WORLD) == 0x101, "before MPI_Init");
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    test_predefined();
    test_user_handles();
    MPI_Barrier(MPI_COMM_WORLD);
    if (wrank == 0)
        printf("handle_int: OK\n");
    MPI_Finalize();
    return 0;
}
