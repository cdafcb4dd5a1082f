/*
** cmd_check.c — `loupe check`: runs ONNX backend test cases and compares
** their outputs. Each case runs in a child process with a time limit, so a
** crash or a hang costs that case only (and counts as FAIL).
*/
#include "model/ir.h"
#include "model/tensor_io.h"
#include "ops/compare.h"
#include "ops/inputs.h"
#include "ops/session.h"
#include "tui/cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct check_case {
    char *name;  /* shown in the report */
    char *model; /* model.onnx path */
    char *dir;   /* the case folder (NULL for a light-style flat model) */
    char *light_output; /* for flat models: NAME_output_0.pb */
} check_case;

typedef struct case_list {
    check_case *items;
    int n, cap;
} case_list;

static double tol_rel = 1e-3, tol_abs = 1e-5;
static bool no_fuse;

static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static void add_case(case_list *l, const char *name, const char *model, const char *dir,
                     const char *light_output) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = lp_xrealloc(l->items, (size_t)l->cap * sizeof *l->items);
    }
    l->items[l->n++] = (check_case){lp_xstrdup(name), lp_xstrdup(model),
                                    dir ? lp_xstrdup(dir) : NULL,
                                    light_output ? lp_xstrdup(light_output) : NULL};
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *base_name(const char *p) {
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/') s--;
    return s;
}

/* A flat model (light/): NAME.onnx beside NAME_output_0.pb. */
static bool add_flat(case_list *l, const char *path) {
    size_t n = strlen(path);
    if (n < 6 || strcmp(path + n - 5, ".onnx")) return false;
    char out[4096];
    snprintf(out, sizeof out, "%.*s_output_0.pb", (int)(n - 5), path);
    if (!is_file(out)) return false;
    char name[512];
    snprintf(name, sizeof name, "%.*s", (int)strlen(base_name(path)) - 5, base_name(path));
    add_case(l, name, path, NULL, out);
    return true;
}

static int collect(case_list *l, const char *arg) {
    char model[4096];
    if (is_file(arg)) {
        if (add_flat(l, arg)) return 0;
        fprintf(stderr, "loupe: %s: not a test case (no NAME_output_0.pb beside it)\n", arg);
        return 2;
    }
    if (!is_dir(arg)) {
        fprintf(stderr, "loupe: %s: no such case or suite\n", arg);
        return 2;
    }
    snprintf(model, sizeof model, "%s/model.onnx", arg);
    if (is_file(model)) {
        char name[512];
        snprintf(name, sizeof name, "%s", base_name(arg));
        char *slash = strchr(name, '/');
        if (slash) *slash = 0;
        add_case(l, name, model, arg, NULL);
        return 0;
    }
    DIR *d = opendir(arg);
    if (!d) {
        fprintf(stderr, "loupe: %s: cannot list: %s\n", arg, strerror(errno));
        return 2;
    }
    char **names = NULL;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        names = lp_xrealloc(names, (size_t)(n + 1) * sizeof *names);
        names[n++] = lp_xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmp_str);
    int found = 0;
    for (int i = 0; i < n; i++) {
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", arg, names[i]);
        snprintf(model, sizeof model, "%s/model.onnx", sub);
        if (is_file(model)) {
            add_case(l, names[i], model, sub, NULL);
            found++;
        } else if (add_flat(l, sub)) {
            found++;
        }
        free(names[i]);
    }
    free(names);
    if (!found) {
        fprintf(stderr, "loupe: %s: holds no test cases\n", arg);
        return 2;
    }
    return 0;
}

/* ---- running one case (in the child) ---- */

static int ramp_input(const lp_value *v, lp_rvalue *out, lp_error *err) {
    const lp_type *t = &v->type;
    int64_t dims[LP_MAX_RANK];
    int rank = lp_concrete_shape(t, 1, dims); /* unknown dims are 1, as upstream's runner does */
    out->kind = LP_RV_TENSOR;
    int rc = lp_tensor_alloc(&out->t, t->elem ? t->elem : LP_FLOAT, rank, dims, err);
    if (rc) return rc;
    for (int64_t i = 0; i < out->t.numel; i++)
        lp_store_f64(out->t.dtype, out->t.data, (size_t)i, (double)i / (double)out->t.numel);
    return LP_OK;
}

