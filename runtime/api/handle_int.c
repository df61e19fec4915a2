/*
 * handle_int.c -- the MPI 5.0 ABI's handle conversions, MPI_<Kind>_toint
 * and MPI_<Kind>_fromint, for every handle kind: an int that stands for a
 * handle (what a Fortran layer stores), and back.
 *
 * A predefined handle is the ABI's small integer, below 1024, and stays
 * that integer (MPI_COMM_WORLD <-> 0x101, MPI_INT <-> 0x209, every _NULL
 * handle <-> its constant).  Any other handle is an object in its kind's
 * arena (handle.h), at a multiple of 64 bytes from the arena's base: its
 * int is 1024 + that offset / 64 (at most 1024 + 2^26 for the 4 GiB
 * arena), unique per live object and valid as long as the object lives.
 * Nothing is allocated, no table is kept: both ways are arithmetic.  A
 * value that names no slot of the arena (garbage, or an int this process
 * never made) converts to the kind's null handle, as does a garbage handle
 * to the null handle's int; the calls have no error return.  They may be
 * called at any time, from any thread.
 */
#include "lark.h"
#include "handle.h"

#pragma weak MPI_Comm_toint = PMPI_Comm_toint
#pragma weak MPI_Comm_fromint = PMPI_Comm_fromint
#pragma weak MPI_Errhandler_toint = PMPI_Errhandler_toint
#pragma weak MPI_Errhandler_fromint = PMPI_Errhandler_fromint
#pragma weak MPI_File_toint = PMPI_File_toint
#pragma weak MPI_File_fromint = PMPI_File_fromint
#pragma weak MPI_Group_toint = PMPI_Group_toint
#pragma weak MPI_Group_fromint = PMPI_Group_fromint
#pragma weak MPI_Info_toint = PMPI_Info_toint
#pragma weak MPI_Info_fromint = PMPI_Info_fromint
#pragma weak MPI_Message_toint = PMPI_Message_toint
#pragma weak MPI_Message_fromint = PMPI_Message_fromint
#pragma weak MPI_Op_toint = PMPI_Op_toint
#pragma weak MPI_Op_fromint = PMPI_Op_fromint
#pragma weak MPI_Request_toint = PMPI_Request_toint
#pragma weak MPI_Request_fromint = PMPI_Request_fromint
#pragma weak MPI_Session_toint = PMPI_Session_toint
#pragma weak MPI_Session_fromint = PMPI_Session_fromint
#pragma weak MPI_Type_toint = PMPI_Type_toint
#pragma weak MPI_Type_fromint = PMPI_Type_fromint
#pragma weak MPI_Win_toint = PMPI_Win_toint
#pragma weak MPI_Win_fromint = PMPI_Win_fromint

#define PREDEFINED_MAX 1024 /* every predefined handle of the ABI is below this */

static int to_int(enum lark_handle_kind kind, const void *h, const void *null)
{
    uintptr_t v = (uintptr_t)h;
    if (v < PREDEFINED_MAX)
        return (int)v;
    if (!lark_handle_valid(kind, h))
        return (int)(uintptr_t)null;
    uintptr_t base = atomic_load_explicit(&lark_arenas[kind].base, memory_order_acquire);
    return PREDEFINED_MAX + (int)((v - base) / LARK_HANDLE_ALIGN);
}

static void *from_int(enum lark_handle_kind kind, int i, const void *null)
{
    if (i >= 0 && i < PREDEFINED_MAX)
        return (void *)(uintptr_t)i;
    if (i < 0)
        return (void *)null;
    uintptr_t base = atomic_load_explicit(&lark_arenas[kind].base, memory_order_acquire);
    void *h = (void *)(base + (uintptr_t)(i - PREDEFINED_MAX) * LARK_HANDLE_ALIGN);
    return base != 0 && lark_handle_valid(kind, h) ? h : (void *)null;
}

int PMPI_Comm_toint(MPI_Comm comm)
{
    return to_int(LARK_HANDLE_COMM, comm, MPI_COMM_NULL);
}

MPI_Comm PMPI_Comm_fromint(int comm)
{
    return (MPI_Comm)from_int(LARK_HANDLE_COMM, comm, MPI_COMM_NULL);
}

int PMPI_Errhandler_toint(MPI_Errhandler errhandler)
{
    return to_int(LARK_HANDLE_ERRHANDLER, errhandler, MPI_ERRHANDLER_NULL);
}

MPI_Errhandler PMPI_Errhandler_fromint(int errhandler)
{
    return (MPI_Errhandler)from_int(LARK_HANDLE_ERRHANDLER, errhandler, MPI_ERRHANDLER_NULL);
}

int PMPI_File_toint(MPI_File file)
{
    return to_int(LARK_HANDLE_FILE, file, MPI_FILE_NULL);
}

MPI_File PMPI_File_fromint(int file)
{
    return (MPI_File)from_int(LARK_HANDLE_FILE, file, MPI_FILE_NULL);
}

int PMPI_Group_toint(MPI_Group group)
{
    return to_int(LARK_HANDLE_GROUP, group, MPI_GROUP_NULL);
}

MPI_Group PMPI_Group_fromint(int group)
{
    return (MPI_Group)from_int(LARK_HANDLE_GROUP, group, MPI_GROUP_NULL);
}

int PMPI_Info_toint(MPI_Info info)
{
    return to_int(LARK_HANDLE_INFO, info, MPI_INFO_NULL);
}

MPI_Info PMPI_Info_fromint(int info)
{
    return (MPI_Info)from_int(LARK_HANDLE_INFO, info, MPI_INFO_NULL);
}

int PMPI_Message_toint(MPI_Message message)
{
    return to_int(LARK_HANDLE_MESSAGE, message, MPI_MESSAGE_NULL);
}

MPI_Message PMPI_Message_fromint(int message)
{
    return (MPI_Message)from_int(LARK_HANDLE_MESSAGE, message, MPI_MESSAGE_NULL);
}

int PMPI_Op_toint(MPI_Op op)
{
    return to_int(LARK_HANDLE_OP, op, MPI_OP_NULL);
}

MPI_Op PMPI_Op_fromint(int op)
{
    return (MPI_Op)from_int(LARK_HANDLE_OP, op, MPI_OP_NULL);
}

int PMPI_Request_toint(MPI_Request request)
{
    return to_int(LARK_HANDLE_REQUEST, request, MPI_REQUEST_NULL);
}

MPI_Request PMPI_Request_fromint(int request)
{
    return (MPI_Request)from_int(LARK_HANDLE_REQUEST, request, MPI_REQUEST_NULL);
}

int PMPI_Session_toint(MPI_Session session)
{
    return to_int(LARK_HANDLE_SESSION, session, MPI_SESSION_NULL);
}

MPI_Session PMPI_Session_fromint(int session)
{
    return (MPI_Session)from_int(LARK_HANDLE_SESSION, session, MPI_SESSION_NULL);
}

int PMPI_Type_toint(MPI_Datatype type)
{
    return to_int(LARK_HANDLE_DATATYPE, type, MPI_DATATYPE_NULL);
}

MPI_Datatype PMPI_Type_fromint(int type)
{
    return (MPI_Datatype)from_int(LARK_HANDLE_DATATYPE, type, MPI_DATATYPE_NULL);
}

int PMPI_Win_toint(MPI_Win win)
{
    return to_int(LARK_HANDLE_WIN, win, MPI_WIN_NULL);
}

MPI_Win PMPI_Win_fromint(int win)
{
    return (MPI_Win)from_int(LARK_HANDLE_WIN, win, MPI_WIN_NULL);
}
