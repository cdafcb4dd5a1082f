/*
** test_base.c — checked sizes, the arena, buffers, dtypes.
*/
#include "model/base.h"
#include "model/dtype.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>

TEST(mul_size_detects_overflow) {
    size_t out = 7;
    CHECK(lp_mul_size(SIZE_MAX / 2, 3, &out) == -1);
    CHECK(out == 7);
    CHECK(lp_mul_size(1000, 1000, &out) == 0 && out == 1000000);
    int64_t o;
    CHECK(lp_mul_i64((int64_t)1 << 62, 4, &o) == -1);
    CHECK(lp_mul_i64(-5, 2, &o) == -1);
}

TEST(arena_strings_and_arrays) {
    lp_arena a = {0};
    char *s = lp_arena_printf(&a, "%s-%d", "node", 42);
    CHECK_STR(s, "node-42");
    CHECK(lp_arena_array(&a, SIZE_MAX / 4, 8) == NULL);
    int *big = lp_arena_array(&a, 100000, sizeof(int));
    REQUIRE(big != NULL);
    CHECK(big[99999] == 0);
    lp_arena_free(&a);
}

TEST(half_roundtrip) {
    float vals[] = {0.0f, 1.0f, -2.5f, 65504.0f, 0.000061035156f, 3.14159f};
    for (size_t i = 0; i < LP_COUNT(vals); i++) {
        float back = lp_half_to_float(lp_float_to_half(vals[i]));
        CHECK(fabsf(back - vals[i]) <= fabsf(vals[i]) * 1e-3f);
    }
    CHECK(isinf(lp_half_to_float(lp_float_to_half(1e6f))));
    CHECK(lp_bf16_to_float(lp_float_to_bf16(1.0f)) == 1.0f);
}

TEST(float8_e4m3fn_known_codes) {
    CHECK(lp_f8_to_float(LP_FLOAT8E4M3FN, 0x38) == 1.0f);
    CHECK(lp_f8_to_float(LP_FLOAT8E4M3FN, 0x7e) == 448.0f);
    CHECK(isnan(lp_f8_to_float(LP_FLOAT8E4M3FN, 0x7f)));
    CHECK(lp_float_to_f8(LP_FLOAT8E4M3FN, 1.0f, 1) == 0x38);
    CHECK(lp_float_to_f8(LP_FLOAT8E4M3FN, 1e6f, 1) == 0x7e);
}

TEST(dtype_names) {
    CHECK_STR(lp_dtype_name(LP_FLOAT), "float32");
    CHECK(lp_dtype_from_name("int64") == LP_INT64);
    CHECK(lp_dtype_size(LP_INT4) == 1);
    CHECK(lp_dtype_file_bits(LP_INT4) == 4);
}
