/*
** test.h — a tiny unit-test harness: TEST(name) { ... } registers itself;
** CHECK(cond) records a failure and goes on; REQUIRE(cond) stops the test.
** The runner (tests/unit/main.c) prints one line per failure and the
** summary "N passed, M failed".
*/
#ifndef LP_TEST_H
#define LP_TEST_H

#include <stdio.h>
#include <string.h>

typedef struct lp_test {
    const char *name, *file;
    void (*fn)(int *failed);
} lp_test;

void lp_test_register(const char *name, const char *file, void (*fn)(int *failed));

#define TEST(name)                                                                                 \
    static void test_##name(int *lp_failed_);                                                      \
    __attribute__((constructor)) static void register_##name(void) {                              \
        lp_test_register(#name, __FILE__, test_##name);                                           \
    }                                                                                              \
    static void test_##name(int *lp_failed_)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            *lp_failed_ = 1;                                                                       \
        }                                                                                          \
    } while (0)

#define REQUIRE(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: REQUIRE(%s) failed\n", __FILE__, __LINE__, #cond);           \
            *lp_failed_ = 1;                                                                       \
            return;                                                                                \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)
#define CHECK_NEAR(a, b, tol) CHECK(((a) - (b)) <= (tol) && ((b) - (a)) <= (tol))

#endif
