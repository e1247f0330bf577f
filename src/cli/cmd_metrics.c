/* vigil metrics — discrimination, calibration, thresholds and subgroup fairness of one score. */
#include "cli/cli.h"
#include "vigil/phi.h"
#include "vigil/fairness.h"
#include "vigil/metrics.h"
#include "vigil/run.h"
#include "vigil/store.h"
#include "vigil/table.h"
#include "vigil/error.h"
#include "core/util.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_metrics_help[] =
    "usage: vigil metrics --data F.csv --score COL --label COL [--group COL]... [--threshold T]...\n"
    "                     [--compare COL]\n"
    "                     [--bootstrap N] [--seed S] [--threads K] [--min-cell M]\n"
    "                     [--db FILE] [--no-store] [--format table|json]\n"
    "\n"
    "Validation metrics of a binary prediction model, overall and per subgroup:\n"
    "  discrimination  AUROC with DeLong CI (as pROC), AUPRC = average precision (as\n"
    "                  scikit-learn), ROC and precision-recall curve points\n"
    "  calibration     Brier (+ reliability/resolution/uncertainty), ECE (10 equal-width and\n"
    "                  10 equal-mass bins), MCE, slope and intercept of the logistic\n"
    "                  recalibration fit and calibration-in-the-large (as rms::val.prob),\n"
    "                  Eavg (ICI)/E50/E90/Emax from lowess(p, y, iter = 0), Spiegelhalter z,\n"
    "                  val.prob's D/U/Q, Hosmer-Lemeshow (deciles of risk, g - 2 df),\n"
    "                  reliability-diagram bins with Wilson intervals\n"
    "  thresholds      sensitivity, specificity, PPV, NPV, selection rate with Wilson CIs;\n"
    "                  decision-curve net benefit beside treat-all and treat-none\n"
    "  subgroups       every metric per level of each --group column (COL, or A+B for the\n"
    "                  intersection) and the disparities: demographic parity difference and\n"
    "                  ratio, equalized-odds and equal-opportunity differences, AUROC gap,\n"
    "                  calibration gap (ECE or CITL)\n"
    "Hosmer-Lemeshow is reported for completeness; judge calibration by the curve, slope and\n"
    "intercept (Van Calster et al. 2019): HL depends on the grouping and on n.\n"
    "\n"
    "  --data F.csv       case file (one row per case)\n"
    "  --score COL        predicted probability column, values in [0, 1]\n"
    "  --label COL        outcome column, 0 or 1\n"
    "  --group COL        subgroup column (repeatable); A+B for an intersection\n"
    "  --compare COL      a second score of the same cases: its AUROC and the paired DeLong\n"
    "                     test (pROC roc.test) under discrimination.delong_test\n"
    "  --threshold T      decision threshold, score >= T is positive (repeatable; default 0.5)\n"
    "  --bootstrap N      percentile bootstrap replicates for metrics without a closed form\n"
    "                     and every disparity (default 200; 0 skips). Cases are resampled as\n"
    "                     counts over one sorted order; AUROC and threshold rates keep their\n"
    "                     closed-form DeLong and Wilson intervals\n"
    "  --seed S           bootstrap seed (default 1; stored with the run). Same seed, same\n"
    "                     numbers, on any thread count\n"
    "  --threads K        bootstrap threads (default: all CPUs)\n"
    "  --lowess-bootstrap auto|on|off  bootstrap Eavg/E50/E90/Emax as well: one lowess per\n"
    "                     replicate, so 'auto' (default) does it up to 100000 cases\n"
    "  --min-cell M       cell-size floor (default 11): no count from 1 to M-1 is shown or\n"
    "                     stored, nor a rate it could be derived from; a level with fewer\n"
    "                     than M cases is suppressed and left out of the disparities\n"
    "  --allow-column C=WHY  let column C through the PHI guard (it looks like a HIPAA Safe\n"
    "                     Harbor identifier); the justification is stored with the run\n"
    "  --db FILE          run store (default: $VIGIL_DB, else ./vigil.db); --no-store skips it\n"
    "  --format F         'table' (default) or 'json'\n"
    "\n"
    "JSON: n, prevalence, discrimination.auroc.{value,ci_low,ci_high}, discrimination.auprc,\n"
    "calibration.{brier,ece,ece_equal_mass,mce,slope,intercept,citl,eavg,e50,e90,emax,\n"
    "spiegelhalter_z,spiegelhalter_p,hosmer_lemeshow{stat,df,p}}, threshold.{value,tpr,fpr,\n"
    "ppv,npv,selection_rate}, thresholds[], net_benefit, subgroups.<col>.levels.<level>,\n"
    "subgroups.<col>.disparities, bootstrap, seconds.{load,compute,write}. Withheld numbers\n"
    "are null.\n";

