/*
** session.c — plans and runs graphs.
**
** A plan is made once per graph: each node's kernel and prepared state, the
** value slots it reads and writes (pointers fixed at plan time), and which
** values die after each step. Running walks the steps; a value's buffer goes
** back to the session's pool after its last reader, and the next output of
** similar size takes it, so after the first run nothing is allocated.
*/
#include "ops/registry.h"
#include "ops/session_impl.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 64

/* ---- the buffer pool ---- */

void lp_pool_put(lp_session *s, void *p, size_t cap) {
    if (!p) return;
    if (s->n_pool == s->cap_pool) {
        s->cap_pool = s->cap_pool ? s->cap_pool * 2 : 64;
        s->pool = lp_xrealloc(s->pool, (size_t)s->cap_pool * sizeof *s->pool);
    }
    s->pool[s->n_pool++] = (lp_pool_block){p, cap};
}

/* Best fit among blocks at least `need` big and not more than 4x bigger. */
void *lp_pool_get(lp_session *s, size_t need, size_t *cap) {
    int best = -1;
    for (int i = 0; i < s->n_pool; i++) {
        size_t c = s->pool[i].cap;
        if (c >= need && (need == 0 || c / 4 <= need + 64) && (best < 0 || c < s->pool[best].cap))
            best = i;
    }
    if (best >= 0) {
        void *p = s->pool[best].p;
        *cap = s->pool[best].cap;
        s->pool[best] = s->pool[--s->n_pool];
        return p;
    }
    size_t c = need < 64 ? 64 : need;
    void *p = aligned_alloc(64, (c + 63) & ~(size_t)63);
    if (!p) return NULL;
    *cap = (c + 63) & ~(size_t)63;
    return p;
}

void lp_frame_release(lp_session *s, lp_rvalue *v) {
    if (v->kind == LP_RV_TENSOR && v->t.owned && v->t.dtype != LP_STRING && v->t.data) {
        lp_pool_put(s, v->t.data, v->t.capacity);
        v->t.owned = false;
        v->t.data = NULL;
    }
    lp_rvalue_clear(v);
}

/* ---- planning ---- */

static void add_plan(lp_session *s, const lp_graph *g, lp_plan *p) {
    if (s->n_plans == s->cap_plans) {
        s->cap_plans = s->cap_plans ? s->cap_plans * 2 : 8;
        s->plans = lp_xrealloc(s->plans, (size_t)s->cap_plans * sizeof *s->plans);
        s->plan_graphs = lp_xrealloc(s->plan_graphs, (size_t)s->cap_plans * sizeof *s->plan_graphs);
    }
    s->plans[s->n_plans] = p;
    s->plan_graphs[s->n_plans++] = g;
}

lp_plan *lp_session_find_plan(lp_session *s, const lp_graph *g) {
    for (int i = 0; i < s->n_plans; i++)
        if (s->plan_graphs[i] == g) return s->plans[i];
    return NULL;
}

/* A function body's node with the caller's attributes filled in. */
static const lp_node *resolve_node(lp_session *s, const lp_node *n, const lp_node *caller) {
    if (!caller) return n;
    bool refs = false;
    for (int i = 0; i < n->n_attrs; i++) refs |= n->attrs[i].ref != NULL;
    if (!refs) return n;
    lp_node *copy = lp_arena_alloc(&s->arena, sizeof *copy);
    *copy = *n;
    copy->attrs = lp_arena_array(&s->arena, (size_t)n->n_attrs, sizeof *copy->attrs);
    copy->n_attrs = 0;
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        if (!a->ref) {
            copy->attrs[copy->n_attrs++] = *a;
            continue;
        }
        const lp_attr *given = lp_node_attr(caller, a->ref);
        if (!given) continue; /* the default applies */
        lp_attr r = *given;
        r.name = a->name;
        copy->attrs[copy->n_attrs++] = r;
    }
    return copy;
}

static int build_plan(lp_session *s, const lp_graph *g, const lp_node *caller, int depth,
                      lp_plan **out, lp_error *err);