/* Returns 0 PASS, 1 FAIL, 3 UNSUPPORTED; writes the reason. */
static int run_case(const check_case *c, char *why, size_t n) {
    lp_error err = {0};
    lp_model *m = NULL;
    int rc = lp_model_load(c->model, &m, &err);
    if (rc) {
        snprintf(why, n, "%s", err.msg);
        return 1;
    }
    lp_session *s = NULL;
    lp_session_opts opts = {.threads = 1, .no_fuse = no_fuse};
    rc = lp_session_create(m, &opts, &s, &err);
    if (rc) {
        snprintf(why, n, "%s", err.msg);
        lp_model_free(m);
        return rc == LP_EUNSUPPORTED ? 3 : 1;
    }
    const lp_graph *g = m->graph;
    int result = 0;
    int sets = 0;
    for (int set = 0; result == 0; set++) {
        char dir[4096];
        if (c->dir) {
            snprintf(dir, sizeof dir, "%s/test_data_set_%d", c->dir, set);
            if (!is_dir(dir)) break;
        } else if (set > 0) {
            break;
        }
        sets++;
        lp_rvalue *ins = lp_xcalloc((size_t)g->n_inputs + 1, sizeof *ins);
        for (int i = 0; i < g->n_inputs && result == 0; i++) {
            const lp_value *v = &g->values[g->inputs[i]];
            char path[4200];
            if (!c->dir) {
                rc = ramp_input(v, &ins[i], &err);
            } else {
                snprintf(path, sizeof path, "%s/input_%d.pb", dir, i);
                if (!is_file(path)) {
                    if (v->type.kind == LP_KIND_OPTIONAL) ins[i].optional_none = true;
                    continue; /* an omitted optional input */
                }
                rc = lp_rvalue_load_pb(path, &v->type, &ins[i], &err);
            }
            if (rc) {
                snprintf(why, n, "input %d: %s", i, err.msg);
                result = 1;
            }
        }
        lp_rvalue **outs = lp_xcalloc((size_t)g->n_outputs + 1, sizeof *outs);
        if (result == 0) {
            rc = lp_session_run(s, ins, g->n_inputs, outs, &err);
            if (rc) {
                snprintf(why, n, "%s", err.msg);
                result = 1;
            }
        }
        for (int o = 0; o < g->n_outputs && result == 0; o++) {
            char path[4200];
            if (c->dir) snprintf(path, sizeof path, "%s/output_%d.pb", dir, o);
            else if (o == 0) snprintf(path, sizeof path, "%s", c->light_output);
            else break;
            if (!is_file(path)) continue;
            lp_rvalue want = {0};
            rc = lp_rvalue_load_pb(path, &g->values[g->outputs[o]].type, &want, &err);
            if (rc) {
                snprintf(why, n, "output %d: %s", o, err.msg);
                result = 1;
                break;
            }
            char diff[600];
            if (!lp_rvalue_matches(&want, outs[o], tol_rel, tol_abs, diff, sizeof diff)) {
                snprintf(why, n, "output %d '%s': %s", o, g->values[g->outputs[o]].name, diff);
                result = 1;
            }
            lp_rvalue_clear(&want);
        }
        for (int i = 0; i < g->n_inputs; i++) lp_rvalue_clear(&ins[i]);
        free(ins);
        free(outs);
    }
    if (result == 0 && sets == 0) {
        snprintf(why, n, "no test_data_set_* folder");
        result = 1;
    }
    lp_session_free(s);
    lp_model_free(m);
    return result;
}

/* ---- the parent: children, time limits, the report ---- */

typedef struct child {
    pid_t pid;
    int fd;
    int index;
    double started;
    char buf[2048];
    size_t len;
} child;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *status_word(int st) {
    return st == 0 ? "PASS" : st == 3 ? "UNSUPPORTED" : "FAIL";
}

static void usage(FILE *f) {
    fprintf(f, "usage: loupe check CASE_DIR|SUITE_DIR|MODEL.onnx... [options]\n\n"
               "Runs ONNX backend test cases (model.onnx + test_data_set_N/{input,output}_K.pb;\n"
               "or NAME.onnx beside NAME_output_0.pb, fed arange(n)/n) and compares outputs:\n"
               "dtype and shape must match, values within atol + rtol*|expected|, NaN == NaN.\n"
               "Prints 'PASS|FAIL|UNSUPPORTED name reason' per case, then a summary.\n\n"
               "  --tsv FILE      also write name<TAB>status<TAB>reason lines to FILE\n"
               "  --jobs N        cases run in parallel (default 2)\n"
               "  --timeout S     seconds per case before it counts as FAIL (default 120)\n"
               "  --rtol X        relative tolerance (default 1e-3)\n"
               "  --atol X        absolute tolerance (default 1e-5)\n"
               "  -q, --quiet     print only failures and the summary\n"
               "  --no-fuse       run the graph as written: no constant folding, no fusion\n");
}