#define MAX_LIST 32

typedef struct {
    const char *data, *score, *label, *db, *format, *compare;
    const char *groups[MAX_LIST];
    size_t n_groups;
    double thr[MAX_LIST];
    size_t n_thr;
    size_t bootstrap, threads, min_cell;
    int lowess_bootstrap;
    uint64_t seed;
    int no_store;
    vigil_phi_allow allow[MAX_LIST];
    size_t n_allow;
} args;

static int parse(int argc, char **argv, args *a)
{
    static const struct option opts[] = {
        {"data", required_argument, 0, 'd'},      {"score", required_argument, 0, 's'},
        {"label", required_argument, 0, 'l'},     {"group", required_argument, 0, 'g'},
        {"threshold", required_argument, 0, 't'}, {"bootstrap", required_argument, 0, 'b'},
        {"seed", required_argument, 0, 'S'},      {"threads", required_argument, 0, 'T'},
        {"min-cell", required_argument, 0, 'm'},  {"db", required_argument, 0, 'D'},
        {"no-store", no_argument, 0, 'n'},        {"format", required_argument, 0, 'f'},
        {"lowess-bootstrap", required_argument, 0, 'L'}, {"compare", required_argument, 0, 'c'},
        {"allow-column", required_argument, 0, 'A'},
        {0, 0, 0, 0}};
    int c;
    size_t v;
    a->bootstrap = 200;
    a->seed = 1;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': a->data = optarg; break;
        case 's': a->score = optarg; break;
        case 'l': a->label = optarg; break;
        case 'D': a->db = optarg; break;
        case 'f': a->format = optarg; break;
        case 'n': a->no_store = 1; break;
        case 'c': a->compare = optarg; break;
        case 'A':
            if (cli_parse_allow("metrics", optarg, a->allow, &a->n_allow, MAX_LIST)) return VIGIL_EXIT_USAGE;
            break;
        case 'g':
            if (a->n_groups == MAX_LIST) return cli_usage("metrics", "at most %d --group options", MAX_LIST);
            for (size_t i = 0; i < a->n_groups; i++)
                if (strcmp(a->groups[i], optarg) == 0)
                    return cli_usage("metrics", "--group '%s' given twice", optarg);
            a->groups[a->n_groups++] = optarg;
            break;
        case 't': {
            double t;
            if (a->n_thr == MAX_LIST) return cli_usage("metrics", "at most %d --threshold options", MAX_LIST);
            if (cli_parse_double("metrics", "--threshold", optarg, &t)) return VIGIL_EXIT_USAGE;
            if (!(t >= 0 && t <= 1)) return cli_usage("metrics", "--threshold must be in [0, 1], got '%s'", optarg);
            size_t i = 0;
            while (i < a->n_thr && a->thr[i] != t) i++;
            if (i == a->n_thr) a->thr[a->n_thr++] = t; /* a repeat adds nothing */
            break;
        }
        case 'b':
            if (cli_parse_size("metrics", "--bootstrap", optarg, &a->bootstrap)) return VIGIL_EXIT_USAGE;
            if (a->bootstrap > 1000000) return cli_usage("metrics", "--bootstrap at most 1000000");
            break;
        case 'S':
            if (cli_parse_size("metrics", "--seed", optarg, &v)) return VIGIL_EXIT_USAGE;
            a->seed = v;
            break;
        case 'T':
            if (cli_parse_size("metrics", "--threads", optarg, &a->threads)) return VIGIL_EXIT_USAGE;
            break;
        case 'L':
            if (strcmp(optarg, "auto") == 0) a->lowess_bootstrap = 0;
            else if (strcmp(optarg, "on") == 0) a->lowess_bootstrap = 1;
            else if (strcmp(optarg, "off") == 0) a->lowess_bootstrap = -1;
            else return cli_usage("metrics", "--lowess-bootstrap expects auto, on or off, got '%s'", optarg);
            break;
        case 'm':
            if (cli_parse_size("metrics", "--min-cell", optarg, &a->min_cell)) return VIGIL_EXIT_USAGE;
            if (a->min_cell < 1) return cli_usage("metrics", "--min-cell must be at least 1");
            break;
        default:
            if (optopt) return cli_usage("metrics", "option '%s' needs a value", argv[optind - 1]);
            return cli_usage("metrics", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return cli_usage("metrics", "unexpected argument '%s'", argv[optind]);
    if (!a->data) return cli_usage("metrics", "--data is required");
    if (!a->score) return cli_usage("metrics", "--score is required");
    if (!a->label) return cli_usage("metrics", "--label is required");
    return VIGIL_EXIT_OK;
}

/* The 1-based position of `name` in the file's header, for file:line:column messages. */
static size_t header_column(const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    size_t col = 1, len = 0, found = 0;
    char field[1024];
    int c, quoted = 0, first = 1;
    while ((c = fgetc(f)) != EOF) {
        if (first && c == 0xEF) { /* UTF-8 BOM */
            fgetc(f);
            fgetc(f);
            first = 0;
            continue;
        }
        first = 0;
        if (quoted) {
            if (c == '"') quoted = 0;
            else if (len < sizeof field - 1) field[len++] = (char)c;
            continue;
        }
        if (c == '"') {
            quoted = 1;
            continue;
        }
        if (c == ',' || c == '\n' || c == '\r') {
            field[len] = '\0';
            if (strcmp(field, name) == 0) {
                found = col;
                break;
            }
            if (c != ',') break;
            col++;
            len = 0;
            continue;
        }
        if (len < sizeof field - 1) field[len++] = (char)c;
    }
    if (!found && c == EOF) {
        field[len] = '\0';
        if (strcmp(field, name) == 0) found = col;
    }
    fclose(f);
    return found;
}

static size_t row_line(const void *ctx, size_t row) { return vigil_table_row_line(ctx, row); }

static char *config_json(const args *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "data", a->data);
    cJSON_AddStringToObject(o, "score", a->score);
    cJSON_AddStringToObject(o, "label", a->label);
    if (a->compare) cJSON_AddStringToObject(o, "compare", a->compare);
    cJSON *g = cJSON_AddArrayToObject(o, "groups"), *t = cJSON_AddArrayToObject(o, "thresholds");
    for (size_t i = 0; i < a->n_groups; i++) cJSON_AddItemToArray(g, cJSON_CreateString(a->groups[i]));
    for (size_t i = 0; i < a->n_thr; i++) cJSON_AddItemToArray(t, cJSON_CreateNumber(a->thr[i]));
    cJSON_AddNumberToObject(o, "bootstrap", (double)a->bootstrap);
    cJSON_AddNumberToObject(o, "seed", (double)a->seed);
    cJSON_AddNumberToObject(o, "min_cell", (double)(a->min_cell ? a->min_cell : 11));
    cJSON_AddStringToObject(o, "lowess_bootstrap",
                            a->lowess_bootstrap > 0 ? "on" : a->lowess_bootstrap < 0 ? "off" : "auto");
    cli_json_allow(o, a->allow, a->n_allow);
    char *s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

typedef struct {
    int32_t *codes;
    char **levels;
    size_t n_levels;
} levels_t;

/* Split "a+b" into its parts (in place in buf). */
static size_t split_plus(char *buf, char **parts, size_t cap)
{
    size_t k = 0;
    char *s = buf;
    while (k < cap) {
        parts[k++] = s;
        char *p = strchr(s, '+');
        if (!p) break;
        *p = '\0';
        s = p + 1;
    }
    return k;
}

int cmd_metrics(int argc, char **argv)
{
    args a = {0};
    int rc = parse(argc, argv, &a), err = 0;
    if (rc) return rc;
    int json = cli_parse_format("metrics", a.format);
    if (json < 0) return VIGIL_EXIT_USAGE;

    vigil_table *t = NULL;
    vigil_metrics_report *rep = NULL;
    vigil_store *store = NULL;
    vigil_results *res = NULL;
    vigil_run *run = NULL;
    int64_t run_id = 0;
    char *doc = NULL, *cfg = NULL, *gbuf[MAX_LIST] = {0};
    levels_t col_lv[MAX_LIST * 4] = {{0}};
    size_t n_col_lv = 0;
    vigil_metrics_group groups[MAX_LIST];
    levels_t inter[MAX_LIST] = {{0}};
    const char *keep[2 + MAX_LIST * 4];
    size_t n_keep = 0;
    char *parts[MAX_LIST][8];
    size_t n_parts[MAX_LIST];

    double t0 = vigil_seconds();
    keep[n_keep++] = a.score;
    if (strcmp(a.label, a.score) != 0) keep[n_keep++] = a.label;
    if (a.compare && strcmp(a.compare, a.score) != 0 && strcmp(a.compare, a.label) != 0) keep[n_keep++] = a.compare;
    for (size_t g = 0; g < a.n_groups; g++) {
        if (!(gbuf[g] = strdup(a.groups[g]))) {
            rc = VIGIL_EXIT_INTERNAL;
            goto done;
        }
        n_parts[g] = split_plus(gbuf[g], parts[g], 8);
        for (size_t p = 0; p < n_parts[g]; p++) {
            if (!*parts[g][p]) {
                rc = cli_usage("metrics", "--group '%s' has an empty column name", a.groups[g]);
                goto done;
            }
            size_t k = 0;
            while (k < n_keep && strcmp(keep[k], parts[g][p]) != 0) k++;
            if (k == n_keep) keep[n_keep++] = parts[g][p];
        }
    }
    vigil_csv_options opts = {0};
    opts.keep = keep;
    opts.n_keep = n_keep;
    if ((err = vigil_table_read_csv(&t, a.data, &opts)) != 0) {
        /* Say which setting named a column the file lacks. */
        for (size_t k = 0; k < n_keep; k++)
            if (header_column(a.data, keep[k]) == 0) {
                const char *role = strcmp(keep[k], a.score) == 0   ? "--score"
                                   : strcmp(keep[k], a.label) == 0 ? "--label"
                                   : a.compare && strcmp(keep[k], a.compare) == 0 ? "--compare"
                                                                   : "--group";
                vigil_error_wrap("%s column '%s'", role, keep[k]);
                break;
            }
        goto fail;
    }
    if ((err = vigil_phi_guard(t, a.data, NULL, 0, a.allow, a.n_allow)) != 0) goto fail;
    int sc, lc;
    if ((sc = vigil_table_require(t, a.score, "score column")) < 0) {
        err = sc;
        goto fail;
    }
    if ((lc = vigil_table_require(t, a.label, "label column")) < 0) {
        err = lc;
        goto fail;
    }
    size_t n = vigil_table_nrows(t);
    const double *score = vigil_table_numeric(t, (size_t)sc), *label = vigil_table_numeric(t, (size_t)lc);
    if (n == 0) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: no cases (the file has no data rows)", a.data);
        goto fail;
    }
    if (!score) {
        err = vigil_error_set(VIGIL_EINVAL, "%s: score column '%s' is not numeric (e.g. line %zu: '%s')",
                              a.data, a.score, n ? vigil_table_row_line(t, 0) : 2,
                              n && vigil_table_codes(t, (size_t)sc)[0] >= 0
                                  ? vigil_table_level(t, (size_t)sc, (size_t)vigil_table_codes(t, (size_t)sc)[0])
                                  : "");
        goto fail;
    }
    if (!label) { /* text labels: report the first one as not 0/1 */
        const int32_t *codes = vigil_table_codes(t, (size_t)lc);
        size_t col = header_column(a.data, a.label);
        err = vigil_error_set(VIGIL_EINVAL, "1 label is not 0 or 1 (%s:%zu:%zu: '%s'); labels must be 0 or 1",
                              a.data, n ? vigil_table_row_line(t, 0) : 2, col,
                              n && codes[0] >= 0 ? vigil_table_level(t, (size_t)lc, (size_t)codes[0]) : "");
        goto fail;
    }
    if ((err = vigil_metrics_check(score, label, n, a.data, header_column(a.data, a.score),
                                   header_column(a.data, a.label), row_line, t)) != 0)
        goto fail;
    const double *compare = NULL;
    if (a.compare) {
        int cc2 = vigil_table_require(t, a.compare, "comparison score column");
        if (cc2 < 0) {
            err = cc2;
            goto fail;
        }
        if (!(compare = vigil_table_numeric(t, (size_t)cc2))) {
            err = vigil_error_set(VIGIL_EINVAL, "%s: --compare column '%s' is not numeric", a.data, a.compare);
            goto fail;
        }
        if ((err = vigil_metrics_check(compare, label, n, a.data, header_column(a.data, a.compare),
                                       header_column(a.data, a.label), row_line, t)) != 0)
            goto fail;
    }
    for (size_t g = 0; g < a.n_groups; g++) {
        const int32_t *cc[8];
        const char *const *ll[8];
        for (size_t p = 0; p < n_parts[g]; p++) {
            int c = vigil_table_require(t, parts[g][p], "group column");
            if (c < 0) {
                err = c;
                goto fail;
            }
            levels_t *L = &col_lv[n_col_lv++];
            if ((err = vigil_table_as_levels(t, (size_t)c, &L->codes, &L->levels, &L->n_levels)) != 0)
                goto fail;
            cc[p] = L->codes;
            ll[p] = (const char *const *)L->levels;
        }
        if (n_parts[g] == 1) {
            groups[g] = (vigil_metrics_group){a.groups[g], cc[0], ll[0], col_lv[n_col_lv - 1].n_levels};
        } else {
            if ((err = vigil_fairness_intersect(cc, ll, n_parts[g], n, &inter[g].codes, &inter[g].levels,
                                                &inter[g].n_levels)) != 0)
                goto fail;
            groups[g] = (vigil_metrics_group){a.groups[g], inter[g].codes,
                                              (const char *const *)inter[g].levels, inter[g].n_levels};
        }
    }
    double t_load = vigil_seconds() - t0;

    if (!a.no_store) {
        if ((rc = cli_open_store("metrics", a.db, 0, &store)) != 0) goto done;
        if (!(cfg = config_json(&a))) {
            err = vigil_error_set(VIGIL_ENOMEM, "out of memory");
            goto fail;
        }
        char name[512];
        const char *base = strrchr(a.data, '/');
        snprintf(name, sizeof name, "%s", base ? base + 1 : a.data);
        uint64_t bytes = 0;
        const char *sha = vigil_table_sha256(t, &bytes); /* taken while parsing: read once */
        vigil_run_file f = {"data", a.data, sha, bytes};
        vigil_run_spec spec = {"metrics", name, cfg, &f, 1, a.seed, a.bootstrap > 0};
        if ((err = vigil_run_begin(&run, store, &spec)) != 0) goto fail;
        run_id = vigil_run_id(run);
    }

    vigil_metrics_options mo = {0};
    mo.thresholds = a.n_thr ? a.thr : NULL;
    mo.n_thresholds = a.n_thr;
    mo.bootstrap = a.bootstrap;
    mo.seed = a.seed;
    mo.threads = (unsigned)a.threads;
    mo.min_cell = a.min_cell;
    mo.lowess_bootstrap = a.lowess_bootstrap;
    mo.compare = compare;
    mo.compare_name = a.compare;
    if ((err = vigil_metrics_compute(&rep, score, label, n, groups, a.n_groups, &mo)) != 0) goto fail;

    double tw = vigil_seconds();
    if (store) {
        if ((err = vigil_results_new(&res)) != 0) goto fail;
        if ((err = vigil_metrics_report_store(rep, res)) != 0) goto fail;
    }
    char *text = json ? NULL : vigil_metrics_report_text(rep);
    double t_write = vigil_seconds() - tw;
    doc = vigil_metrics_report_json(rep, t_load, t_write);
    if (doc) { /* scripts find the stored run by the run_id the command printed */
        cJSON *j = cJSON_Parse(doc);
        cJSON *withid = cJSON_CreateObject();
        if (j && withid) {
            if (store) cJSON_AddNumberToObject(withid, "run_id", (double)run_id);
            else cJSON_AddNullToObject(withid, "run_id");
            cJSON *item = j->child;
            while (item) {
                cJSON *next = item->next;
                cJSON_AddItemToObject(withid, item->string, cJSON_DetachItemViaPointer(j, item));
                item = next;
            }
            free(doc);
            doc = cJSON_PrintBuffered(withid, 1 << 16, 1);
        }
        cJSON_Delete(j);
        cJSON_Delete(withid);
    }
    if (!doc || (!json && !text)) {
        free(text);
        err = vigil_error_set(VIGIL_ENOMEM, "out of memory writing the report");
        goto fail;
    }
    if (store) {
        if ((err = vigil_results_add_document(res, "result", doc)) != 0) goto fail;
        if ((err = vigil_run_finish(run, res, -1)) != 0) goto fail;
    }
    if (json) {
        fputs(doc, stdout);
        fputc('\n', stdout);
    } else {
        fputs(text, stdout);
        if (store) printf("\nstored as run %lld\n", (long long)run_id);
    }
    free(text);
    rc = VIGIL_EXIT_OK;
    goto done;
fail:
    vigil_run_fail(run, NULL); /* before the store goes: a failed finish included */
    rc = cli_fail("metrics", err);
done:
    vigil_run_free(run);
    free(doc);
    free(cfg);
    vigil_results_free(res);
    vigil_store_close(store);
    vigil_metrics_report_free(rep);
    for (size_t i = 0; i < n_col_lv; i++) vigil_table_levels_free(col_lv[i].codes, col_lv[i].levels, col_lv[i].n_levels);
    for (size_t g = 0; g < a.n_groups; g++) {
        vigil_table_levels_free(inter[g].codes, inter[g].levels, inter[g].n_levels);
        free(gbuf[g]);
    }
    vigil_table_free(t);
    return rc;
}
