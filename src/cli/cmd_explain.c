/* vigil explain — SHAP attributions per case and global importance. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/explain.h"
#include "vigil/model.h"
#include "vigil/run.h"
#include "vigil/store.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_explain_help[] =
    "usage: vigil explain --model M --data F.csv --out S.csv [--id COL] [--background R.csv]\n"
    "                     [--backend auto|cpu|cuda] [--threads N] [--max-background N] [--seed S]\n"
    "                     [--mlp-method auto|exact|kernel] [--samples N]\n"
    "                     [--group COL]... [--allow-column C=WHY] [--db FILE] [--no-store]\n"
    "                     [--format table|json]\n"
    "\n"
    "Writes S.csv: the id, one column per model feature (named as in the model) holding that\n"
    "feature's SHAP value, and base_value. Values are on the model's MARGIN (log-odds for\n"
    "logistic models): base_value + the feature columns = the margin, for every row. For a\n"
    "multi-class model the columns are <feature>_class<k> and base_value_class<k>.\n"
    "\n"
    "  trees (XGBoost)  exact path-dependent TreeSHAP: the values of XGBoost's\n"
    "                   predict(pred_contribs=True), computed in double precision\n"
    "  vigil-linear     exact: beta_j * (x_j - mean_j), means over the background\n"
    "  vigil-mlp        Shapley values of the interventional game over a background sample:\n"
    "                   exact (all 2^F coalitions) up to 12 features, KernelSHAP with paired\n"
    "                   sampling beyond (its largest standard error is reported)\n"
    "\n"
    "  --model M          model file (XGBoost JSON, vigil-linear or vigil-mlp)\n"
    "  --data F.csv       cases to explain\n"
    "  --out S.csv        attributions (written to S.csv.tmp, then renamed)\n"
    "  --id COL           id column copied to the output (default: the row number, 'row')\n"
    "  --background R.csv reference cases for linear and MLP models (default: F.csv itself);\n"
    "                     TreeSHAP uses the covers stored in the trees instead\n"
    "  --max-background N MLP: at most N background rows, a seeded sample (default 100)\n"
    "  --seed S           seed of that sample and of KernelSHAP's coalitions (default 1)\n"
    "  --mlp-method M     MLP: auto (default: exact up to 12 features), exact (up to 20) or\n"
    "                     kernel (KernelSHAP, any number of features)\n"
    "  --samples N        KernelSHAP: coalitions per case, in complementary pairs (default\n"
    "                     2048); the error shrinks as 1/sqrt(N): kernel_shap.max_standard_error\n"
    "  --backend B        trees: auto (CUDA when a device answers), cpu or cuda\n"
    "  --threads N        CPU threads (default: all cores)\n"
    "  --group COL        also the mean |SHAP| per level of COL (repeatable); a level with\n"
    "                     fewer than 11 cases is suppressed (CMS cell-size policy)\n"
    "  --allow-column C=WHY  let column C through the PHI guard, with a justification\n"
    "  --db FILE          run store (default: $VIGIL_DB, else ./vigil.db): the run keeps the\n"
    "                     summary below (no case's values); --no-store skips it\n"
    "  --format F         summary on stdout: 'table' (default) or 'json': {model, n, outputs,\n"
    "                     features, method, backend, threads, background, global_importance,\n"
    "                     by_group (with --group), run_id (when stored),\n"
    "                     completeness: {max_abs_error}, rows_per_second,\n"
    "                     kernel_shap: {samples, max_standard_error} (KernelSHAP only),\n"
    "                     seconds: {load, compute, write}}\n"
    "\n"
    "completeness.max_abs_error is the largest |base_value + sum of attributions - margin| over\n"
    "all rows and outputs, the margin scored by the inference core (float32 trees): expect\n"
    "about 1e-6 for trees and 1e-12 for linear and MLP models.\n";

/* The attribution file: one column per feature and base_value (per class for multi-class). */
static int write_out(const cli_cases *cs, const char *id, const char *out, const double *phi)
{
    size_t F = vigil_model_n_features(cs->model), K = vigil_model_n_outputs(cs->model), W = K * (F + 1);
    char **names = calloc(W, sizeof *names);
    int rc = names ? VIGIL_EXIT_OK : cli_fail("explain", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
    for (size_t k = 0; k < K && !rc; k++)
        for (size_t j = 0; j <= F && !rc; j++) {
            const char *nm = j < F ? vigil_model_feature_name(cs->model, j) : "base_value";
            vigil_sbuf b = {0};
            if (K == 1) vigil_sbuf_printf(&b, "%s", nm);
            else vigil_sbuf_printf(&b, "%s_class%zu", nm, k);
            if (!(names[k * (F + 1) + j] = b.s)) rc = cli_fail("explain", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
        }
    if (!rc) rc = cli_cases_write("explain", cs, id, out, (const char *const *)names, W, phi);
    for (size_t i = 0; names && i < W; i++) free(names[i]);
    free(names);
    return rc;
}

int cmd_explain(int argc, char **argv)
{
    static const struct option opts[] = {{"model", required_argument, 0, 'm'},
                                         {"data", required_argument, 0, 'd'},
                                         {"out", required_argument, 0, 'o'},
                                         {"id", required_argument, 0, 'i'},
                                         {"background", required_argument, 0, 'B'},
                                         {"max-background", required_argument, 0, 'M'},
                                         {"seed", required_argument, 0, 's'},
                                         {"backend", required_argument, 0, 'b'},
                                         {"threads", required_argument, 0, 't'},
                                         {"format", required_argument, 0, 'f'},
                                         {"allow-column", required_argument, 0, 'A'},
                                         {"group", required_argument, 0, 'g'},
                                         {"db", required_argument, 0, 'D'},
                                         {"no-store", no_argument, 0, 'n'},
                                         {"mlp-method", required_argument, 0, 'K'},
                                         {"samples", required_argument, 0, 'S'},
                                         {0, 0, 0, 0}};
    const char *model = NULL, *data = NULL, *out = NULL, *id = NULL, *backend = NULL, *format = NULL, *bg = NULL;
    size_t threads = 0, n_allow = 0, maxbg = 100, seed = 1, samples = 0;
    vigil_mlp_method mlp_method = VIGIL_MLP_AUTO;
    vigil_phi_allow allow[32];
    const char *groups[16], *db = NULL;
    size_t n_groups = 0;
    int c, no_store = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'd': data = optarg; break;
        case 'o': out = optarg; break;
        case 'i': id = optarg; break;
        case 'B': bg = optarg; break;
        case 'b': backend = optarg; break;
        case 'f': format = optarg; break;
        case 't':
            if (cli_parse_size("explain", "--threads", optarg, &threads)) return VIGIL_EXIT_USAGE;
            break;
        case 'M':
            if (cli_parse_size("explain", "--max-background", optarg, &maxbg)) return VIGIL_EXIT_USAGE;
            if (!maxbg) return cli_usage("explain", "--max-background must be at least 1");
            break;
        case 's':
            if (cli_parse_size("explain", "--seed", optarg, &seed)) return VIGIL_EXIT_USAGE;
            break;
        case 'D': db = optarg; break;
        case 'n': no_store = 1; break;
        case 'K':
            if (strcmp(optarg, "auto") == 0) mlp_method = VIGIL_MLP_AUTO;
            else if (strcmp(optarg, "exact") == 0) mlp_method = VIGIL_MLP_EXACT;
            else if (strcmp(optarg, "kernel") == 0) mlp_method = VIGIL_MLP_KERNEL;
            else return cli_usage("explain", "--mlp-method expects auto, exact or kernel, got '%s'", optarg);
            break;
        case 'S':
            if (cli_parse_size("explain", "--samples", optarg, &samples)) return VIGIL_EXIT_USAGE;
            if (samples < 16) return cli_usage("explain", "--samples must be at least 16");
            break;
        case 'g':
            if (n_groups == 16) return cli_usage("explain", "at most 16 --group columns");
            groups[n_groups++] = optarg;
            break;
        case 'A':
            if (cli_parse_allow("explain", optarg, allow, &n_allow, 32)) return VIGIL_EXIT_USAGE;
            break;
        default:
            if (optopt) return cli_usage("explain", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("explain", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("explain", "unexpected argument '%s'", argv[optind]);
    if (!model || !data || !out) return cli_usage("explain", "--model, --data and --out are required");
    int json = cli_parse_format("explain", format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_explain_options eo;
    vigil_explain_options_default(&eo);
    if (cli_parse_backend("explain", backend, &eo.backend)) return VIGIL_EXIT_USAGE;
    eo.threads = (int)threads;
    eo.max_background = maxbg;
    eo.seed = seed;
    eo.mlp_method = mlp_method;
    eo.mlp_samples = samples;

    double t0 = vigil_seconds();
    cli_cases cs, cb;
    memset(&cb, 0, sizeof cb);
    int rc = cli_cases_load("explain", model, data, id, groups, n_groups, allow, n_allow, &cs);
    if (rc) return rc;
    if (bg && (rc = cli_cases_load("explain", model, bg, NULL, NULL, 0, allow, n_allow, &cb)) != 0) {
        cli_cases_free(&cs);
        return rc;
    }
    if (bg) eo.background = cb.X, eo.n_background = cb.n;
    vigil_store *store = NULL;
    vigil_run *run = NULL;
    int64_t run_id = 0;
    if (!no_store) {
        if ((rc = cli_open_store("explain", db, 0, &store)) != 0) {
            cli_cases_free(&cs);
            if (bg) cli_cases_free(&cb);
            return rc;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model", model);
        cJSON_AddStringToObject(o, "data", data);
        if (bg) cJSON_AddStringToObject(o, "background", bg);
        if (id) cJSON_AddStringToObject(o, "id", id);
        cJSON_AddItemToObject(o, "groups", cJSON_CreateStringArray(groups, (int)n_groups));
        cJSON_AddNumberToObject(o, "max_background", (double)maxbg);
        cJSON_AddNumberToObject(o, "seed", (double)seed);
        cli_json_allow(o, allow, n_allow);
        char *cfg = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        const char *base = strrchr(model, '/');
        uint64_t dbytes = 0, bb = 0;
        const char *dsha = vigil_table_sha256(cs.table, &dbytes), *bsha = bg ? vigil_table_sha256(cb.table, &bb) : NULL;
        vigil_run_file files[3] = {{.role = "model", .path = model},
                                   {.role = "data", .path = data, .sha256 = dsha, .bytes = dbytes},
                                   {.role = "background", .path = bg, .sha256 = bsha, .bytes = bb}};
        vigil_run_spec spec = {"explain", base ? base + 1 : model, cfg, files, bg ? 3 : 2, 0, 0};
        int e = cfg ? vigil_run_begin(&run, store, &spec) : vigil_error_set(VIGIL_ENOMEM, "out of memory");
        free(cfg);
        if (e) {
            rc = cli_fail("explain", e);
            vigil_store_close(store);
            cli_cases_free(&cs);
            if (bg) cli_cases_free(&cb);
            return rc;
        }
        run_id = vigil_run_id(run);
    }
    size_t F = vigil_model_n_features(cs.model), K = vigil_model_n_outputs(cs.model), W = K * (F + 1);
    double *phi = malloc((cs.n ? cs.n : 1) * W * sizeof *phi);
    double *scores = malloc((cs.n ? cs.n : 1) * K * sizeof *scores), *margins = malloc((cs.n ? cs.n : 1) * K * sizeof *margins);
    const char **names = malloc((F ? F : 1) * sizeof *names);
    char *imp = NULL;
    if (!phi || !scores || !margins || !names) {
        rc = cli_fail("explain", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
        goto done;
    }
    double t1 = vigil_seconds();
    int err = vigil_explain(cs.model, cs.X, cs.n, &eo, phi);
    if (err) {
        rc = cli_fail("explain", err);
        goto done;
    }
    double t2 = vigil_seconds();
    /* Completeness: base + sum of attributions against the inference core's margin. */
    vigil_backend_options bo = {VIGIL_BACKEND_CPU, (int)threads};
    if ((err = vigil_model_predict(cs.model, cs.X, cs.n, &bo, scores, margins, NULL)) != 0) {
        rc = cli_fail("explain", err);
        goto done;
    }
    double maxerr = 0;
    for (size_t i = 0; i < cs.n; i++)
        for (size_t k = 0; k < K; k++) {
            const double *ph = phi + i * W + k * (F + 1);
            double s = 0;
            for (size_t j = 0; j <= F; j++) s += ph[j];
            double e = fabs(s - margins[i * K + k]);
            if (!(e <= maxerr)) maxerr = e;
        }
    for (size_t j = 0; j < F; j++) names[j] = vigil_model_feature_name(cs.model, j);
    if ((err = vigil_explain_importance(phi, cs.n, F, K, names, cs.table, groups, n_groups, 0, &imp)) != 0) {
        rc = cli_fail("explain", err);
        goto done;
    }
    if ((rc = write_out(&cs, id, out, phi)) != 0) goto done;
    double t3 = vigil_seconds();
    cJSON *impj = cJSON_Parse(imp);
    cJSON *d = cJSON_CreateObject();
    cli_cases_json(d, &cs, model);
    cJSON_AddNumberToObject(d, "outputs", (double)K);
    cJSON_AddItemToObject(d, "features", cJSON_CreateStringArray(names, (int)F));
    cJSON_AddStringToObject(d, "method", eo.method ? eo.method : "");
    cJSON_AddStringToObject(d, "backend", vigil_backend_name(eo.used));
    if (eo.used == VIGIL_BACKEND_CPU) cJSON_AddNumberToObject(d, "threads", vigil_backend_threads((int)threads));
    cJSON *b = cJSON_AddObjectToObject(d, "background");
    if (vigil_model_kind_of(cs.model) == VIGIL_MODEL_TREES) {
        cJSON_AddStringToObject(b, "source", "tree covers (sum_hessian)");
    } else {
        size_t nb = bg ? cb.n : cs.n;
        cJSON_AddStringToObject(b, "source", bg ? bg : data);
        cJSON_AddNumberToObject(b, "rows", (double)nb);
        if (vigil_model_kind_of(cs.model) == VIGIL_MODEL_MLP)
            cJSON_AddNumberToObject(b, "rows_used", (double)(nb < maxbg ? nb : maxbg));
    }
    cJSON_AddItemToObject(d, "global_importance", cJSON_DetachItemFromObject(impj, "global_importance"));
    if (n_groups) cJSON_AddItemToObject(d, "by_group", cJSON_DetachItemFromObject(impj, "by_group"));
    cli_json_number(cJSON_AddObjectToObject(d, "completeness"), "max_abs_error", maxerr);
    if (eo.samples_used) {
        cJSON *ks = cJSON_AddObjectToObject(d, "kernel_shap");
        cJSON_AddNumberToObject(ks, "samples", (double)eo.samples_used);
        cli_json_number(ks, "max_standard_error", eo.max_se);
    }
    cJSON_Delete(impj);
    if (store) {
        /* The run keeps the summary (importance overall and per level), never a case's values. */
        vigil_results *res = NULL;
        char *stored = cJSON_PrintUnformatted(d);
        err = !stored ? vigil_error_set(VIGIL_ENOMEM, "out of memory") : vigil_results_new(&res);
        if (!err) err = vigil_results_add_document(res, "result", stored);
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItem(d, "global_importance"))
        {
            char key[300];
            snprintf(key, sizeof key, "shap_importance.%s", e->string);
            if (!err && cJSON_IsNumber(e)) err = vigil_results_add_metric(res, "overall", key, e->valuedouble, NAN, NAN);
        }
        if (!err) err = vigil_run_finish(run, res, -1);
        free(stored);
        vigil_results_free(res);
        if (err) {
            cJSON_Delete(d);
            rc = cli_fail("explain", err);
            goto done;
        }
        cJSON_AddNumberToObject(d, "run_id", (double)run_id);
    }
    if (json) {
        cJSON_AddStringToObject(d, "out", out);
        cli_json_number(d, "rows_per_second", t2 > t1 ? (double)cs.n / (t2 - t1) : 0);
        cJSON *s = cJSON_AddObjectToObject(d, "seconds");
        cJSON_AddNumberToObject(s, "load", t1 - t0);
        cJSON_AddNumberToObject(s, "compute", t2 - t1);
        cJSON_AddNumberToObject(s, "write", t3 - t2);
        cli_print_json(d);
    } else {
        printf("explained %zu cases with %s (%s, %s); wrote %s\n", cs.n, vigil_model_describe(cs.model),
               eo.method, vigil_backend_name(eo.used), out);
        printf("%-24s %s\n", "feature", "mean |SHAP|");
        const cJSON *g = cJSON_GetObjectItem(d, "global_importance"), *e;
        cJSON_ArrayForEach(e, g) printf("%-24s %.6g\n", e->string, cJSON_IsNumber(e) ? e->valuedouble : NAN);
        printf("completeness: max |base + sum - margin| = %.3g\n", maxerr);
        if (eo.samples_used)
            printf("KernelSHAP: %zu coalitions per case; largest standard error of an attribution %.3g\n",
                   eo.samples_used, eo.max_se);
        if (store) printf("stored as run %lld\n", (long long)run_id);
        cJSON_Delete(d);
    }
    rc = VIGIL_EXIT_OK;
done:
    vigil_run_free(run); /* a run not finished above ends "failed" */
    vigil_store_close(store);
    free(imp);
    free(phi), free(scores), free(margins), free(names);
    cli_cases_free(&cs);
    if (bg) cli_cases_free(&cb);
    return rc;
}