static int plan_subgraphs(lp_session *s, const lp_node *n, int depth, lp_error *err) {
    for (int i = 0; i < n->n_attrs; i++) {
        const lp_attr *a = &n->attrs[i];
        int ng = a->g ? 1 : (a->type == LP_ATTR_GRAPHS ? a->n : 0);
        for (int j = 0; j < ng; j++) {
            const lp_graph *sg = a->g ? a->g : a->graphs[j];
            if (lp_session_find_plan(s, sg)) continue;
            lp_plan *p;
            int rc = build_plan(s, sg, NULL, depth + 1, &p, err);
            if (rc) return rc;
            add_plan(s, sg, p);
        }
    }
    return LP_OK;
}

/* Ops whose result is not a function of their inputs: never folded. */
static bool nondeterministic(const lp_node *n) {
    static const char *const ops[] = {"RandomNormal", "RandomUniform", "RandomNormalLike",
                                      "RandomUniformLike", "Multinomial", "Bernoulli", "Dropout"};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++)
        if (!strcmp(n->op_type, ops[i])) return true;
    return false;
}

/* A step whose inputs are all known at plan time, outputs all plain values. */
static bool foldable(const lp_plan *p, const lp_step *st) {
    const lp_node *n = st->node;
    if (st->call || n->n_implicit || *n->domain || nondeterministic(n)) return false;
    for (int i = 0; i < n->n_attrs; i++)
        if (n->attrs[i].g || n->attrs[i].type == LP_ATTR_GRAPHS) return false;
    for (int k = 0; k < st->n_in; k++)
        if (st->in[k] && !p->konst[st->in[k] - p->frame.vals]) return false;
    for (int k = 0; k < st->n_out; k++)
        if (st->out[k] && p->g->values[st->out[k] - p->frame.vals].is_output) return false;
    return true;
}

/* Constant folding: runs a foldable step once, now; its outputs become
** constants of the plan and the step is skipped when running. A failure
** leaves the step to fail at run time, where it is reported. */
static void fold_step(lp_session *s, lp_plan *p, lp_step *st) {
    lp_error err = {0};
    lp_kctx k = {.node = st->node, .graph = p->g, .opset = st->node->opset, .in = st->in,
                 .n_in = st->n_in, .out = st->out, .n_out = st->n_out, .state = st->state,
                 .sess = s, .frame = &p->frame, .err = &err, .threads = s->opts.threads};
    bool ok = st->kernel->run(&k) == LP_OK;
    for (int i = 0; ok && i < st->n_out; i++)
        ok = !st->out[i] || st->out[i]->kind == LP_RV_TENSOR;
    for (int i = 0; i < st->n_out; i++) {
        if (!st->out[i]) continue;
        if (!ok) {
            lp_frame_release(s, st->out[i]);
            continue;
        }
        int v = (int)(st->out[i] - p->frame.vals);
        p->konst[v] = p->keep[v] = true;
    }
    st->skip = ok;
}

/* ---- Concat in place ---- */

/* Whether the frame itself makes value v: a node's output that is not a
** graph output, initializer, outer value or folded constant. */
static bool frame_made(const lp_plan *p, int v) {
    return p->g->values[v].producer >= 0 && !p->keep[v] && !p->konst[v];
}

/* The bytes of a value whose type is known in full at plan time: a tensor of
** a fixed-size element type with every dim given. */
static bool static_bytes(const lp_type *t, size_t *bytes) {
    if (t->kind != LP_KIND_TENSOR || t->rank < 1 || t->elem == LP_UNDEFINED || t->elem == LP_STRING)
        return false;
    size_t n = lp_dtype_size(t->elem);
    if (!n) return false;
    for (int d = 0; d < t->rank; d++)
        if (t->dims[d].value < 0 || lp_mul_size(n, (size_t)t->dims[d].value, &n)) return false;
    *bytes = n;
    return true;
}

