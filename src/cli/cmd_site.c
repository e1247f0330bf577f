/* vigil site export / vigil pool — validation across sites without moving patient data
 * (include/vigil/site.h). */
#include "cli/cli.h"
#include "cli/options.h"
#include "run/site_internal.h"
#include "core/json.h"
#include "core/util.h"
#include "vigil/error.h"
#include "vigil/report.h"
#include "vigil/site.h"
#include "vigil/store.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_site_help[] =
    "usage: vigil site export --run ID --site NAME --out S.json [--db FILE]\n"
    "\n"
    "Writes the site bundle of a completed metrics or suite run for pooling across partner sites\n"
    "(vigil pool): the AUROC, calibration slope, calibration-in-the-large and O/E with their\n"
    "within-site variances, the case and event counts (withheld under the cell-size rule), the\n"
    "mergeable summaries (the reliability bins' cases, events and summed risk; the confusion\n"
    "counts at each threshold; cell-size suppressed as in the run), the data file's SHA-256, the\n"
    "vigil version and the metric definitions' SHA-256. No case id and no per-case value leaves\n"
    "the site.\n"
    "\n";

const char cmd_pool_help[] =
    "usage: vigil pool S1.json S2.json ... [--format table|json] [--report DIR [--no-plots] [--pdf] [--force]]\n"
    "\n"
    "Pools site bundles (vigil site export) by a DerSimonian-Laird random-effects meta-analysis\n"
    "per measure, as R metafor::rma(yi, vi, method = \"DL\") with predict(): AUROC on the logit\n"
    "scale (DeLong variance by the delta method), O/E on the log scale (variance 1/O - 1/N),\n"
    "calibration slope and CITL as estimated; the pooled value with its 95% CI, tau^2, I^2, the\n"
    "95% prediction interval, and for each site whether its estimate lies inside it. The\n"
    "bundles' summaries are summed (summaries: the pooled reliability bins, and sensitivity,\n"
    "specificity, PPV, NPV at the thresholds every site has, with Wilson CIs). Bundles of\n"
    "another vigil version or other metric definitions, and the same site's data twice, are\n"
    "refused (exit 2).\n"
    "\n"
    "--report DIR also writes the pooled report there (report.html, report.md, evidence.json, a\n"
    "forest plot per measure; report.pdf with --pdf), replacing a previous report in DIR.\n"
    "\n";

static struct {
    cli_common c;
    const char *run, *site, *out, *report;
    int no_plots, pdf, force;
} A;

static const cli_option export_opts[] = {
    CLI_OPT_STRING("run", 0, "ID", "the completed metrics or suite run", &A.run),
    CLI_OPT_STRING("site", 0, "NAME", "this site's name, as the pooled report shows it", &A.site),
    CLI_OPT_STRING("out", 0, "S.json", "the bundle to write (replaced whole, or not at all)", &A.out),
    CLI_OPTS_DB(&A.c),
    CLI_OPT_END,
};
static const cli_spec export_spec = {"site export", cmd_site_help, export_opts, NULL};
static const cli_option site_opts[] = {
    CLI_OPT_SUBCOMMAND("export", &export_spec),
    CLI_OPT_END,
};
const cli_spec cmd_site_spec = {"site", cmd_site_help, site_opts, NULL};

static const cli_option pool_opts[] = {
    CLI_OPTS_FORMAT(&A.c),
    CLI_OPT_STRING("report", 0, "DIR", "also write the pooled report (with forest plots) into DIR", &A.report),
    CLI_OPT_FLAG("no-plots", 0, "with --report: do not run gnuplot (each plot gets a note instead)", &A.no_plots),
    CLI_OPT_FLAG("pdf", 0, "with --report: also write DIR/report.pdf through headless Chromium", &A.pdf),
    CLI_OPT_FLAG("force", 0, "with --report: write into a non-empty DIR that is not a previous report", &A.force),
    CLI_OPT_END,
};
const cli_spec cmd_pool_spec = {"pool", cmd_pool_help, pool_opts, NULL};

int cmd_site(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    const cli_spec *spec;
    int rc = cli_parse_subcommand(&cmd_site_spec, &export_spec, "export", &argc, argv, &spec);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (!A.run || !A.site || !A.out) return cli_usage("site", "export needs --run ID, --site NAME and --out S.json");
    size_t id;
    if (cli_parse_size("site", "--run", A.run, &id)) return VIGIL_EXIT_USAGE;
    vigil_store *s = NULL;
    if ((rc = cli_open_store("site", A.c.db, 1, &s)) != 0) return rc;
    char *json = NULL;
    int err = vigil_site_export(s, (int64_t)id, A.site, &json);
    vigil_store_close(s);
    if (err) return cli_fail("site", err);
    FILE *f = fopen(A.out, "w");
    int ok = f && fputs(json, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0) ok = 0;
    free(json);
    if (!ok) return cli_fail("site", vigil_error_set(VIGIL_EIO, "%s: cannot write the bundle", A.out));
    fprintf(stderr, "vigil site: wrote the bundle of run %zu for site '%s' to %s\n", id, A.site, A.out);
    return VIGIL_EXIT_OK;
}