int cmd_check(int argc, char **argv) {
    static const struct option longopts[] = {
        {"tsv", required_argument, 0, 't'},  {"jobs", required_argument, 0, 'j'},
        {"timeout", required_argument, 0, 'T'}, {"rtol", required_argument, 0, 'r'},
        {"atol", required_argument, 0, 'a'}, {"quiet", no_argument, 0, 'q'},
        {"no-fuse", no_argument, 0, 'F'},    {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *tsv = NULL;
    int jobs = 2, quiet = 0;
    double timeout = 120;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qhj:", longopts, NULL)) != -1) {
        switch (c) {
        case 't': tsv = optarg; break;
        case 'j': jobs = atoi(optarg); break;
        case 'T': timeout = atof(optarg); break;
        case 'r': tol_rel = atof(optarg); break;
        case 'a': tol_abs = atof(optarg); break;
        case 'q': quiet = 1; break;
        case 'F': no_fuse = true; break;
        case 'h': usage(stdout); return 0;
        default: return lp_cli_usage("check", "unknown option");
        }
    }
    if (optind >= argc) return lp_cli_usage("check", "give at least one case or suite folder");
    if (jobs < 1) jobs = 1;
    case_list cases = {0};
    for (int i = optind; i < argc; i++) {
        int rc = collect(&cases, argv[i]);
        if (rc) return rc;
    }
    FILE *tf = NULL;
    if (tsv && !(tf = fopen(tsv, "w"))) {
        fprintf(stderr, "loupe: %s: cannot write\n", tsv);
        return 2;
    }
    fflush(stdout);
    int *status = lp_xcalloc((size_t)cases.n + 1, sizeof *status);
    char **reasons = lp_xcalloc((size_t)cases.n + 1, sizeof *reasons);
    child *kids = lp_xcalloc((size_t)jobs, sizeof *kids);
    for (int j = 0; j < jobs; j++) kids[j].pid = 0;
    int next = 0, running = 0, printed = 0;
    int passed = 0, failed = 0, unsupported = 0;
    while (next < cases.n || running > 0) {
        /* start children */
        for (int j = 0; j < jobs && next < cases.n; j++) {
            if (kids[j].pid) continue;
            int fds[2];
            if (pipe(fds) != 0) break;
            pid_t pid = fork();
            if (pid == 0) {
                close(fds[0]);
                char why[1500] = "";
                int st = run_case(&cases.items[next], why, sizeof why);
                char line[2048];
                int len = snprintf(line, sizeof line, "%d %s", st, why);
                if (write(fds[1], line, (size_t)len) < 0) _exit(4);
                close(fds[1]);
                _exit(0);
            }
            close(fds[1]);
            kids[j] = (child){.pid = pid, .fd = fds[0], .index = next, .started = now_s()};
            next++;
            running++;
        }
        /* wait for output or a time limit */
        struct pollfd pfd[64];
        int np = 0;
        for (int j = 0; j < jobs && np < 64; j++)
            if (kids[j].pid) pfd[np++] = (struct pollfd){.fd = kids[j].fd, .events = POLLIN};
        poll(pfd, (nfds_t)np, 200);
        for (int j = 0; j < jobs; j++) {
            child *k = &kids[j];
            if (!k->pid) continue;
            struct pollfd one = {.fd = k->fd, .events = POLLIN};
            bool eof = false;
            while (poll(&one, 1, 0) > 0) {
                ssize_t r = read(k->fd, k->buf + k->len, sizeof k->buf - 1 - k->len);
                if (r <= 0) {
                    eof = true;
                    break;
                }
                k->len += (size_t)r;
            }
            bool late = now_s() - k->started > timeout;
            if (!eof && !late) continue;
            int wst = 0;
            if (late && !eof) kill(k->pid, SIGKILL);
            waitpid(k->pid, &wst, 0);
            close(k->fd);
            k->buf[k->len] = 0;
            int st;
            char reason[1600];
            if (late && !eof) {
                st = 1;
                snprintf(reason, sizeof reason, "timed out after %.0f s", timeout);
            } else if (WIFSIGNALED(wst)) {
                st = 1;
                snprintf(reason, sizeof reason, "crashed (signal %d: %s)", WTERMSIG(wst),
                         strsignal(WTERMSIG(wst)));
            } else if (k->len == 0 || (WIFEXITED(wst) && WEXITSTATUS(wst) != 0)) {
                st = 1;
                snprintf(reason, sizeof reason, "the case process exited with status %d",
                         WIFEXITED(wst) ? WEXITSTATUS(wst) : -1);
            } else {
                st = atoi(k->buf);
                const char *sp = strchr(k->buf, ' ');
                snprintf(reason, sizeof reason, "%s", sp ? sp + 1 : "");
                for (char *p = reason; *p; p++)
                    if (*p == '\n' || *p == '\t') *p = ' ';
            }
            status[k->index] = st + 100; /* done */
            reasons[k->index] = lp_xstrdup(reason);
            k->pid = 0;
            running--;
        }
        /* print finished cases in order */
        while (printed < cases.n && status[printed] >= 100) {
            int st = status[printed] - 100;
            const check_case *cc = &cases.items[printed];
            if (st == 0) passed++;
            else if (st == 3) unsupported++;
            else failed++;
            if (!quiet || st == 1)
                printf("%s %s%s%s\n", status_word(st), cc->name, *reasons[printed] ? " " : "",
                       reasons[printed]);
            if (tf) fprintf(tf, "%s\t%s\t%s\n", cc->name, status_word(st), reasons[printed]);
            fflush(stdout);
            printed++;
        }
    }
    printf("%d passed, %d failed, %d unsupported\n", passed, failed, unsupported);
    if (tf) fclose(tf);
    for (int i = 0; i < cases.n; i++) {
        free(cases.items[i].name);
        free(cases.items[i].model);
        free(cases.items[i].dir);
        free(cases.items[i].light_output);
        free(reasons[i]);
    }
    free(cases.items);
    free(reasons);
    free(status);
    free(kids);
    return failed ? 1 : 0;
}
