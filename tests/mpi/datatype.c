/*
 * datatype.c -- derived datatypes through point-to-point, with 2 ranks.
 *
 * For a type made by every constructor, at packed sizes from one element
 * through eager, streamed rendezvous and single-copy sizes: the type sent
 * and received as contiguous MPI_PACKED bytes (MPI_ANY_SOURCE), bytes received into
 * the type, and the type into itself (a duplicate freed while its Isend is
 * pending).  Both ranks fill identical memory images, so each checks what
 * it received against MPI_Pack/MPI_Unpack of its own image, gaps included.
 * Then: MPI_Get_elements on partial receives, external32 round trips,
 * envelopes and contents, and the error classes of bad arguments under
 * MPI_ERRORS_RETURN.  Options (before MPI_Init): --eager N, --cma-min N,
 * --iov-min N, --no-cma, --put-refused, --cma-refused (the kernel
 * "refuses" process_vm_writev / both: the fallbacks), --no-errors (skip
 * the bad-argument checks, which crash some other MPIs).  Run by
 * datatype*.mpi.
 */
#include <limits.h>
#include <mpi.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "datatype"
static int wrank;
#include "check.h"

#define OK(call) CHECK((call) == MPI_SUCCESS, "%s failed", #call)

/* Memory for count elements of t, filled with a position-dependent
 * pattern (the same on every rank) or zeroed. */
struct image {
    unsigned char *mem, *base;
    size_t bytes;
};

static struct image image_of(MPI_Datatype t, int count, int zero)
{
    MPI_Aint tlb, text, lb, ext;
    OK(MPI_Type_get_true_extent(t, &tlb, &text));
    OK(MPI_Type_get_extent(t, &lb, &ext));
    struct image im;
    im.bytes = (size_t)(count > 0 ? (count - 1) * ext + text : 0) + 64;
    im.mem = malloc(im.bytes);
    CHECK(im.mem != NULL, "out of memory");
    im.base = im.mem + 32 - tlb;
    for (size_t i = 0; i < im.bytes; i++)
        im.mem[i] = zero ? 0 : (unsigned char)(i * 131 + (i >> 8) * 7 + 1);
    return im;
}

static void send_recv_all(MPI_Datatype t, int count, const char *what)
{
    int psize;
    OK(MPI_Pack_size(count, t, MPI_COMM_WORLD, &psize));
    int esize;
    OK(MPI_Type_size(t, &esize));
    CHECK(psize == esize * count, "%s: pack size %d != %d x %d", what, psize, count, esize);
    struct image src = image_of(t, count, 0);
    unsigned char *packed = malloc((size_t)psize + 1), *got = malloc((size_t)psize + 1);
    CHECK(packed && got, "out of memory");
    int pos = 0;
    OK(MPI_Pack(src.base, count, t, packed, psize, &pos, MPI_COMM_WORLD));
    CHECK(pos == psize, "%s: packed %d of %d bytes", what, pos, psize);
    /* The expected image after receiving into zeroed memory. */
    struct image want = image_of(t, count, 1);
    pos = 0;
    OK(MPI_Unpack(packed, psize, &pos, want.base, count, t, MPI_COMM_WORLD));
    MPI_Status st;
    if (wrank == 0) {
        /* 1: the type out, bytes in at rank 1. */
        OK(MPI_Send(src.base, count, t, 1, 1, MPI_COMM_WORLD));
        /* 2: bytes in, the type out at rank 0. */
        struct image dst = image_of(t, count, 1);
        OK(MPI_Recv(dst.base, count, t, MPI_ANY_SOURCE, 2, MPI_COMM_WORLD, &st));
        CHECK(memcmp(dst.mem, want.mem, want.bytes) == 0, "%s x%d: bytes -> type differs", what,
              count);
        int n;
        OK(MPI_Get_count(&st, t, &n));
        CHECK(n == count, "%s: Get_count %d != %d", what, n, count);
        free(dst.mem);
        /* 3: a duplicate type, freed while its send is pending. */
        MPI_Datatype d;
        MPI_Request rq;
        OK(MPI_Type_dup(t, &d));
        OK(MPI_Isend(src.base, count, d, 1, 3, MPI_COMM_WORLD, &rq));
        OK(MPI_Type_free(&d));
        CHECK(d == MPI_DATATYPE_NULL, "Type_free did not reset the handle");
        OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
    } else {
        OK(MPI_Recv(got, psize, MPI_PACKED, MPI_ANY_SOURCE, 1, MPI_COMM_WORLD, &st));
        CHECK(memcmp(got, packed, (size_t)psize) == 0, "%s x%d: type -> bytes differs", what,
              count);
        int n;
        OK(MPI_Get_count(&st, MPI_PACKED, &n));
        CHECK(n == psize, "%s: received %d bytes, not %d", what, n, psize);
        OK(MPI_Send(packed, psize, MPI_PACKED, 0, 2, MPI_COMM_WORLD));
        struct image dst = image_of(t, count, 1);
        OK(MPI_Recv(dst.base, count, t, 0, 3, MPI_COMM_WORLD, &st));
        CHECK(memcmp(dst.mem, want.mem, want.bytes) == 0, "%s x%d: type -> type differs", what,
              count);
        free(dst.mem);
    }
    free(src.mem);
    free(want.mem);
    free(packed);
    free(got);
}