/* A Concat along an axis whose outer dims are all 1 lays its inputs end to
** end. When every shape is known at plan time, an input's producer can
** write straight into the Concat's output at the input's offset (lp_out
** does it, kernel_ctx.c) and the Concat finds it in place. An input
** qualifies if the frame makes it (not a graph input or output, initializer,
** constant or outer value), this Concat is its one reader, through one slot,
** and its offset keeps the pool's 64-byte alignment. One level only: the
** output of a Concat with views is no view itself. Liveness needs nothing
** more: only the Concat writes its output, freed (or moved out) after its
** own readers; the views own nothing and die at the Concat. */
static void plan_concat_views(lp_session *s, lp_plan *p) {
    const lp_graph *g = p->g;
    int *uses = lp_xcalloc((size_t)g->n_values + 1, sizeof *uses);
    bool *has_views = lp_xcalloc((size_t)g->n_values + 1, sizeof *has_views);
    for (int i = 0; i < g->n_nodes; i++) {
        const lp_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0) uses[n->inputs[k]]++;
        for (int k = 0; k < n->n_implicit; k++) uses[n->implicit[k]]++;
    }
    for (int i = 0; i < p->n_steps; i++) {
        const lp_step *st = &p->steps[i];
        const lp_node *n = st->node;
        if (st->skip || st->call || !st->kernel || *n->domain || strcmp(n->op_type, "Concat") ||
            n->n_outputs != 1 || n->outputs[0] < 0 || n->n_inputs < 1)
            continue;
        int c = n->outputs[0];
        const lp_type *ct = &g->values[c].type;
        size_t total, at = 0;
        if (p->konst[c] || !static_bytes(ct, &total)) continue;
        int axis = lp_norm_axis(lp_attr_int(n, "axis", 1), ct->rank);
        bool ok = axis >= 0;
        for (int d = 0; ok && d < axis; d++) ok = ct->dims[d].value == 1;
        int64_t sum = 0;
        for (int k = 0; ok && k < n->n_inputs; k++) {
            const lp_type *t = n->inputs[k] >= 0 ? &g->values[n->inputs[k]].type : NULL;
            size_t bytes;
            ok = t && static_bytes(t, &bytes) && t->elem == ct->elem && t->rank == ct->rank;
            for (int d = 0; ok && d < ct->rank; d++)
                ok = d == axis || t->dims[d].value == ct->dims[d].value;
            if (ok) sum += t->dims[axis].value, at += bytes;
        }
        if (!ok || sum != ct->dims[axis].value || at != total) continue;
        at = 0;
        for (int k = 0; k < n->n_inputs; k++) {
            int x = n->inputs[k];
            size_t bytes;
            static_bytes(&g->values[x].type, &bytes);
            if (frame_made(p, x) && uses[x] == 1 && !has_views[x] && bytes > 0 && at % 64 == 0) {
                if (!p->frame.views) {
                    p->frame.views = lp_arena_array(&s->arena, (size_t)g->n_values + 1,
                                                    sizeof *p->frame.views);
                    for (int v = 0; v < g->n_values; v++) p->frame.views[v].of = -1;
                }
                p->frame.views[x] =
                    (lp_view){.of = c, .at = at, .type = &g->values[x].type, .whole = ct,
                              .total = total};
                has_views[c] = true;
            }
            at += bytes;
        }
    }
    free(uses);
    free(has_views);
}

