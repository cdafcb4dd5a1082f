/*
** test_strings.c — RegexFullMatch's RE2-to-POSIX translation, UTF-8 case
** mapping in StringNormalizer, and whitespace splitting in StringSplit.
*/
#include "model/build.h"
#include "ops/session.h"
#include "test.h"

#include <stdlib.h>

/* Runs a one-node model (op with attributes set by `setup`) on strings;
** returns the session's first output, or NULL. */
typedef void (*setup_fn)(lp_builder *b, lp_bnode *n, const void *arg);

typedef struct one_node {
    lp_builder *b;
    lp_model *m;
    lp_session *s;
    lp_rvalue in;
    lp_rvalue *outs[2];
    lp_error err;
} one_node;

static int run_strings(one_node *t, const char *op, int n_out, setup_fn setup, const void *arg,
                       const char *const *strs, int n) {
    memset(t, 0, sizeof *t);
    t->b = lp_build_new("main");
    lp_build_opset(t->b, "", 20);
    lp_build_input(t->b, "x", LP_STRING, NULL);
    lp_bnode *node = lp_build_node(t->b, op, "x", n_out == 2 ? "y,z" : "y");
    setup(t->b, node, arg);
    lp_build_output(t->b, "y", LP_UNDEFINED, NULL);
    if (n_out == 2) lp_build_output(t->b, "z", LP_INT64, NULL);
    if (lp_build_model(t->b, "t.onnx", &t->m, &t->err) ||
        lp_session_create(t->m, NULL, &t->s, &t->err))
        return t->err.status ? t->err.status : LP_EFAIL;
    t->in.kind = LP_RV_TENSOR;
    int64_t dim = n;
    if (lp_tensor_alloc(&t->in.t, LP_STRING, 1, &dim, &t->err)) return LP_EFAIL;
    for (int i = 0; i < n; i++) {
        free(((char **)t->in.t.data)[i]);
        ((char **)t->in.t.data)[i] = lp_xstrdup(strs[i]);
    }
    return lp_session_run(t->s, &t->in, 1, t->outs, &t->err);
}

static void done(one_node *t) {
    lp_rvalue_clear(&t->in);
    lp_session_free(t->s);
    lp_model_free(t->m);
    lp_build_free(t->b);
}

static void set_pattern(lp_builder *b, lp_bnode *n, const void *arg) {
    lp_build_attr_string(b, n, "pattern", arg);
}

/* Full-match results of pattern on each string, as a string of 0/1. */
static void regex_case(int *lp_failed_, const char *pattern, const char *const *strs, int n,
                       const char *want) {
    one_node t;
    int rc = run_strings(&t, "RegexFullMatch", 1, set_pattern, pattern, strs, n);
    if (rc) fprintf(stderr, "  pattern %s: %s\n", pattern, t.err.msg);
    CHECK(rc == LP_OK);
    if (rc == LP_OK) {
        char got[64] = {0};
        for (int i = 0; i < n; i++) got[i] = ((uint8_t *)t.outs[0]->t.data)[i] ? '1' : '0';
        if (strcmp(got, want)) fprintf(stderr, "  pattern %s: got %s, want %s\n", pattern, got, want);
        CHECK(!strcmp(got, want));
    }
    done(&t);
}

TEST(regex_re2_translation) {
    regex_case(lp_failed_, "a.c", (const char *[]){"abc", "a\nc", "ac", "abcc"}, 4, "1000");
    regex_case(lp_failed_, "\\d{3}-\\d+", (const char *[]){"555-1", "55-1", "555-", "a55-1"}, 4,
               "1000");
    regex_case(lp_failed_, "[\\w.\\-]+@x\\.org", (const char *[]){"a.b-c@x.org", "a b@x.org", "@x.org"},
               3, "100");
    regex_case(lp_failed_, "(?:ab)+?c", (const char *[]){"ababc", "abc", "c", "abac"}, 4, "1100");
    regex_case(lp_failed_, "(?i)hello\\s\\S+", (const char *[]){"HeLLo World", "hello  x", "hello x"},
               3, "101");
    regex_case(lp_failed_, "[^\\d]*", (const char *[]){"abc", "", "a1"}, 3, "110");
    /* `.` is one code point; a stray byte (which RE2 would take as U+FFFD) matches nothing */
    regex_case(lp_failed_, "caf.", (const char *[]){"café", "cafe", "caf\xc3"}, 3, "110");
    regex_case(lp_failed_, "[]a]+\\]", (const char *[]){"]a]", "a]", "b]"}, 3, "110");
}

TEST(regex_unsupported_syntax_is_refused) {
    one_node t;
    int rc = run_strings(&t, "RegexFullMatch", 1, set_pattern, "(?P<x>a)", (const char *[]){"a"}, 1);
    CHECK(rc == LP_EUNSUPPORTED);
    CHECK(strstr(t.err.msg, "not supported") != NULL);
    done(&t);
    rc = run_strings(&t, "RegexFullMatch", 1, set_pattern, "\\pL", (const char *[]){"a"}, 1);
    CHECK(rc == LP_EUNSUPPORTED);
    done(&t);
}

static void set_upper(lp_builder *b, lp_bnode *n, const void *arg) {
    lp_build_attr_string(b, n, "case_change_action", arg);
    lp_build_attr_strings(b, n, "stopwords", 1, (const char *[]){"MONDAY"});
}

TEST(string_normalizer_utf8_case) {
    one_node t;
    const char *in[] = {"Grüße", "ÉCOLE", "Straße", "monday"};
    int rc = run_strings(&t, "StringNormalizer", 1, set_upper, "UPPER", in, 4);
    REQUIRE(rc == LP_OK);
    char **y = t.outs[0]->t.data;
    REQUIRE(t.outs[0]->t.numel == 3); /* "monday" is a stopword, matched case-insensitively */
    CHECK(!strcmp(y[0], "GRÜSSE") || !strcmp(y[0], "GRÜßE"));
    CHECK(!strcmp(y[1], "ÉCOLE"));
    done(&t);
    rc = run_strings(&t, "StringNormalizer", 1, set_upper, "LOWER", in, 4);
    REQUIRE(rc == LP_OK);
    y = t.outs[0]->t.data;
    CHECK(!strcmp(y[1], "école"));
    done(&t);
}

static void set_split(lp_builder *b, lp_bnode *n, const void *arg) {
    if (arg) lp_build_attr_int(b, n, "maxsplit", *(const int64_t *)arg);
}

TEST(string_split_whitespace_like_python) {
    one_node t;
    int64_t one = 1;
    const char *in[] = {"  a \t b  c ", "", "x\xc2\xa0y"};
    int rc = run_strings(&t, "StringSplit", 2, set_split, &one, in, 3);
    REQUIRE(rc == LP_OK);
    REQUIRE(t.outs[0]->t.rank == 2 && t.outs[0]->t.dims[1] == 2);
    char **y = t.outs[0]->t.data;
    const int64_t *z = t.outs[1]->t.data;
    CHECK(!strcmp(y[0], "a") && !strcmp(y[1], "b  c "));
    CHECK(z[0] == 2 && z[1] == 0 && z[2] == 2);
    CHECK(!strcmp(y[4], "x") && !strcmp(y[5], "y")); /* U+00A0 is whitespace to Python */
    done(&t);
}
