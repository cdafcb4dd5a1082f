/*
** cmd_meta.c — `loupe meta`: show a package's metadata.json and labels,
** validate them against the OML rules and the model, and change them
** (set, unset, labels) with a safe save that refuses to break the package.
*/
#include "model/package.h"
#include "tui/cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
    "usage: loupe meta PKG [--json]                  show metadata.json and label.txt\n"
    "       loupe meta PKG validate [--json]         check them against the OML rules and the model\n"
    "       loupe meta PKG set KEY VALUE [options]   set one field of metadata.json\n"
    "       loupe meta PKG unset KEY [options]       remove one field\n"
    "       loupe meta PKG labels FILE [options]     replace label.txt (one label per line)\n"
    "       loupe meta PKG labels --remove [options] remove label.txt\n"
    "\n"
    "PKG is an OML package (.zip with a .onnx model, metadata.json and an optional label.txt)\n"
    "or a bare .onnx model; changing a bare model writes NAME.zip beside it.\n"
    "\n"
    "VALUE is JSON: 224, [0.5, 0.5, 0.5], \"text\", true. A word that is not JSON is taken as\n"
    "a string (set function regression). Put -- before a value that starts with '-'.\n"
    "\n"
    "A change is validated before it is saved: when it adds an error (a wrong type, an output\n"
    "the model does not have, a mandatory field removed, ...), nothing is written and the\n"
    "problem is printed, exit 2. Saving writes a temporary file and renames it over the\n"
    "package; the first time a package is changed, the original is kept as PKG.bak.\n"
    "\n"
    "options:\n"
    "  --json            print JSON (show and validate)\n"
    "  -f, --force       save even when the change makes the package invalid\n"
    "  -o, --output ZIP  write the changed package to ZIP instead of over PKG\n"
    "      --remove      with labels: remove label.txt\n"
    "  -h, --help        this help\n"
    "\n"
    "validate prints one line per problem, 'PKG: metadata.json: field 'x': why', warnings\n"
    "marked 'warning:'; it exits 0 when there is no error, 2 otherwise.\n";

typedef struct opts {
    bool json, force, remove;
    const char *output;
} opts;

/* ---- show ---- */

static int show(lp_package *p, const opts *o) {
    if (o->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "package", p->path);
        if (p->model_member) cJSON_AddStringToObject(doc, "model", p->model_member);
        else cJSON_AddNullToObject(doc, "model");
        cJSON_AddItemToObject(doc, "metadata",
                              p->metadata ? cJSON_Duplicate(p->metadata, 1) : cJSON_CreateNull());
        if (p->has_labels) {
            cJSON *labels = cJSON_AddArrayToObject(doc, "labels");
            for (int i = 0; i < p->n_labels; i++)
                cJSON_AddItemToArray(labels, cJSON_CreateString(p->labels[i]));
        } else {
            cJSON_AddNullToObject(doc, "labels");
        }
        cJSON_AddNumberToObject(doc, "label_count", p->n_labels);
        lp_cli_print_json(doc);
        return LP_OK;
    }
    if (!p->metadata) {
        char *zip = lp_package_default_path(p);
        printf("%s: a bare model without metadata.json ('loupe meta %s set function ...' writes "
               "%s)\n", p->path, p->path, zip);
        free(zip);
        return LP_OK;
    }
    char *text = lp_metadata_print(p->metadata);
    fputs(text, stdout);
    free(text);
    if (!p->has_labels) {
        printf("label.txt: none\n");
        return LP_OK;
    }
    printf("label.txt: %d label%s", p->n_labels, p->n_labels == 1 ? "" : "s");
    for (int i = 0; i < p->n_labels && i < 10; i++)
        printf("%s%s", i ? ", " : " (", p->labels[i]);
    printf("%s\n", p->n_labels > 10 ? ", ...)" : p->n_labels ? ")" : "");
    return LP_OK;
}

/* ---- validate ---- */