static int build_plan(lp_session *s, const lp_graph *g, const lp_node *caller, int depth,
                      lp_plan **out, lp_error *err) {
    if (depth > MAX_DEPTH)
        return lp_fail(err, LP_EUNSUPPORTED, "%s: functions or subgraphs nest more than %d deep",
                       s->model->path, MAX_DEPTH);
    lp_plan *p = lp_arena_alloc(&s->arena, sizeof *p);
    p->g = g;
    p->n_steps = g->n_nodes;
    p->steps = lp_arena_array(&s->arena, (size_t)g->n_nodes, sizeof *p->steps);
    p->frame.n_vals = g->n_values;
    p->frame.vals = lp_xcalloc((size_t)g->n_values + 1, sizeof *p->frame.vals);
    p->keep = lp_arena_array(&s->arena, (size_t)g->n_values + 1, sizeof *p->keep);
    p->konst = lp_arena_array(&s->arena, (size_t)g->n_values + 1, sizeof *p->konst);
    *out = p;
    if (s->n_all == s->cap_all) {
        s->cap_all = s->cap_all ? s->cap_all * 2 : 8;
        s->all = lp_xrealloc(s->all, (size_t)s->cap_all * sizeof *s->all);
    }
    s->all[s->n_all++] = p; /* freed with the session, even if planning fails below */

    for (int v = 0; v < g->n_values; v++) {
        const lp_value *val = &g->values[v];
        if (val->is_output || val->init >= 0 || val->outer >= 0) p->keep[v] = true;
        if (val->constant) {
            p->konst[v] = true;
            p->frame.vals[v].kind = LP_RV_TENSOR;
            p->frame.vals[v].t = *val->constant;
            p->frame.vals[v].t.owned = false;
            p->frame.vals[v].borrowed = true;
        }
    }

    int rc = LP_OK;
    lp_plan *outer_plan = s->planning;
    int outer_step = s->planning_step;
    for (int i = 0; i < g->n_nodes && rc == LP_OK; i++) {
        lp_step *st = &p->steps[i];
        const lp_node *n = resolve_node(s, &g->nodes[i], caller);
        st->node = n;
        st->n_in = n->n_inputs;
        st->n_out = n->n_outputs;
        st->in = lp_arena_array(&s->arena, (size_t)n->n_inputs, sizeof *st->in);
        st->out = lp_arena_array(&s->arena, (size_t)n->n_outputs, sizeof *st->out);
        for (int k = 0; k < n->n_inputs; k++)
            st->in[k] = n->inputs[k] >= 0 ? &p->frame.vals[n->inputs[k]] : NULL;
        for (int k = 0; k < n->n_outputs; k++)
            st->out[k] = n->outputs[k] >= 0 ? &p->frame.vals[n->outputs[k]] : NULL;
        if (st->skip) continue; /* absorbed by an earlier step's prepare */
        if (n->function >= 0) {
            const lp_function *f = &s->model->functions[n->function];
            rc = build_plan(s, f->body, n, depth + 1, &st->call, err);
            continue;
        }
        st->kernel = lp_registry_find(n->domain, n->op_type, n->opset);
        if (!st->kernel) {
            char label[256];
            rc = lp_fail(err, LP_EUNSUPPORTED, "%s: no kernel for node '%s' (%s%s%s, opset %d)",
                         s->model->path, lp_node_label(n, label, sizeof label),
                         *n->domain ? n->domain : "", *n->domain ? "." : "", n->op_type, n->opset);
            break;
        }
        rc = plan_subgraphs(s, n, depth, err);
        if (rc) break;
        if (st->kernel->prepare) {
            lp_rvalue **cin = lp_arena_array(&s->arena, (size_t)n->n_inputs, sizeof *cin);
            for (int k = 0; k < n->n_inputs; k++)
                if (n->inputs[k] >= 0 && p->konst[n->inputs[k]]) cin[k] = st->in[k];
            lp_kctx k = {.node = n, .graph = g, .opset = n->opset, .in = cin, .n_in = n->n_inputs,
                         .sess = s, .err = err, .threads = s->opts.threads};
            s->planning = p;
            s->planning_step = i;
            rc = st->kernel->prepare(&k);
            s->planning = outer_plan;
            s->planning_step = outer_step;
            st->state = k.state;
            if (rc) break;
        }
        if (!s->opts.no_fuse && foldable(p, st)) fold_step(s, p, st);
    }
    if (rc) return rc;
    plan_concat_views(s, p);

    /* liveness: a value dies after its last reader (skipped steps count, to stay simple) */
    int *last = lp_xcalloc((size_t)g->n_values + 1, sizeof *last);
    for (int v = 0; v < g->n_values; v++) last[v] = g->values[v].producer;
    for (int i = 0; i < g->n_nodes; i++) {
        const lp_node *n = &g->nodes[i];
        for (int k = 0; k < n->n_inputs; k++)
            if (n->inputs[k] >= 0) last[n->inputs[k]] = i;
        for (int k = 0; k < n->n_implicit; k++) last[n->implicit[k]] = i;
    }
    int *nfree = lp_xcalloc((size_t)g->n_nodes + 1, sizeof *nfree);
    for (int v = 0; v < g->n_values; v++)
        if (!p->keep[v] && last[v] >= 0) nfree[last[v]]++;
    for (int i = 0; i < g->n_nodes; i++)
        p->steps[i].frees = lp_arena_array(&s->arena, (size_t)nfree[i], sizeof(int));
    for (int v = 0; v < g->n_values; v++)
        if (!p->keep[v] && last[v] >= 0) {
            lp_step *st = &p->steps[last[v]];
            st->frees[st->n_frees++] = v;
        }
    /* Inputs a kernel may take over (lp_out_take): values this step frees
    ** that the frame itself made (not graph inputs, which are borrowed),
    ** read through one slot of the step and by none of its subgraphs. Using
    ** st->in covers the extra inputs fused steps read, whose last reader is
    ** always a later (absorbed) node. */
    for (int i = 0; i < g->n_nodes; i++) {
        lp_step *st = &p->steps[i];
        for (int k = 0; k < st->n_in && k < 32; k++) {
            if (!st->in[k]) continue;
            int v = (int)(st->in[k] - p->frame.vals);
            if (!frame_made(p, v) || last[v] != i) continue;
            int uses = 0;
            for (int j = 0; j < st->n_in; j++) uses += st->in[j] == st->in[k];
            for (int j = 0; j < g->nodes[i].n_implicit; j++) uses += g->nodes[i].implicit[j] == v;
            if (uses == 1) st->dying |= 1u << k;
        }
    }
    free(last);
    free(nfree);
    return LP_OK;
}