/* Every size class: one element, eager, streamed rendezvous, big. */
static void exchange(MPI_Datatype t, const char *what)
{
    OK(MPI_Type_commit(&t));
    int size;
    OK(MPI_Type_size(t, &size));
    static const int targets[] = {0, 12, 10000, 200000, (2 << 20) + 65536};
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        int count = targets[i] / size;
        if (i == 0 || count < 1)
            count = 1;
        send_recv_all(t, count, what);
    }
    OK(MPI_Type_free(&t));
}

static void all_constructors(void)
{
    MPI_Datatype t, inner;
    OK(MPI_Type_contiguous(5, MPI_INT, &t));
    exchange(t, "contiguous");
    OK(MPI_Type_vector(64, 1, 3, MPI_DOUBLE, &t));
    exchange(t, "vector block 1");
    OK(MPI_Type_vector(16, 8, 20, MPI_DOUBLE, &t));
    exchange(t, "vector block 8");
    OK(MPI_Type_create_hvector(7, 2, 28, MPI_INT, &t));
    exchange(t, "hvector");
    int bl[3] = {3, 1, 2}, di[3] = {4, 0, 9};
    OK(MPI_Type_indexed(3, bl, di, MPI_INT, &t));
    exchange(t, "indexed");
    MPI_Aint ad[3] = {16, 0, 40};
    OK(MPI_Type_create_hindexed(3, bl, ad, MPI_SHORT, &t));
    exchange(t, "hindexed");
    OK(MPI_Type_create_indexed_block(3, 2, di, MPI_FLOAT, &t));
    exchange(t, "indexed_block");
    OK(MPI_Type_create_hindexed_block(3, 2, ad, MPI_INT, &t));
    exchange(t, "hindexed_block");
    struct rec {
        int a;
        double b[2];
        char c;
    };
    int sbl[3] = {1, 2, 1};
    MPI_Aint sd[3] = {offsetof(struct rec, a), offsetof(struct rec, b), offsetof(struct rec, c)};
    MPI_Datatype st[3] = {MPI_INT, MPI_DOUBLE, MPI_CHAR};
    OK(MPI_Type_create_struct(3, sbl, sd, st, &t));
    MPI_Aint lb, ext;
    OK(MPI_Type_get_extent(t, &lb, &ext));
    CHECK(lb == 0 && ext == (MPI_Aint)sizeof(struct rec), "struct extent %ld, not %zu", (long)ext,
          sizeof(struct rec));
    exchange(t, "struct");
    MPI_Aint nd[2] = {-16, 4};
    MPI_Datatype nt[2] = {MPI_DOUBLE, MPI_INT};
    int nbl[2] = {1, 3};
    OK(MPI_Type_create_struct(2, nbl, nd, nt, &t));
    exchange(t, "struct with negative displacement");
    int sizes[3] = {6, 7, 8}, sub[3] = {3, 2, 5}, starts[3] = {1, 4, 2};
    OK(MPI_Type_create_subarray(3, sizes, sub, starts, MPI_ORDER_C, MPI_DOUBLE, &t));
    exchange(t, "subarray C");
    OK(MPI_Type_create_subarray(3, sizes, sub, starts, MPI_ORDER_FORTRAN, MPI_INT, &t));
    exchange(t, "subarray Fortran");
    int gs[2] = {10, 9}, dist[2] = {MPI_DISTRIBUTE_CYCLIC, MPI_DISTRIBUTE_BLOCK},
        dargs[2] = {2, MPI_DISTRIBUTE_DFLT_DARG}, ps[2] = {2, 2};
    OK(MPI_Type_create_darray(4, 1, 2, gs, dist, dargs, ps, MPI_ORDER_C, MPI_DOUBLE, &t));
    exchange(t, "darray C");
    OK(MPI_Type_create_darray(4, 2, 2, gs, dist, dargs, ps, MPI_ORDER_FORTRAN, MPI_INT, &t));
    exchange(t, "darray Fortran");
    OK(MPI_Type_vector(3, 1, 4, MPI_INT, &inner));
    OK(MPI_Type_create_resized(inner, -4, 20, &t));
    exchange(t, "resized vector");
    OK(MPI_Type_free(&inner));
    OK(MPI_Type_create_struct(3, sbl, sd, st, &inner));
    OK(MPI_Type_dup(inner, &t));
    exchange(t, "dup of struct");
    OK(MPI_Type_free(&inner));
    OK(MPI_Type_contiguous(3, MPI_DOUBLE_INT, &t));
    exchange(t, "contiguous of MPI_DOUBLE_INT");
    /* A vector of vectors (a 2D halo column of a 3D block). */
    OK(MPI_Type_vector(8, 2, 6, MPI_DOUBLE, &inner));
    OK(MPI_Type_create_hvector(5, 1, 8 * 6 * 8 + 16, inner, &t));
    exchange(t, "vector of vectors");
    OK(MPI_Type_free(&inner));
#if MPI_VERSION >= 4 /* the large-count forms */
    MPI_Datatype big;
    OK(MPI_Type_vector_c(50, 1, 2, MPI_INT64_T, &big));
    exchange(big, "vector_c");
#endif
}