static cJSON *problems_json(const lp_problems *ps) {
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < ps->n; i++) {
        const lp_problem *pr = &ps->items[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "severity", pr->severity == LP_SEV_ERROR ? "error" : "warning");
        cJSON_AddStringToObject(o, "file", pr->file);
        if (pr->field) cJSON_AddStringToObject(o, "field", pr->field);
        else cJSON_AddNullToObject(o, "field");
        cJSON_AddStringToObject(o, "message", pr->message);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* One line per problem; `last` is appended to the last one printed. */
static void print_problems(FILE *f, const char *prefix, const char *pkg, const lp_problems *ps,
                           bool errors_only, const char *last) {
    lp_buf line = {0};
    int final = -1;
    for (int i = 0; i < ps->n; i++)
        if (!errors_only || ps->items[i].severity == LP_SEV_ERROR) final = i;
    for (int i = 0; i <= final; i++) {
        if (errors_only && ps->items[i].severity != LP_SEV_ERROR) continue;
        line.len = 0;
        lp_problem_format(pkg, &ps->items[i], &line);
        fprintf(f, "%s%s%s\n", prefix, line.data, i == final && last ? last : "");
    }
    lp_buf_free(&line);
}

static int validate(lp_package *p, const opts *o) {
    lp_problems ps = {0};
    int errors = lp_metadata_validate(p, &ps);
    if (o->json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddStringToObject(doc, "package", p->path);
        cJSON_AddBoolToObject(doc, "valid", errors == 0);
        cJSON_AddNumberToObject(doc, "errors", errors);
        cJSON_AddNumberToObject(doc, "warnings", ps.n - errors);
        cJSON_AddItemToObject(doc, "problems", problems_json(&ps));
        lp_cli_print_json(doc);
    } else {
        print_problems(stdout, "", p->path, &ps, false, NULL);
        if (errors == 0)
            printf("%s: valid%s\n", p->path, ps.n ? " (with warnings)" : "");
    }
    lp_problems_free(&ps);
    return errors ? LP_EINPUT : LP_OK;
}

/* ---- changes ---- */

/* Saves p after a change, unless the change added errors (without --force).
** `before` holds the problems the package had before the change. */
static int save_checked(lp_package *p, const lp_problems *before, const opts *o,
                        const char *done) {
    lp_problems after = {0};
    lp_metadata_validate(p, &after);
    lp_problems added = {0};
    for (int i = 0; i < after.n; i++) {
        const lp_problem *pr = &after.items[i];
        if (pr->severity == LP_SEV_ERROR && !lp_problems_has(before, pr))
            lp_problems_add(&added, pr->severity, pr->file, pr->field, "%s", pr->message);
    }
    const char *shown = o->output ? o->output : p->path;
    if (added.n && !o->force) {
        print_problems(stderr, "loupe: ", shown, &added, true, " (not saved; --force saves anyway)");
        lp_problems_free(&after);
        lp_problems_free(&added);
        return LP_EINPUT;
    }
    char *dest = o->output ? lp_xstrdup(o->output) : lp_package_default_path(p);
    char bak[4200];
    snprintf(bak, sizeof bak, "%s.bak", dest);
    bool had_bak = access(bak, F_OK) == 0, existed = access(dest, F_OK) == 0;
    lp_error err = {0};
    int rc = lp_package_save(p, o->output, &err);
    if (rc) {
        free(dest);
        lp_problems_free(&after);
        lp_problems_free(&added);
        return lp_cli_error(&err);
    }
    printf("%s: %s\n", p->path, done);
    if (!existed) printf("%s: written\n", p->path);
    else if (!had_bak && access(bak, F_OK) == 0)
        printf("%s: the original is kept as %s\n", p->path, bak);
    int errors = lp_problems_errors(&after);
    if (errors)
        printf("%s: still has %d error%s ('loupe meta %s validate' lists them)\n", p->path, errors,
               errors == 1 ? "" : "s", p->path);
    free(dest);
    lp_problems_free(&after);
    lp_problems_free(&added);
    return LP_OK;
}

static int change(lp_package *p, const char *what, char **args, int n, const opts *o) {
    lp_problems before = {0};
    lp_metadata_validate(p, &before);
    lp_error err = {0};
    char done[512];
    int rc = LP_OK;
    if (!strcmp(what, "set")) {
        if (n != 2) {
            rc = lp_cli_usage("meta", "set takes KEY VALUE");
            goto out;
        }
        if ((rc = lp_package_set(p, args[0], args[1], &err))) {
            rc = lp_cli_error(&err);
            goto out;
        }
        char *v = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(p->metadata, args[0]));
        snprintf(done, sizeof done, "metadata.json: '%s' is now %s", args[0], v ? v : "?");
        free(v);
    } else if (!strcmp(what, "unset")) {
        if (n != 1) {
            rc = lp_cli_usage("meta", "unset takes KEY");
            goto out;
        }
        if ((rc = lp_package_unset(p, args[0], &err))) {
            rc = lp_cli_error(&err);
            goto out;
        }
        snprintf(done, sizeof done, "metadata.json: '%s' removed", args[0]);
    } else { /* labels */
        if (o->remove ? n != 0 : n != 1) {
            rc = lp_cli_usage("meta", "labels takes FILE, or --remove");
            goto out;
        }
        if (o->remove) {
            if (!p->has_labels) {
                rc = lp_fail(&err, LP_EINPUT, "%s: has no label.txt to remove", p->path);
                rc = lp_cli_error(&err);
                goto out;
            }
            lp_package_set_labels(p, NULL, -1);
            snprintf(done, sizeof done, "label.txt removed");
        } else {
            char **labels;
            int count;
            if ((rc = lp_labels_read(args[0], &labels, &count, &err))) {
                rc = lp_cli_error(&err);
                goto out;
            }
            lp_package_set_labels(p, (const char *const *)labels, count);
            lp_labels_free(labels, count);
            snprintf(done, sizeof done, "label.txt now has %d label%s", count, count == 1 ? "" : "s");
        }
    }
    rc = save_checked(p, &before, o, done);
out:
    lp_problems_free(&before);
    return rc;
}