int cmd_pool(int argc, char **argv)
{
    memset(&A, 0, sizeof A);
    int npos, rc = cli_options_parse(&cmd_pool_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if (npos < 2) return cli_usage("pool", "give two or more site bundles (vigil site export writes them)");
    size_t n = (size_t)npos;
    char **texts = calloc(n, sizeof *texts);
    const char **files = calloc(n, sizeof *files);
    if (!texts || !files) return cli_fail("pool", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
    int err = VIGIL_OK;
    for (size_t i = 0; i < n && !err; i++) {
        size_t len;
        files[i] = argv[1 + i];
        if (vigil_read_file(files[i], &texts[i], &len) != 0)
            err = vigil_error_set(VIGIL_EINVAL, "%s: cannot read the bundle", files[i]);
    }
    if (!err && !A.report && (A.no_plots || A.pdf || A.force))
        err = vigil_error_set(VIGIL_EINVAL, "pool: --no-plots, --pdf and --force go with --report DIR");
    char *json = NULL;
    cJSON *doc = NULL; /* the pooled document as the library built it, never re-parsed */
    if (!err) err = vigil_site_pool_cjson((const char *const *)texts, files, n, &doc);
    if (!err && A.report && !(json = cJSON_Print(doc))) err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
    if (!err && A.report) {
        vigil_report_options ro = VIGIL_REPORT_OPTIONS_INIT;
        ro.out_dir = A.report, ro.no_plots = A.no_plots, ro.pdf = A.pdf, ro.force = A.force;
        vigil_report_pool_summary sum;
        if ((err = vigil_report_write_pool(json, files, n, &ro, &sum)) == 0)
            fprintf(stderr, "vigil pool: wrote the pooled report of %zu sites to %s (%zu of %zu plots drawn%s)\n",
                    sum.sites, A.report, sum.n_plots_drawn, sum.n_plots,
                    sum.outside ? "; a site lies outside a prediction interval" : "");
    }
    for (size_t i = 0; i < n; i++) free(texts[i]);
    free(texts), free(files);
    free(json);
    if (err) {
        cJSON_Delete(doc);
        return cli_fail("pool", err);
    }
    if (A.c.format && strcmp(A.c.format, "json") == 0) {
        cli_print_json(doc);
        return VIGIL_EXIT_OK;
    }
    printf("%zu sites, DerSimonian-Laird random effects\n\n", n);
    printf("%-18s %3s %9s %21s %21s %9s %6s\n", "measure", "k", "pooled", "95% CI", "95% prediction", "tau2", "I2 %");
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(doc, "pooled"))
    {
        const cJSON *v = cJSON_GetObjectItem(o, "value");
        if (!cJSON_IsNumber(v)) {
            printf("%-18s %3.0f %9s  (%s)\n", o->string, cJSON_GetObjectItem(o, "k")->valuedouble, "-",
                   cJSON_GetStringValue(cJSON_GetObjectItem(o, "reason")));
            continue;
        }
#define N(k) cJSON_GetObjectItem(o, k)->valuedouble
        printf("%-18s %3.0f %9.4f %9.4f to %9.4f %9.4f to %9.4f %9.4g %6.1f\n", o->string, N("k"), N("value"),
               N("ci_low"), N("ci_high"), N("pi_low"), N("pi_high"), N("tau2"), N("i2"));
        const cJSON *st;
        cJSON_ArrayForEach(st, cJSON_GetObjectItem(o, "sites"))
            if (!cJSON_IsTrue(cJSON_GetObjectItem(st, "inside_prediction_interval")))
                printf("    site %s: %.4f lies outside the prediction interval\n", st->string,
                       cJSON_GetObjectItem(st, "value")->valuedouble);
#undef N
    }
    /* the summed summaries: the thresholds' rates (the bins are in the JSON and the report) */
    const cJSON *th = vigil_json_get(doc, "summaries.thresholds");
    if (cJSON_GetArraySize(th)) {
        printf("\nsummed over the sites (no allowance for between-site differences)\n");
        printf("%-9s %-24s %-24s %-24s %s\n", "threshold", "sensitivity", "specificity", "PPV", "NPV");
        cJSON_ArrayForEach(o, th)
        {
            printf("%-9g", vigil_json_get_number(o, "threshold"));
            if (cJSON_GetObjectItem(o, "withheld_at")) {
                printf(" withheld (cell-size policy at a site)\n");
                continue;
            }
            for (const char *const *r = (const char *const[]){"sensitivity", "specificity", "ppv", "npv", NULL}; *r; r++) {
                const cJSON *q = cJSON_GetObjectItem(o, *r);
                char cell[40];
                snprintf(cell, sizeof cell, "%.4f (%.4f-%.4f)", vigil_json_get_number(q, "value"),
                         vigil_json_get_number(q, "ci_low"), vigil_json_get_number(q, "ci_high"));
                printf(r[1] ? " %-24s" : " %s", cell);
            }
            printf("\n");
        }
    }
    cJSON_Delete(doc);
    return VIGIL_EXIT_OK;
}
