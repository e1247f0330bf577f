/* vigil replay — re-score recorded shadow-mode cases and compare with the recorded scores. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/replay.h"
#include "vigil/run.h"
#include "vigil/store.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_replay_help[] =
    "usage: vigil replay --model M --data F.csv --shadow COL [--id COL] [--tolerance T]\n"
    "                    [--max-ids N] [--backend B] [--threads N] [--allow-column C=WHY]\n"
    "                    [--db FILE] [--no-store] [--format table|json]\n"
    "\n"
    "Shadow mode: the model scored these cases silently and the score was recorded in column\n"
    "COL. replay re-scores every case with M and compares: a case agrees when the two differ\n"
    "by at most T (default 1e-6). A model that cannot reproduce its own shadow log is not the\n"
    "model that was validated (wrong file, wrong features, a changed library): it fails.\n"
    "\n"
    "Prints REPRODUCED or NOT REPRODUCED with the agreement rate, the largest and mean\n"
    "absolute difference and the first disagreeing ids; stores the run (kind 'replay').\n"
    "\n"
    "  --shadow COL       the recorded score column\n"
    "  --id COL           id column, for naming disagreeing cases (default: row numbers)\n"
    "  --tolerance T      largest difference that still agrees (default 1e-6)\n"
    "  --max-ids N        disagreeing ids listed (default 20)\n"
    "  --db FILE          run store (default: $VIGIL_DB, else ./vigil.db); --no-store skips it\n"
    "  --format F         'table' (default) or 'json': {run_id, n, agreement, n_disagree,\n"
    "                     max_abs_diff, mean_abs_diff, tolerance, missing_recorded,\n"
    "                     disagreeing_ids, reproduced, model, backend, seconds}\n"
    "\n"
    "Exit status: 0 reproduced, 1 not reproduced, 2 bad input, 3 internal error.\n";

int cmd_replay(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},   {"data", required_argument, 0, 'd'},
        {"shadow", required_argument, 0, 's'},  {"id", required_argument, 0, 'i'},
        {"tolerance", required_argument, 0, 'T'}, {"max-ids", required_argument, 0, 'x'},
        {"backend", required_argument, 0, 'b'}, {"threads", required_argument, 0, 't'},
        {"db", required_argument, 0, 'D'},      {"no-store", no_argument, 0, 'n'},
        {"format", required_argument, 0, 'f'},  {"allow-column", required_argument, 0, 'A'},
        {0, 0, 0, 0}};
    const char *model = NULL, *data = NULL, *shadow = NULL, *id = NULL, *backend = NULL, *db = NULL,
               *format = NULL;
    double tol = 1e-6;
    size_t threads = 0, max_ids = 20, n_allow = 0;
    int no_store = 0, c;
    vigil_phi_allow allow[32];
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'd': data = optarg; break;
        case 's': shadow = optarg; break;
        case 'i': id = optarg; break;
        case 'b': backend = optarg; break;
        case 'D': db = optarg; break;
        case 'n': no_store = 1; break;
        case 'f': format = optarg; break;
        case 'T':
            if (cli_parse_double("replay", "--tolerance", optarg, &tol)) return VIGIL_EXIT_USAGE;
            if (!(tol >= 0)) return cli_usage("replay", "--tolerance must be >= 0");
            break;
        case 'x':
            if (cli_parse_size("replay", "--max-ids", optarg, &max_ids)) return VIGIL_EXIT_USAGE;
            break;
        case 't':
            if (cli_parse_size("replay", "--threads", optarg, &threads)) return VIGIL_EXIT_USAGE;
            break;
        case 'A':
            if (cli_parse_allow("replay", optarg, allow, &n_allow, 32)) return VIGIL_EXIT_USAGE;
            break;
        default:
            if (optopt) return cli_usage("replay", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("replay", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("replay", "unexpected argument '%s'", argv[optind]);
    if (!model || !data || !shadow) return cli_usage("replay", "--model, --data and --shadow are required");
    int json = cli_parse_format("replay", format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    vigil_backend_options bo = {VIGIL_BACKEND_AUTO, (int)threads};
    if (cli_parse_backend("replay", backend, &bo.backend)) return VIGIL_EXIT_USAGE;

    double t0 = vigil_seconds();
    cli_cases cs;
    const char *extra[1] = {shadow};
    int rc = cli_cases_load("replay", model, data, id, extra, 1, allow, n_allow, &cs);
    if (rc) return rc;
    vigil_store *store = NULL;
    vigil_results *res = NULL;
    double *scores = NULL;
    char *doc = NULL, **ids = NULL, *cfg = NULL;
    vigil_run *run = NULL;
    int64_t run_id = 0;
    int err = 0;
    int sc = vigil_table_require(cs.table, shadow, "--shadow column");
    const double *rec = sc >= 0 ? vigil_table_numeric(cs.table, (size_t)sc) : NULL;
    if (sc < 0) {
        rc = cli_fail("replay", sc);
        goto done;
    }
    if (!rec) {
        rc = cli_fail("replay", vigil_error_set(VIGIL_EINVAL, "%s: --shadow column '%s' is not numeric", data, shadow));
        goto done;
    }
    if (vigil_model_n_outputs(cs.model) != 1) {
        rc = cli_fail("replay", vigil_error_set(VIGIL_EINVAL, "%s: replay compares one recorded score per case; the "
                                                "model has %zu outputs", model, vigil_model_n_outputs(cs.model)));
        goto done;
    }
    if (!no_store) {
        if ((rc = cli_open_store("replay", db, 0, &store)) != 0) goto done;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "model", model);
        cJSON_AddStringToObject(o, "data", data);
        cJSON_AddStringToObject(o, "shadow", shadow);
        if (id) cJSON_AddStringToObject(o, "id", id);
        cJSON_AddNumberToObject(o, "tolerance", tol);
        cli_json_allow(o, allow, n_allow);
        cfg = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        const char *base = strrchr(model, '/');
        uint64_t dbytes = 0;
        const char *dsha = vigil_table_sha256(cs.table, &dbytes); /* taken while parsing */
        vigil_run_file files[2] = {{.role = "model", .path = model},
                                   {.role = "data", .path = data, .sha256 = dsha, .bytes = dbytes}};
        vigil_run_spec spec = {"replay", base ? base + 1 : model, cfg, files, 2, 0, 0};
        if ((err = vigil_run_begin(&run, store, &spec)) != 0) goto fail;
        run_id = vigil_run_id(run);
    }
    double t1 = vigil_seconds();
    vigil_backend_kind used;
    if (!(scores = malloc(cs.n * sizeof *scores)) || !(ids = calloc(cs.n, sizeof *ids))) {
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto fail;
    }
    if ((err = vigil_model_predict(cs.model, cs.X, cs.n, &bo, scores, NULL, &used)) != 0) goto fail;
    char buf[256];
    for (size_t i = 0; i < cs.n; i++) {
        vigil_cases_id(&cs, i, buf, sizeof buf);
        if (!(ids[i] = vigil_strdup(id ? buf : ""))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        if (!id) ids[i][0] = '\0';
    }
    if ((err = vigil_replay_compute(rec, scores, id ? (const char *const *)ids : NULL, cs.n, tol, max_ids, &doc)) != 0)
        goto fail;
    double t2 = vigil_seconds();
    cJSON *d = cJSON_Parse(doc);
    double agree = cJSON_GetObjectItemCaseSensitive(d, "agreement")->valuedouble;
    double ndis = cJSON_GetObjectItemCaseSensitive(d, "n_disagree")->valuedouble;
    int reproduced = ndis == 0;
    cJSON_AddBoolToObject(d, "reproduced", reproduced);
    cJSON *mo = cJSON_AddObjectToObject(d, "model");
    cJSON_AddStringToObject(mo, "path", model);
    cJSON_AddStringToObject(mo, "sha256", vigil_model_sha256(cs.model));
    cJSON_AddStringToObject(mo, "describe", vigil_model_describe(cs.model));
    cJSON_AddStringToObject(d, "backend", vigil_backend_name(used));
    if (store) {
        char *stored = cJSON_PrintUnformatted(d);
        if ((err = vigil_results_new(&res)) != 0 || !stored ||
            (err = vigil_results_add_document(res, "result", stored)) != 0 ||
            (err = vigil_results_add_metric(res, "overall", "replay_agreement", agree, NAN, NAN)) != 0 ||
            (err = vigil_results_add_metric(res, "overall", "replay_max_abs_diff",
                                            cJSON_GetObjectItemCaseSensitive(d, "max_abs_diff")->valuedouble, NAN, NAN)) != 0 ||
            (err = vigil_run_finish(run, res, reproduced)) != 0) {
            free(stored);
            if (!err) err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            cJSON_Delete(d);
            goto fail;
        }
        free(stored);
        cJSON_AddNumberToObject(d, "run_id", (double)run_id);
    }
    cJSON *s = cJSON_AddObjectToObject(d, "seconds");
    cJSON_AddNumberToObject(s, "load", t1 - t0);
    cJSON_AddNumberToObject(s, "compute", t2 - t1);
    cJSON_AddNumberToObject(s, "write", vigil_seconds() - t2);
    if (json) {
        cli_print_json(d);
    } else {
        double mx = cJSON_GetObjectItemCaseSensitive(d, "max_abs_diff")->valuedouble;
        double mn = cJSON_GetObjectItemCaseSensitive(d, "mean_abs_diff")->valuedouble;
        if (reproduced)
            printf("REPRODUCED: all %zu cases within %g of the recorded score (agreement %.4f, max |difference| "
                   "%.3g, mean |difference| %.3g)\n", cs.n, tol, agree, mx, mn);
        else {
            printf("NOT REPRODUCED: %.0f of %zu cases differ by more than %g (agreement %.4f, max |difference| "
                   "%.3g, mean |difference| %.3g)\n", ndis, cs.n, tol, agree, mx, mn);
            const cJSON *e;
            int k = 0;
            cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "disagreeing_ids"))
                printf("%s%s", k++ ? ", " : "first: ", e->valuestring);
            if (k) putchar('\n');
        }
        if (store) printf("stored as run %lld\n", (long long)run_id);
        cJSON_Delete(d);
    }
    rc = reproduced ? VIGIL_EXIT_OK : VIGIL_EXIT_CRITERION;
    goto done;
fail:
    vigil_run_fail(run, NULL);
    rc = cli_fail("replay", err);
done:
    vigil_run_free(run);
    if (ids)
        for (size_t i = 0; i < cs.n; i++) free(ids[i]);
    free(ids), free(scores), free(doc), free(cfg);
    vigil_results_free(res);
    vigil_store_close(store);
    cli_cases_free(&cs);
    return rc;
}