int cmd_meta(int argc, char **argv) {
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},   {"force", no_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'}, {"remove", no_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},   {NULL, 0, NULL, 0},
    };
    opts o = {0};
    optind = 0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":fho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': o.json = true; break;
        case 'f': o.force = true; break;
        case 'o': o.output = optarg; break;
        case 'r': o.remove = true; break;
        case 'h': fputs(usage_text, stdout); return LP_OK;
        case ':': return lp_cli_usage("meta", "option '%s' needs a value", argv[optind - 1]);
        default: return lp_cli_usage("meta", "unknown option '%s'", argv[optind - 1]);
        }
    }
    char **pos = argv + optind;
    int npos = argc - optind;
    if (npos < 1) return lp_cli_usage("meta", "name a package or model");
    const char *what = npos >= 2 ? pos[1] : "show";
    bool changes = !strcmp(what, "set") || !strcmp(what, "unset") || !strcmp(what, "labels");
    if (strcmp(what, "show") && strcmp(what, "validate") && !changes)
        return lp_cli_usage("meta", "unknown action '%s' (validate, set, unset or labels)", what);
    if (!changes && npos > 2) return lp_cli_usage("meta", "%s takes no more arguments", what);
    if (!changes && (o.force || o.output || o.remove))
        return lp_cli_usage("meta", "--force, --output and --remove go with set, unset or labels");
    if (changes && o.json) return lp_cli_usage("meta", "--json goes with show or validate");
    if (o.remove && strcmp(what, "labels")) return lp_cli_usage("meta", "--remove goes with labels");

    lp_package *p;
    int rc = lp_cli_open(pos[0], &p);
    if (rc) return rc;
    if (!strcmp(what, "show")) rc = show(p, &o);
    else if (!strcmp(what, "validate")) rc = validate(p, &o);
    else rc = change(p, what, pos + 2, npos - 2, &o);
    lp_package_free(p);
    return rc;
}