/* Partial receives: Get_elements counts the basic elements that arrived. */
static void partial(void)
{
    MPI_Datatype v, s;
    OK(MPI_Type_vector(4, 1, 2, MPI_DOUBLE, &v));
    OK(MPI_Type_commit(&v));
    int bl[2] = {1, 1};
    MPI_Aint d[2] = {0, 8};
    MPI_Datatype ty[2] = {MPI_INT, MPI_DOUBLE};
    OK(MPI_Type_create_struct(2, bl, d, ty, &s));
    OK(MPI_Type_commit(&s));
    double x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    struct {
        int i;
        double d;
    } rec[3] = {{1, 1.5}, {2, 2.5}, {3, 3.5}};
    MPI_Status st;
    int n;
    if (wrank == 0) {
        OK(MPI_Send(x, 3, MPI_DOUBLE, 1, 10, MPI_COMM_WORLD));
        OK(MPI_Send(rec, 2, s, 1, 11, MPI_COMM_WORLD));
        OK(MPI_Send(rec, 1, MPI_INT, 1, 12, MPI_COMM_WORLD));
    } else {
        double y[8] = {0};
        OK(MPI_Recv(y, 1, v, 0, 10, MPI_COMM_WORLD, &st));
        OK(MPI_Get_elements(&st, v, &n));
        CHECK(n == 3, "Get_elements of 3 doubles into a 4-double vector: %d", n);
        OK(MPI_Get_count(&st, v, &n));
        CHECK(n == MPI_UNDEFINED, "Get_count of a partial vector: %d", n);
        CHECK(y[0] == 1 && y[2] == 2 && y[4] == 3 && y[6] == 0 && y[1] == 0, "partial data");
        MPI_Count c;
        OK(MPI_Get_elements_x(&st, v, &c));
        CHECK(c == 3, "Get_elements_x %lld", (long long)c);
        memset(rec, 0, sizeof rec);
        OK(MPI_Recv(rec, 3, s, 0, 11, MPI_COMM_WORLD, &st));
        OK(MPI_Get_elements(&st, s, &n));
        CHECK(n == 4, "Get_elements of 2 structs: %d", n);
        OK(MPI_Get_count(&st, s, &n));
        CHECK(n == 2, "Get_count of 2 structs: %d", n);
        CHECK(rec[1].i == 2 && rec[1].d == 2.5, "struct data");
        OK(MPI_Recv(rec, 3, s, 0, 12, MPI_COMM_WORLD, &st));
        OK(MPI_Get_elements(&st, s, &n));
        CHECK(n == 1, "Get_elements of 1 int of a struct: %d", n);
        OK(MPI_Get_count(&st, s, &n));
        CHECK(n == MPI_UNDEFINED, "Get_count of half a struct: %d", n);
        /* Status_set_elements is the inverse. */
        OK(MPI_Status_set_elements(&st, s, 3));
        OK(MPI_Get_elements(&st, s, &n));
        CHECK(n == 3, "Status_set_elements 3 -> %d", n);
        OK(MPI_Get_count(&st, MPI_BYTE, &n));
        CHECK(n == 16, "3 elements of {int, double} are %d bytes, not 16", n);
    }
    OK(MPI_Type_free(&v));
    OK(MPI_Type_free(&s));
}

