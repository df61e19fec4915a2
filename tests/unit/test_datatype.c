/*
 * test_datatype.c -- the predefined datatype table and the pack/unpack
 * edges of the data path, without MPI_Init: sizes and extents match the C
 * types, handles convert both ways, and the pair types (which have holes)
 * pack to their data bytes only, in any pieces.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "lark.h"
#include "datatype.h"

static void test_datatype_table(void **state)
{
    (void)state;
    struct {
        MPI_Datatype h;
        size_t size;
    } cases[] = {{MPI_CHAR, 1},
                 {MPI_SHORT, sizeof(short)},
                 {MPI_INT, sizeof(int)},
                 {MPI_LONG, sizeof(long)},
                 {MPI_DOUBLE, 8},
                 {MPI_INT64_T, 8},
                 {MPI_LONG_DOUBLE, sizeof(long double)},
                 {MPI_BYTE, 1},
                 {MPI_C_DOUBLE_COMPLEX, 16},
                 {MPI_2INT, 8},
                 {MPI_AINT, sizeof(MPI_Aint)},
                 {MPI_COMPLEX32, 32},
                 {MPI_WCHAR, sizeof(wchar_t)}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct lark_datatype *dt = lark_datatype_from_handle(cases[i].h);
        assert_non_null(dt);
        assert_ptr_equal(dt->handle, cases[i].h);
        assert_int_equal(dt->size, cases[i].size);
        assert_true(dt->contig);
        assert_int_equal(dt->extent, (MPI_Aint)cases[i].size);
    }
    assert_null(lark_datatype_from_handle(MPI_DATATYPE_NULL));
    assert_null(lark_datatype_from_handle((MPI_Datatype)0x2ff)); /* unassigned */
    assert_null(lark_datatype_from_handle((MPI_Datatype)0x101)); /* a communicator */
    assert_int_equal(lark_datatype_from_handle(MPI_INT)->basic, LARK_BASIC_INT);
    assert_int_equal(lark_datatype_from_handle(MPI_BYTE)->basic, LARK_BASIC_NONE);
}

struct di {
    double v;
    int i;
};

static void test_datatype_pair_pack(void **state)
{
    (void)state;
    struct lark_datatype *dt = lark_datatype_from_handle(MPI_DOUBLE_INT);
    assert_non_null(dt);
    assert_false(dt->contig);
    assert_int_equal(dt->size, sizeof(double) + sizeof(int));
    assert_int_equal(dt->extent, sizeof(struct di));
    struct di in[5], out[5];
    memset(in, 0xab, sizeof in); /* holes hold garbage */
    memset(out, 0, sizeof out);
    for (int k = 0; k < 5; k++) {
        in[k].v = k * 1.5;
        in[k].i = -k;
    }
    size_t n = lark_datatype_packed_size(dt, 5);
    unsigned char packed[5 * 12];
    assert_int_equal(n, sizeof packed);
    /* Pack in odd pieces that split fields. */
    for (size_t off = 0; off < n; off += 7) {
        size_t len = off + 7 <= n ? 7 : n - off;
        lark_datatype_pack(dt, in, 5, off, packed + off, len);
    }
    for (int k = 0; k < 5; k++) {
        double v;
        int i;
        memcpy(&v, packed + 12 * k, 8);
        memcpy(&i, packed + 12 * k + 8, 4);
        assert_true(v == k * 1.5);
        assert_int_equal(i, -k);
    }
    for (size_t off = 0; off < n; off += 5) {
        size_t len = off + 5 <= n ? 5 : n - off;
        lark_datatype_unpack(dt, out, 5, off, packed + off, len);
    }
    for (int k = 0; k < 5; k++) {
        assert_true(out[k].v == k * 1.5);
        assert_int_equal(out[k].i, -k);
    }
}

static void test_datatype_contig_pack(void **state)
{
    (void)state;
    struct lark_datatype *dt = lark_datatype_from_handle(MPI_INT);
    int in[4] = {1, 2, 3, 4}, out[4] = {0};
    unsigned char packed[16];
    lark_datatype_pack(dt, in, 4, 4, packed, 8); /* elements 1 and 2 */
    lark_datatype_unpack(dt, out, 4, 4, packed, 8);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 2);
    assert_int_equal(out[2], 3);
    assert_int_equal(out[3], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_datatype_table),
        cmocka_unit_test(test_datatype_pair_pack),
        cmocka_unit_test(test_datatype_contig_pack),
    };
    return cmocka_run_group_tests_name("datatype", tests, NULL, NULL);
}
