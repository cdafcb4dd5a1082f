/*
** test_timing.c — the per-node profile: only nodes that ran, slowest first,
** shares of the whole, output shapes as run, MACs scaled to the batch.
*/
#include "build_model.h"
#include "model/count.h"
#include "ops/timing.h"
#include "test.h"

#include <stdlib.h>

static lp_model *gemm_model(void) {
    lp_builder *b = lp_build_new("test");
    lp_build_opset(b, "", 13);
    lp_build_input(b, "x", LP_FLOAT, "batch,256");
    lp_test_init(b, "w", LP_FLOAT, "64,256", NULL);
    lp_bnode *g = lp_build_node(b, "Gemm", "x,w", "y");
    lp_build_attr_int(b, g, "transB", 1);
    lp_build_node(b, "Relu", "y", "r");
    lp_build_node(b, "Softmax", "r", "z");
    lp_build_output(b, "z", LP_UNDEFINED, NULL);
    return lp_test_load(b);
}

TEST(profile_by_node) {
    lp_model *m = gemm_model();
    REQUIRE(m);
    lp_counts counts;
    lp_model_count(m, &counts);
    lp_shape_log *log = lp_shape_log_new(m);
    lp_session_opts opts = {.profile = true, .on_node = lp_shape_log_node, .on_node_ctx = log};
    lp_session *s = NULL;
    lp_error err = {0};
    REQUIRE(lp_session_create(m, &opts, &s, &err) == LP_OK);
    lp_rvalue in = {.kind = LP_RV_TENSOR};
    REQUIRE(lp_tensor_alloc(&in.t, LP_FLOAT, 2, (int64_t[]){4, 256}, &err) == LP_OK);
    lp_timing tm = {0};
    REQUIRE(lp_time_runs(s, &in, 1, 1, 3, NULL, &tm, &err) == LP_OK);

    const lp_node_profile *np;
    int n = lp_session_profile(s, &np), ran = 0;
    for (int i = 0; i < n; i++) ran += np[i].calls > 0;
    lp_node_profile_row *rows;
    int k = lp_profile_by_node(s, log, &rows);
    CHECK(k == ran); /* a Relu fused into the Gemm is not listed */
    double shares = 0, node_ms = 0, op_ms = 0;
    const lp_node_profile_row *gemm = NULL;
    for (int i = 0; i < k; i++) {
        shares += rows[i].share;
        node_ms += rows[i].ms_per_run;
        if (i) CHECK(rows[i - 1].ms_per_run >= rows[i].ms_per_run);
        if (!strcmp(rows[i].op_type, "Gemm")) gemm = &rows[i];
    }
    CHECK_NEAR(shares, 1.0, 1e-9);
    REQUIRE(gemm);
    CHECK(gemm->rank == 2 && gemm->dims[0] == 4 && gemm->dims[1] == 64);
    CHECK(gemm->macs == 4 * 256 * 64); /* counted for batch 1, run with 4 */
    CHECK((gemm->gflops > 0) == (gemm->ms_per_run > 0));
    char buf[64];
    CHECK_STR(lp_node_profile_shape(gemm, buf, sizeof buf, true), "4x64");

    /* the op-type table adds up to the same time per run */
    lp_op_profile *ops;
    int n_ops = lp_profile_by_op(s, &ops);
    for (int i = 0; i < n_ops; i++) op_ms += ops[i].ms_per_run;
    CHECK_NEAR(op_ms, node_ms, 1e-9);
    free(ops);
    free(rows);

    /* without a shape log: the inferred shape, MACs as counted */
    k = lp_profile_by_node(s, NULL, &rows);
    for (int i = 0; i < k; i++) {
        if (strcmp(rows[i].op_type, "Gemm")) continue;
        CHECK(rows[i].rank == -1);
        CHECK_STR(lp_node_profile_shape(&rows[i], buf, sizeof buf, true), "batchx64");
        CHECK(rows[i].macs == 256 * 64);
    }
    free(rows);
    lp_rvalue_clear(&in);
    lp_session_free(s);
    lp_shape_log_free(log);
    lp_model_free(m);
}