/* Absolute addresses: a struct of MPI_Get_address displacements, sent
 * from and received into MPI_BOTTOM. */
static void bottom(void)
{
    double x[4] = {1, 2, 3, 4};
    int id[3] = {7, 8, 9};
    if (wrank == 1) {
        memset(x, 0, sizeof x);
        memset(id, 0, sizeof id);
    }
    int bl[2] = {4, 3};
    MPI_Aint d[2];
    OK(MPI_Get_address(x, &d[0]));
    OK(MPI_Get_address(id, &d[1]));
    MPI_Datatype ty[2] = {MPI_DOUBLE, MPI_INT}, t;
    OK(MPI_Type_create_struct(2, bl, d, ty, &t));
    OK(MPI_Type_commit(&t));
    if (wrank == 0) {
        OK(MPI_Send(MPI_BOTTOM, 1, t, 1, 20, MPI_COMM_WORLD));
    } else {
        OK(MPI_Recv(MPI_BOTTOM, 1, t, 0, 20, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        CHECK(x[0] == 1 && x[3] == 4 && id[0] == 7 && id[2] == 9, "MPI_BOTTOM data");
    }
    OK(MPI_Type_free(&t));
}

/* Both sides non-contiguous, with few large blocks: a struct of four
 * arrays (absolute addresses, MPI_BOTTOM) sent to the same shape, to an
 * hvector of more 1 KiB blocks than one iovec list takes (so the
 * sender's listed blocks are cut across pieces), and twice from a
 * persistent send.  Sizes on both sides of the single-copy limit. */
static void listed(void)
{
    static const size_t sizes[] = {256 * 1024, (3u << 20) + 4096};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k] / 4 / sizeof(double), bytes = 4 * n * sizeof(double);
        double *a = malloc(4 * (n + 8) * sizeof(double));
        unsigned char *v = malloc(2 * bytes);
        CHECK(a && v, "out of memory");
        int bl[4] = {(int)n, (int)n, (int)n, (int)n};
        MPI_Aint d[4];
        MPI_Datatype ty[4] = {MPI_DOUBLE, MPI_DOUBLE, MPI_DOUBLE, MPI_DOUBLE}, soa, vec;
        /* The arrays in reverse order: packed order is not address order. */
        for (int i = 0; i < 4; i++)
            OK(MPI_Get_address(a + (size_t)(3 - i) * (n + 8), &d[i]));
        OK(MPI_Type_create_struct(4, bl, d, ty, &soa));
        OK(MPI_Type_commit(&soa));
        OK(MPI_Type_create_hvector((int)(bytes / 1024), 1024, 2048, MPI_BYTE, &vec));
        OK(MPI_Type_commit(&vec));
        if (wrank == 0) {
            for (int i = 0; i < 4; i++)
                for (size_t j = 0; j < n; j++)
                    a[(size_t)(3 - i) * (n + 8) + j] = (double)(i * n + j);
            OK(MPI_Send(MPI_BOTTOM, 1, soa, 1, 30, MPI_COMM_WORLD));
            OK(MPI_Send(MPI_BOTTOM, 1, soa, 1, 31, MPI_COMM_WORLD));
            MPI_Request rq;
            OK(MPI_Send_init(MPI_BOTTOM, 1, soa, 1, 32, MPI_COMM_WORLD, &rq));
            for (int r = 0; r < 2; r++) {
                OK(MPI_Start(&rq));
                OK(MPI_Wait(&rq, MPI_STATUS_IGNORE));
            }
            OK(MPI_Request_free(&rq));
        } else {
            for (int r = 0; r < 3; r++) {
                memset(a, 0, 4 * (n + 8) * sizeof(double));
                OK(MPI_Recv(MPI_BOTTOM, 1, soa, 0, r == 0 ? 30 : 32, MPI_COMM_WORLD,
                            MPI_STATUS_IGNORE));
                for (int i = 0; i < 4; i++)
                    for (size_t j = 0; j < n; j++)
                        CHECK(a[(size_t)(3 - i) * (n + 8) + j] == (double)(i * n + j),
                              "listed blocks, %zu bytes, struct %d: element %zu of array %d", bytes,
                              r, j, i);
                if (r == 0) {
                    memset(v, 0xee, 2 * bytes);
                    OK(MPI_Recv(v, 1, vec, 0, 31, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
                    for (size_t j = 0; j < bytes / sizeof(double); j++) {
                        double x;
                        size_t at = j * sizeof x;
                        memcpy(&x, v + at / 1024 * 2048 + at % 1024, sizeof x);
                        CHECK(x == (double)j, "listed blocks into a vector: element %zu", j);
                    }
                    CHECK(v[1024] == 0xee && v[2 * bytes - 1] == 0xee, "vector gaps written");
                }
            }
        }
        OK(MPI_Type_free(&soa));
        OK(MPI_Type_free(&vec));
        free(a);
        free(v);
    }
}

static void external32(void)
{
    struct {
        short s;
        int i;
        double d;
        long l;
    } in = {-2, 0x01020304, 1.0, -1}, out;
    int bl[4] = {1, 1, 1, 1};
    MPI_Aint d[4] = {offsetof(__typeof__(in), s), offsetof(__typeof__(in), i),
                     offsetof(__typeof__(in), d), offsetof(__typeof__(in), l)};
    MPI_Datatype ty[4] = {MPI_SHORT, MPI_INT, MPI_DOUBLE, MPI_LONG}, t;
    OK(MPI_Type_create_struct(4, bl, d, ty, &t));
    OK(MPI_Type_commit(&t));
    MPI_Aint size, pos = 0;
    OK(MPI_Pack_external_size("external32", 1, t, &size));
    /* The standard's table: MPI_LONG is 4 bytes in external32. */
    CHECK(size >= 2 + 4 + 8 + 4, "external32 size %ld", (long)size); /* an upper bound */
    unsigned char buf[64];
    OK(MPI_Pack_external("external32", &in, 1, t, buf, sizeof buf, &pos));
    CHECK(pos == 2 + 4 + 8 + 4, "position %ld", (long)pos);
    static const unsigned char want[18] = {0xff, 0xfe, 1, 2, 3, 4,    0x3f, 0xf0, 0,
                                           0,    0,    0, 0, 0, 0xff, 0xff, 0xff, 0xff};
    CHECK(memcmp(buf, want, sizeof want) == 0, "external32 bytes differ from the standard's");
    memset(&out, 0, sizeof out);
    pos = 0;
    OK(MPI_Unpack_external("external32", buf, 18, &pos, &out, 1, t));
    CHECK(out.s == in.s && out.i == in.i && out.d == in.d && out.l == in.l, "round trip");
    OK(MPI_Type_free(&t));
}

static void envelopes(void)
{
    MPI_Datatype v, s, got[2];
    int ni, na, nt, comb, ints[8];
    MPI_Aint ai[4];
    OK(MPI_Type_vector(3, 2, 5, MPI_INT, &v));
    OK(MPI_Type_get_envelope(v, &ni, &na, &nt, &comb));
    CHECK(comb == MPI_COMBINER_VECTOR && ni == 3 && na == 0 && nt == 1, "vector envelope");
    OK(MPI_Type_get_contents(v, 8, 4, 2, ints, ai, got));
    CHECK(ints[0] == 3 && ints[1] == 2 && ints[2] == 5 && got[0] == MPI_INT, "vector contents");
    int bl[2] = {1, 2};
    MPI_Aint d[2] = {0, 8};
    MPI_Datatype ty[2] = {MPI_INT, v};
    OK(MPI_Type_create_struct(2, bl, d, ty, &s));
    OK(MPI_Type_get_envelope(s, &ni, &na, &nt, &comb));
    CHECK(comb == MPI_COMBINER_STRUCT && ni == 3 && na == 2 && nt == 2, "struct envelope");
    OK(MPI_Type_get_contents(s, 8, 4, 2, ints, ai, got));
    CHECK(ints[0] == 2 && ints[2] == 2 && ai[1] == 8 && got[0] == MPI_INT, "struct contents");
    /* The derived type comes back as a handle the caller frees. */
    OK(MPI_Type_free(&got[1]));
    OK(MPI_Type_free(&v));
    OK(MPI_Type_get_envelope(MPI_INT, &ni, &na, &nt, &comb));
    CHECK(comb == MPI_COMBINER_NAMED, "MPI_INT is named");
    OK(MPI_Type_set_name(s, "my struct"));
    char name[MPI_MAX_OBJECT_NAME];
    int len;
    OK(MPI_Type_get_name(s, name, &len));
    CHECK(strcmp(name, "my struct") == 0 && len == 9, "name %s", name);
    OK(MPI_Type_get_name(MPI_DOUBLE, name, &len));
    CHECK(strcmp(name, "MPI_DOUBLE") == 0, "predefined name %s", name);
    OK(MPI_Type_free(&s));
#if MPI_VERSION >= 4
    MPI_Count cni, cna, cnc, cnt;
    OK(MPI_Type_vector_c(3, 2, 5, MPI_INT, &v));
    OK(MPI_Type_get_envelope_c(v, &cni, &cna, &cnc, &cnt, &comb));
    CHECK(comb == MPI_COMBINER_VECTOR && cni == 0 && cnc == 3 && cnt == 1, "vector_c envelope");
    OK(MPI_Type_free(&v));
#endif
    /* Fortran 90 parameterised types: one handle per (p, r), predefined. */
    MPI_Datatype f, f2;
    int sz4, fi[2];
    OK(MPI_Type_create_f90_integer(9, &f));
    OK(MPI_Type_create_f90_integer(9, &f2));
    CHECK(f == f2, "two handles for the same f90 integer kind");
    OK(MPI_Type_size(f, &sz4));
    CHECK(sz4 == 4, "f90 integer of range 9 has %d bytes", sz4);
    OK(MPI_Type_get_envelope(f, &ni, &na, &nt, &comb));
    CHECK(comb == MPI_COMBINER_F90_INTEGER && ni == 1 && na == 0 && nt == 0, "f90 envelope");
    OK(MPI_Type_get_contents(f, 1, 0, 0, fi, NULL, NULL));
    CHECK(fi[0] == 9, "f90 integer contents %d", fi[0]);
    OK(MPI_Type_create_f90_real(15, MPI_UNDEFINED, &f));
    OK(MPI_Type_size(f, &sz4));
    CHECK(sz4 == 8, "f90 real of precision 15 has %d bytes", sz4);
    OK(MPI_Type_get_contents(f, 2, 0, 0, fi, NULL, NULL));
    CHECK(fi[0] == 15 && fi[1] == MPI_UNDEFINED, "f90 real contents");
    OK(MPI_Type_create_f90_complex(MPI_UNDEFINED, 30, &f));
    OK(MPI_Type_size(f, &sz4));
    CHECK(sz4 == 8, "f90 complex of range 30 has %d bytes", sz4);
    MPI_Datatype m;
    OK(MPI_Type_match_size(MPI_TYPECLASS_REAL, 8, &m));
    int sz;
    OK(MPI_Type_size(m, &sz));
    CHECK(sz == 8, "match_size REAL 8 gave size %d", sz);
    MPI_Aint a1, a2;
    double arr[4];
    OK(MPI_Get_address(&arr[0], &a1));
    OK(MPI_Get_address(&arr[3], &a2));
    CHECK(MPI_Aint_diff(a2, a1) == 24 && MPI_Aint_add(a1, 24) == a2, "address arithmetic");
}

/* Bad arguments: the standard's class, never a crash. */
static void errors(void)
{
    OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN));
    MPI_Datatype t, keep;
    int buf[16] = {0};
    CHECK(MPI_Type_vector(-1, 1, 1, MPI_INT, &t) == MPI_ERR_COUNT, "negative count");
    CHECK(MPI_Type_contiguous(2, MPI_DATATYPE_NULL, &t) == MPI_ERR_TYPE, "null oldtype");
    OK(MPI_Type_contiguous(2, MPI_INT, &t));
    CHECK(MPI_Send(buf, 1, t, MPI_PROC_NULL, 0, MPI_COMM_WORLD) == MPI_ERR_TYPE, "uncommitted");
    OK(MPI_Type_commit(&t));
    CHECK(MPI_Send(buf, -1, t, MPI_PROC_NULL, 0, MPI_COMM_WORLD) == MPI_ERR_COUNT, "count -1");
    keep = t;
    OK(MPI_Type_free(&t));
    CHECK(MPI_Send(buf, 1, keep, MPI_PROC_NULL, 0, MPI_COMM_WORLD) == MPI_ERR_TYPE, "freed type");
    CHECK(MPI_Type_free(&keep) == MPI_ERR_TYPE, "double free");
    t = MPI_INT;
    CHECK(MPI_Type_free(&t) == MPI_ERR_TYPE, "freeing a predefined type");
    CHECK(MPI_Type_vector(INT_MAX, 1, INT_MAX, MPI_DOUBLE, &t) == MPI_ERR_ARG, "extent overflow");
    CHECK(MPI_Type_create_hvector(3, 1, (MPI_Aint)1 << 62, MPI_INT, &t) == MPI_ERR_ARG,
          "hvector extent overflow");
    int ni, na, nt, comb;
    CHECK(MPI_Type_get_contents(MPI_INT, 0, 0, 0, &ni, NULL, NULL) == MPI_ERR_TYPE,
          "contents of a named type");
    (void)na;
    (void)nt;
    (void)comb;
    int pos = 0;
    char small[4];
    CHECK(MPI_Pack(buf, 2, MPI_INT, small, 4, &pos, MPI_COMM_WORLD) == MPI_ERR_TRUNCATE,
          "pack overflow");
    MPI_Aint apos = 0;
    CHECK(MPI_Pack_external("native", buf, 1, MPI_INT, small, 4, &apos) ==
              MPI_ERR_UNSUPPORTED_DATAREP,
          "unknown datarep");
    CHECK(MPI_Type_create_f90_integer(40, &t) == MPI_ERR_ARG, "f90 integer of range 40");
    CHECK(MPI_Type_create_f90_real(MPI_UNDEFINED, MPI_UNDEFINED, &t) == MPI_ERR_ARG,
          "f90 real without precision or range");
    OK(MPI_Type_create_f90_real(6, MPI_UNDEFINED, &t));
    CHECK(MPI_Type_free(&t) == MPI_ERR_TYPE, "freeing an f90 type");
    int gs[1] = {10}, dist[1] = {MPI_DISTRIBUTE_BLOCK}, dg[1] = {2}, ps[1] = {2};
    CHECK(MPI_Type_create_darray(2, 0, 1, gs, dist, dg, ps, MPI_ORDER_C, MPI_INT, &t) ==
              MPI_ERR_ARG,
          "darray block too small");
    int sz[1] = {4}, sub[1] = {5}, st[1] = {0};
    CHECK(MPI_Type_create_subarray(1, sz, sub, st, MPI_ORDER_C, MPI_INT, &t) == MPI_ERR_ARG,
          "subarray larger than the array");
    OK(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL));
}