/* ---- support check ---- */

static void check_graph(const lp_model *m, const lp_graph *g, lp_buf *missing, int *count) {
    for (int i = 0; i < g->n_nodes; i++) {
        const lp_node *n = &g->nodes[i];
        if (n->function >= 0) continue;
        if (lp_registry_find(n->domain, n->op_type, n->opset)) continue;
        char item[300];
        snprintf(item, sizeof item, "(%s, %s, %d)", *n->domain ? n->domain : "ai.onnx", n->op_type,
                 n->opset);
        if (missing->data && strstr(missing->data, item)) continue;
        lp_buf_printf(missing, "%s%s", *count ? ", " : "", item);
        (*count)++;
    }
    (void)m;
}

int lp_session_check_support(const lp_model *m, lp_error *err) {
    lp_buf missing = {0};
    int count = 0;
    for (int i = 0; i < m->n_graphs; i++) check_graph(m, m->graphs[i], &missing, &count);
    int rc = LP_OK;
    if (count)
        rc = lp_fail(err, LP_EUNSUPPORTED, "%s: no kernel for %d operator%s: %s", m->path, count,
                     count == 1 ? "" : "s", missing.data);
    lp_buf_free(&missing);
    return rc;
}

/* ---- create / free ---- */

int lp_session_create(const lp_model *m, const lp_session_opts *opts, lp_session **out,
                      lp_error *err) {
    *out = NULL;
    int rc = lp_session_check_support(m, err);
    if (rc) return rc;
    lp_session *s = lp_xcalloc(1, sizeof *s);
    s->model = m;
    if (opts) s->opts = *opts;
    if (s->opts.threads > 0) openblas_set_num_threads(s->opts.threads);
    lp_plan *p;
    rc = build_plan(s, m->graph, NULL, 0, &p, err);
    if (rc == LP_OK) {
        s->main = p;
        add_plan(s, m->graph, p);
    } else {
        /* keep it findable for freeing */
        lp_session_free(s);
        return rc;
    }
    int n = m->graph->n_nodes;
    s->profile = lp_xcalloc((size_t)n + 1, sizeof *s->profile);
    for (int i = 0; i < n; i++) {
        s->profile[i].node = i;
        s->profile[i].op_type = m->graph->nodes[i].op_type;
        s->profile[i].name = m->graph->nodes[i].name;
    }
    *out = s;
    return LP_OK;
}

static void free_plan(lp_plan *p) {
    for (int i = 0; i < p->n_steps; i++) {
        lp_step *st = &p->steps[i];
        if (st->state && st->kernel && st->kernel->release) st->kernel->release(st->state);
    }
    for (int v = 0; v < p->frame.n_vals; v++) lp_rvalue_clear(&p->frame.vals[v]);
    free(p->frame.vals);
    p->frame.vals = NULL;
    p->n_steps = 0;
}

