/*
 * abi_types.h -- the types of the MPI 5.0 standard ABI, written from the
 * standard (chapter 21), for tests/scripts/abi_binary.sh: it prepends this
 * to the constants of constants.tsv and appends abi_functions.h to make the
 * mpi.h a program built "elsewhere" against the standard ABI would see.  It
 * deliberately shares nothing with Lark's include/mpi.h.
 */
#include <stdint.h>

typedef intptr_t MPI_Aint;
typedef int64_t MPI_Offset;
typedef MPI_Offset MPI_Count;

typedef struct {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    int MPI_internal[5];
} MPI_Status;

typedef struct MPI_ABI_Op *MPI_Op;
typedef struct MPI_ABI_Comm *MPI_Comm;
typedef struct MPI_ABI_Group *MPI_Group;
typedef struct MPI_ABI_Win *MPI_Win;
typedef struct MPI_ABI_File *MPI_File;
typedef struct MPI_ABI_Session *MPI_Session;
typedef struct MPI_ABI_Message *MPI_Message;
typedef struct MPI_ABI_Info *MPI_Info;
typedef struct MPI_ABI_Errhandler *MPI_Errhandler;
typedef struct MPI_ABI_Request *MPI_Request;
typedef struct MPI_ABI_Datatype *MPI_Datatype;

/* The one constant the table leaves out that this program needs: zero in
 * every MPI standard and in the ABI's reference header. */
#define MPI_SUCCESS 0
