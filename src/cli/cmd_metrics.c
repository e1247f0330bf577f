/* vigil metrics — discrimination, calibration, thresholds and subgroup fairness of one score. */
#include "cli/cli.h"
#include "vigil/run.h"
#include "vigil/error.h"

#include <getopt.h>
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

int cmd_metrics(int argc, char **argv)
{
    args a = {0};
    int rc = parse(argc, argv, &a), err = 0;
    if (rc) return rc;
    int json = cli_parse_format("metrics", a.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    for (size_t g = 0; g < a.n_groups; g++) {
        char *buf = strdup(a.groups[g]), *parts[VIGIL_GROUP_SPEC_MAX];
        if (!buf) return cli_fail("metrics", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
        size_t np = vigil_group_spec_split(buf, parts, VIGIL_GROUP_SPEC_MAX), empty = 0;
        for (size_t p = 0; p < np; p++) empty += !*parts[p];
        free(buf);
        if (empty) return cli_usage("metrics", "--group '%s' has an empty column name", a.groups[g]);
    }

    vigil_run_metrics_options o = VIGIL_RUN_METRICS_OPTIONS_INIT;
    o.db_path = a.no_store ? NULL : cli_db_path(a.db);
    o.compare = a.compare;
    o.groups = a.groups;
    o.n_groups = a.n_groups;
    o.thresholds = a.thr;
    o.n_thresholds = a.n_thr;
    o.bootstrap = a.bootstrap;
    o.seed = a.seed;
    o.threads = (unsigned)a.threads;
    o.min_cell = a.min_cell;
    o.lowess_bootstrap = a.lowess_bootstrap;
    o.allow = a.allow;
    o.n_allow = a.n_allow;
    vigil_run_metrics_result *r = NULL;
    if ((err = vigil_run_metrics(&r, a.data, a.score, a.label, &o)) != 0) return cli_fail("metrics", err);
    if (json) {
        fputs(vigil_run_metrics_result_json(r), stdout);
        fputc('\n', stdout);
    } else {
        fputs(vigil_run_metrics_result_text(r), stdout);
        if (!a.no_store) printf("\nstored as run %lld\n", (long long)vigil_run_metrics_result_run_id(r));
    }
    vigil_run_metrics_result_free(r);
    return VIGIL_EXIT_OK;
}