void lp_session_free(lp_session *s) {
    if (!s) return;
    for (int i = 0; i < s->n_all; i++) free_plan(s->all[i]);
    free(s->all);
    if (s->outs)
        for (int i = 0; i < s->model->graph->n_outputs; i++) lp_rvalue_clear(&s->outs[i]);
    free(s->outs);
    for (int i = 0; i < s->n_pool; i++) free(s->pool[i].p);
    free(s->pool);
    free(s->plans);
    free(s->plan_graphs);
    free(s->scratch);
    free(s->profile);
    lp_arena_free(&s->arena);
    free(s);
}

const lp_model *lp_session_model(const lp_session *s) { return s->model; }

int lp_session_profile(const lp_session *s, const lp_node_profile **rows) {
    *rows = s->profile;
    return s->model->graph->n_nodes;
}

void lp_session_profile_reset(lp_session *s) {
    for (int i = 0; i < s->model->graph->n_nodes; i++) {
        s->profile[i].total_ms = 0;
        s->profile[i].calls = 0;
    }
}

/* ---- running ---- */

/* Moves a finished value out of a frame; borrowed data is copied. */
static int move_out(lp_rvalue *dst, lp_rvalue *src, lp_error *err) {
    lp_rvalue_clear(dst);
    bool borrowed = src->borrowed || (src->kind == LP_RV_TENSOR && !src->t.owned);
    if (borrowed) return lp_rvalue_copy(dst, src, err);
    *dst = *src;
    memset(src, 0, sizeof *src);
    return LP_OK;
}

int lp_plan_run(lp_session *s, lp_plan *p, lp_frame *parent, lp_rvalue **ins, int n_ins,
                lp_rvalue *outs, lp_error *err) {
    const lp_graph *g = p->g;
    if (p->depth > 0)
        return lp_fail(err, LP_EUNSUPPORTED, "%s: graph '%s' calls itself", s->model->path,
                       g->name);
    p->depth++;
    p->frame.parent = parent;
    int rc = LP_OK;
    /* bind inputs and outer values (borrowed) */
    for (int i = 0; i < g->n_inputs; i++) {
        lp_rvalue *v = &p->frame.vals[g->inputs[i]];
        lp_frame_release(s, v);
        if (i < n_ins && ins[i]) lp_rvalue_borrow(v, ins[i]);
    }
    for (int v = 0; v < g->n_values; v++) {
        int o = g->values[v].outer;
        if (o < 0) continue;
        lp_rvalue_clear(&p->frame.vals[v]);
        if (parent && o < parent->n_vals) lp_rvalue_borrow(&p->frame.vals[v], &parent->vals[o]);
    }
    bool profile = s->opts.profile && p == s->main;
    for (int i = 0; i < p->n_steps && rc == LP_OK; i++) {
        lp_step *st = &p->steps[i];
        double t0 = profile ? lp_now_ms() : 0;
        if (st->skip) {
            /* folded or absorbed at plan time */
        } else if (st->call) {
            lp_rvalue *tmp = lp_xcalloc((size_t)st->n_out + 1, sizeof *tmp);
            rc = lp_plan_run(s, st->call, NULL, st->in, st->n_in, tmp, err);
            for (int k = 0; k < st->n_out; k++) {
                if (st->out[k] && rc == LP_OK) {
                    lp_frame_release(s, st->out[k]);
                    *st->out[k] = tmp[k];
                } else {
                    lp_frame_release(s, &tmp[k]);
                }
            }
            free(tmp);
        } else {
            lp_kctx k = {.node = st->node, .graph = g, .opset = st->node->opset, .in = st->in,
                         .n_in = st->n_in, .out = st->out, .n_out = st->n_out, .state = st->state,
                         .sess = s, .frame = &p->frame, .err = err, .threads = s->opts.threads,
                         .dying = st->dying};
            rc = st->kernel->run(&k);
        }
        if (profile && !st->skip) {
            s->profile[i].total_ms += lp_now_ms() - t0;
            s->profile[i].calls++;
        }
        if (s->opts.on_node && p == s->main && !st->skip && rc == LP_OK)
            s->opts.on_node(s->opts.on_node_ctx, st->node, st->out, st->n_out);
        for (int f = 0; f < st->n_frees; f++) lp_frame_release(s, &p->frame.vals[st->frees[f]]);
    }
    if (rc == LP_OK && outs) {
        for (int i = 0; i < g->n_outputs && rc == LP_OK; i++) {
            /* a value listed as output twice is copied until its last listing moves it */
            bool again = false;
            for (int j = i + 1; j < g->n_outputs; j++) again |= g->outputs[j] == g->outputs[i];
            lp_rvalue *v = &p->frame.vals[g->outputs[i]];
            rc = again ? lp_rvalue_copy(&outs[i], v, err) : move_out(&outs[i], v, err);
        }
    }
    /* inputs and outer values were borrowed: forget them */
    for (int i = 0; i < g->n_inputs; i++) {
        lp_rvalue *v = &p->frame.vals[g->inputs[i]];
        if (v->borrowed) memset(v, 0, sizeof *v);
    }
    for (int v = 0; v < g->n_values; v++)
        if (g->values[v].outer >= 0) memset(&p->frame.vals[v], 0, sizeof p->frame.vals[v]);
    if (outs || rc != LP_OK) {
        /* a subgraph (or a failed run): release what is left */
        for (int v = 0; v < g->n_values; v++)
            if (!p->konst[v] && g->values[v].outer < 0) lp_frame_release(s, &p->frame.vals[v]);
    }
    p->depth--;
    return rc;
}