int main(int argc, char **argv)
{
    int bad_args = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--eager") == 0 && i + 1 < argc)
            setenv("LARK_EAGER_LIMIT", argv[++i], 1);
        else if (strcmp(argv[i], "--cma-min") == 0 && i + 1 < argc)
            setenv("LARK_SHM_CMA_MIN", argv[++i], 1);
        else if (strcmp(argv[i], "--iov-min") == 0 && i + 1 < argc)
            setenv("LARK_IOV_MIN", argv[++i], 1);
        else if (strcmp(argv[i], "--no-cma") == 0)
            setenv("LARK_SHM_NO_CMA", "1", 1);
        else if (strcmp(argv[i], "--put-refused") == 0)
            setenv("LARK_SHM_PUT_EPERM", "1", 1);
        else if (strcmp(argv[i], "--cma-refused") == 0)
            setenv("LARK_SHM_CMA_EPERM", "1", 1);
        else if (strcmp(argv[i], "--no-errors") == 0)
            bad_args = 0; /* other MPIs may crash on a freed handle */
    }
    OK(MPI_Init(&argc, &argv));
    int size;
    OK(MPI_Comm_rank(MPI_COMM_WORLD, &wrank));
    OK(MPI_Comm_size(MPI_COMM_WORLD, &size));
    CHECK(size == 2, "run with 2 ranks, not %d", size);
    all_constructors();
    partial();
    bottom();
    listed();
    external32();
    envelopes();
    if (bad_args)
        errors();
    OK(MPI_Barrier(MPI_COMM_WORLD));
    if (wrank == 0)
        printf("datatype: OK\n");
    OK(MPI_Finalize());
    return 0;
}
