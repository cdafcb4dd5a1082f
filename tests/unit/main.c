/*
** main.c — runs every registered unit test (or those whose name contains
** argv[1]) and prints "N passed, M failed".
*/
#include "test.h"

#include <stdlib.h>

static lp_test *tests;
static int n_tests, cap_tests;

void lp_test_register(const char *name, const char *file, void (*fn)(int *failed)) {
    if (n_tests == cap_tests) {
        cap_tests = cap_tests ? cap_tests * 2 : 64;
        tests = realloc(tests, (size_t)cap_tests * sizeof *tests);
        if (!tests) abort();
    }
    tests[n_tests++] = (lp_test){name, file, fn};
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0); /* the summary survives a sanitizer exit */
    const char *filter = argc > 1 ? argv[1] : NULL;
    int passed = 0, failed = 0;
    for (int i = 0; i < n_tests; i++) {
        if (filter && !strstr(tests[i].name, filter)) continue;
        int f = 0;
        tests[i].fn(&f);
        if (f) {
            printf("FAIL %s (%s)\n", tests[i].name, tests[i].file);
            failed++;
        } else {
            passed++;
        }
    }
    free(tests);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