static bool dtype_matches(lp_dtype declared, lp_dtype given) {
    return declared == LP_UNDEFINED || declared == given;
}

static int check_input(const lp_session *s, const lp_value *val, const lp_rvalue *in,
                       lp_error *err) {
    const lp_type *t = &val->type;
    if (t->kind != LP_KIND_TENSOR) return LP_OK;
    if (in->kind != LP_RV_TENSOR)
        return lp_fail(err, LP_EINPUT, "%s: input '%s' needs a tensor", s->model->path, val->name);
    char want[256], got[256];
    if (!dtype_matches(t->elem, in->t.dtype))
        return lp_fail(err, LP_EINPUT, "%s: input '%s' is %s, the model expects %s",
                       s->model->path, val->name, lp_dtype_name(in->t.dtype),
                       lp_dtype_name(t->elem));
    if (t->rank < 0) return LP_OK;
    bool ok = in->t.rank == t->rank;
    for (int i = 0; ok && i < t->rank; i++)
        if (t->dims[i].value >= 0 && t->dims[i].value != in->t.dims[i]) ok = false;
    if (!ok)
        return lp_fail(err, LP_EINPUT, "%s: input '%s' has shape [%s], the model expects [%s]",
                       s->model->path, val->name,
                       lp_dims_str(in->t.rank, in->t.dims, got, sizeof got, true),
                       lp_shape_str(t, want, sizeof want, true));
    return LP_OK;
}

int lp_session_run(lp_session *s, const lp_rvalue *inputs, int n_inputs, lp_rvalue **outputs,
                   lp_error *err) {
    const lp_graph *g = s->model->graph;
    if (n_inputs != g->n_inputs)
        return lp_fail(err, LP_EINPUT, "%s: the model takes %d input%s, %d given", s->model->path,
                       g->n_inputs, g->n_inputs == 1 ? "" : "s", n_inputs);
    for (int i = 0; i < n_inputs; i++) {
        int rc = check_input(s, &g->values[g->inputs[i]], &inputs[i], err);
        if (rc) return rc;
    }
    lp_rvalue **ins = lp_xcalloc((size_t)n_inputs + 1, sizeof *ins);
    for (int i = 0; i < n_inputs; i++) ins[i] = (lp_rvalue *)&inputs[i];
    if (!s->outs) s->outs = lp_xcalloc((size_t)g->n_outputs + 1, sizeof *s->outs);
    for (int i = 0; i < g->n_outputs; i++) lp_frame_release(s, &s->outs[i]);
    int rc = lp_plan_run(s, s->main, NULL, ins, n_inputs, s->outs, err);
    free(ins);
    if (rc) return rc;
    if (outputs)
        for (int i = 0; i < g->n_outputs; i++) outputs[i] = &s->outs[i];
    return LP_OK;
}
