/* vigil metrics — discrimination, calibration, thresholds and subgroup fairness of one score. */
#include "cli/cases.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "core/util.h"
#include "vigil/run.h"
#include "vigil/error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char cmd_metrics_help[] =
    "usage: vigil metrics --data F.csv --score COL --label COL [--group COL]... [--threshold T]...\n"
    "                     [--compare COL] [--time COL --event COL --horizon H]\n"
    "   or: vigil metrics --data F.csv --class-scores PREFIX --label COL [--top-k K] [--group COL]...\n"
    "                     [--decision COL [--exposure COL] [--decision-time COL] [--arm COL]\n"
    "                      [--override-reason COL]]\n"
    "                     [--bootstrap N] [--seed S] [--threads K] [--backend B] [--min-cell M]\n"
    "                     [--delimiter C] [--db FILE] [--no-store] [--format table|json]\n"
    "       vigil metrics --data F.csv --score COL --time COL --event COL --horizon H\n"
    "                     [--label COL] [--group COL]... [--min-cell M] [--db FILE] [--no-store]\n"
    "                     [--format table|json]\n"
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
    "  human in the loop (with --decision, the clinician's final action, 0 or 1; the model\n"
    "                  flags a case when score >= the first --threshold): agreement,\n"
    "                  override rate of flags and of non-flags, team (decision) and model\n"
    "                  (flag) sensitivity, specificity and PPV with Wilson CIs, exact\n"
    "                  McNemar test of their correctness, flag rate and number needed to\n"
    "                  evaluate (1/PPV); per subgroup level, with the gap in override rates\n"
    "                  (Newcombe CI); alerts per 100 units of --exposure (exact Poisson),\n"
    "                  quartiles of --decision-time, overrides by --override-reason, and with\n"
    "                  --arm (1 assisted, 0 unassisted) the difference in outcome rate and\n"
    "                  sensitivity between arms (Newcombe) and the number needed to treat\n"
    "  time to event   (with --time, --event and --horizon; --score is then the risk of the\n"
    "                  event by H, and --label may be left out: without it only this block is\n"
    "                  computed) IPCW time-dependent AUROC and Brier at H with a Kaplan-Meier\n"
    "                  censoring model and their influence-function CIs (as\n"
    "                  riskRegression::Score, cens.model = \"km\"), Harrell's C (as\n"
    "                  survival::concordance), the Kaplan-Meier risk at H, observed/expected\n"
    "                  and a calibration curve at H by risk group; per subgroup level\n"
    "  multi-class     (with --class-scores PREFIX: the columns PREFIX<class> hold each class's\n"
    "                  probability, rows summing to 1 within 1e-6, and --label the class):\n"
    "                  accuracy, top-K accuracy, log loss, Brier, one-vs-rest AUROC per class\n"
    "                  and its macro and weighted means (as scikit-learn), mean reciprocal rank,\n"
    "                  classwise and top-label ECE, per-class sensitivity and PPV of the argmax,\n"
    "                  the confusion matrix and the top-label calibration curve; per subgroup\n"
    "                  level, with the top-K accuracy and macro AUROC gaps\n"
    "Hosmer-Lemeshow is reported for completeness; judge calibration by the curve, slope and\n"
    "intercept (Van Calster et al. 2019): HL depends on the grouping and on n.\n"
    "\n";

static const char epilogue[] =
    "JSON: n, prevalence, discrimination.auroc.{value,ci_low,ci_high}, discrimination.auprc,\n"
    "calibration.{brier,ece,ece_equal_mass,mce,slope,intercept,citl,eavg,e50,e90,emax,\n"
    "spiegelhalter_z,spiegelhalter_p,hosmer_lemeshow{stat,df,p}}, threshold.{value,tpr,fpr,\n"
    "ppv,npv,selection_rate}, thresholds[], net_benefit, subgroups.<col>.levels.<level>,\n"
    "subgroups.<col>.disparities, human (with --decision: agreement, override_of_flags,\n"
    "override_of_nonflags, team.{sensitivity,specificity,ppv}, model.{...}, flag_rate, nne,\n"
    "mcnemar.{b,c,p}, team_vs_model.{sensitivity,specificity}.{n,difference,ci_low,ci_high,\n"
    "discordant_team_only,discordant_model_only} (team minus model on the same positives /\n"
    "negatives, Newcombe's paired interval), alerts_per_100, decision_time, arms,\n"
    "overrides_by_reason, subgroups.<col>.{levels,override_of_flags_gap,\n"
    "override_of_nonflags_gap}; each rate {value,ci_low,ci_high} and a 'reason' when not\n"
    "given), survival (with --time: horizon, n,\n"
    "events_by_horizon, censored_before_horizon, event_free_past_horizon, auc, brier, c_harrell,\n"
    "c_harrell_ci, km_risk, km_risk_ci, mean_risk, oe_ratio, calibration; also under\n"
    "subgroups.<col>.levels.<level>.survival), bootstrap,\n"
    "multiclass (with --class-scores, instead of the binary blocks: n_classes, accuracy,\n"
    "top_k_accuracy, log_loss, brier, auroc_ovr_macro, auroc_ovr_weighted, mrr, ece_classwise,\n"
    "ece_top_label, classes.<c>.{n,auroc,sensitivity,ppv}, confusion_matrix,\n"
    "calibration_top_label[], subgroups.<col>.{levels,disparities}),\n"
    "missingness.columns.<feature>.{missing,rate,suppressed} (every numeric column the run\n"
    "does not use), sequestration.{key,overlap,overlap_suppressed} and training_data (with\n"
    "--train-ids), seconds.{load,compute,write}. Withheld numbers\n"
    "are null. 'vigil help catalogue' lists every metric by name, with its label, the\n"
    "direction that is better and how its CI is obtained.\n";

static struct {
    cli_common c;
    const char *score, *label, *compare, *lowess;
    const char *decision, *exposure, *decision_time, *arm, *reason;
    const char *time, *event, *horizon;
    const char *class_scores, *id, *train_ids, *delimiter;
    cli_list groups, thresholds;
    size_t bootstrap, seed, min_cell, top_k;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("data", 0, "F.csv", "case file (one row per case)", &A.c.data),
    CLI_OPT_STRING("delimiter", 0, "C", "field separator of F.csv and the --train-ids file: ',' (default),\n"
                   "';', '|' or tab", &A.delimiter),
    CLI_OPT_STRING("score", 0, "COL", "predicted probability column, values in [0, 1]", &A.score),
    CLI_OPT_STRING("label", 0, "COL", "outcome column, 0 or 1 (optional with --time and --event;\n"
                   "with --class-scores: the class)", &A.label),
    CLI_OPT_STRING("time", 0, "COL", "follow-up time column (>= 0, the unit of --horizon)", &A.time),
    CLI_OPT_STRING("event", 0, "COL", "event column: 1 the event at that time, 0 censored", &A.event),
    CLI_OPT_STRING("horizon", 0, "H",
                   "time-to-event horizon: --score is the predicted risk of the event by H;\n"
                   "adds the survival block",
                   &A.horizon),
    CLI_OPT_STRING("class-scores", 0, "PREFIX",
                   "multi-class: the columns PREFIX<class> hold the class probabilities\n"
                   "(instead of --score); adds the multiclass block",
                   &A.class_scores),
    CLI_OPT_SIZE("top-k", 0, "K", "with --class-scores: K of top_k_accuracy (default 3)", &A.top_k),
    CLI_OPT_LIST("group", 0, "COL", "subgroup column (repeatable); A+B for an intersection", &A.groups),
    CLI_OPT_STRING("compare", 0, "COL",
                   "a second score of the same cases: its AUROC and the paired DeLong\n"
                   "test (pROC roc.test) under discrimination.delong_test",
                   &A.compare),
    CLI_OPT_STRING("decision", 0, "COL",
                   "the clinician's final action, 1 acted on / 0 not, on every row:\n"
                   "adds the human-in-the-loop block (human)",
                   &A.decision),
    CLI_OPT_STRING("exposure", 0, "COL",
                   "exposure of each case (e.g. patient-days, >= 0): alerts per 100 units", &A.exposure),
    CLI_OPT_STRING("decision-time", 0, "COL",
                   "time from alert to action (>= 0; empty: no action): its quartiles", &A.decision_time),
    CLI_OPT_STRING("arm", 0, "COL",
                   "1 assisted, 0 unassisted (a trial's arms): outcome and sensitivity by arm", &A.arm),
    CLI_OPT_STRING("override-reason", 0, "COL", "why a flag was overridden (text): overrides by reason",
                   &A.reason),
    /* Strings here, numbers after parsing: the range check and the de-duplication need the
     * text as given for their messages. */
    CLI_OPT_LIST("threshold", 0, "T",
                 "decision threshold, score >= T is positive (repeatable; default 0.5)", &A.thresholds),
    CLI_OPT_SIZE("bootstrap", 0, "N",
                 "BCa bootstrap replicates for metrics without a closed form\n"
                 "and every disparity (default 200; 0 skips). Cases are resampled as\n"
                 "counts over one sorted order; AUROC and threshold rates keep their\n"
                 "closed-form DeLong and Wilson intervals",
                 &A.bootstrap),
    CLI_OPT_SIZE("seed", 0, "S",
                 "bootstrap seed (default 1; stored with the run). Same seed, same\n"
                 "numbers, on any thread count",
                 &A.seed),
    CLI_OPT_SIZE("threads", 0, "K", "bootstrap threads (default: all CPUs)", &A.c.threads),
    CLI_OPT_STRING("backend", 0, "B",
                   "the bootstrap's backend: auto (default; the CPU), cpu or cuda (the\n"
                   "same numbers to the bit)",
                   &A.c.backend),
    CLI_OPT_CHOICE("lowess-bootstrap", 0, "M", "auto|on|off",
                   "bootstrap Eavg/E50/E90/Emax as well (auto, on or off): one lowess\n"
                   "per replicate, so 'auto' (default) does it up to 100000 cases",
                   &A.lowess),
    CLI_OPT_SIZE("min-cell", 0, "M",
                 "cell-size floor (default 11): no count from 1 to M-1 is shown or\n"
                 "stored, nor a rate it could be derived from; a level with fewer\n"
                 "than M cases is suppressed and left out of the disparities",
                 &A.min_cell),
    CLI_OPT_STRING("train-ids", 0, "FILE[:COL]",
                   "sequestration: count the cases whose id also occurs in column COL\n"
                   "of the training file FILE (default: the --id column's name); a\n"
                   "count, never the ids, under sequestration.overlap",
                   &A.train_ids),
    CLI_OPT_STRING("id", 0, "COL", "with --train-ids: the case id column (default: COL of --train-ids)", &A.id),
    CLI_OPT_LIST("allow-column", 0, "C=WHY",
                 "let column C through the PHI guard (it looks like a HIPAA Safe\n"
                 "Harbor identifier); the justification is stored with the run (repeatable)",
                 &A.c.allow),
    CLI_OPTS_DB_NO_STORE(&A.c),
    CLI_OPTS_FORMAT(&A.c),
    CLI_OPT_END,
};

const cli_spec cmd_metrics_spec = {"metrics", cmd_metrics_help, opts, epilogue};

typedef struct {
    char train_file[4096]; /* --train-ids split at its last ':' (when what follows names a column) */
    const char *train_col;
    double thr[CLI_LIST_MAX];
    size_t n_thr;
    int lowess_bootstrap;
    vigil_phi_allow allow[CLI_LIST_MAX];
    size_t n_allow;
    double horizon;
} args;

/* The checks on the parsed values and between options, in the order the messages have always
 * come in (the first bad option named wins within each check). */
static int check(int npos, char **argv, args *a)
{
    if (cli_common_allow("metrics", &A.c, a->allow, &a->n_allow)) return VIGIL_EXIT_USAGE;
    for (size_t g = 0; g < A.groups.n; g++)
        for (size_t i = 0; i < g; i++)
            if (strcmp(A.groups.v[i], A.groups.v[g]) == 0)
                return cli_usage("metrics", "--group '%s' given twice", A.groups.v[g]);
    for (size_t k = 0; k < A.thresholds.n; k++) {
        const char *s = A.thresholds.v[k];
        double t;
        if (cli_parse_double("metrics", "--threshold", s, &t)) return VIGIL_EXIT_USAGE;
        if (!(t >= 0 && t <= 1)) return cli_usage("metrics", "--threshold must be in [0, 1], got '%s'", s);
        size_t i = 0;
        while (i < a->n_thr && a->thr[i] != t) i++;
        if (i == a->n_thr) a->thr[a->n_thr++] = t; /* a repeat adds nothing */
    }
    if (A.bootstrap != SIZE_MAX && A.bootstrap > 1000000) return cli_usage("metrics", "--bootstrap at most 1000000");
    if (A.min_cell < 1) return cli_usage("metrics", "--min-cell must be at least 1");
    a->lowess_bootstrap = !A.lowess || strcmp(A.lowess, "auto") == 0 ? 0
                          : strcmp(A.lowess, "on") == 0             ? 1
                                                                    : -1;
    if (npos > 0) return cli_usage("metrics", "unexpected argument '%s'", argv[1]);
    if (!A.c.data) return cli_usage("metrics", "--data is required");
    if (A.class_scores && A.score) return cli_usage("metrics", "--class-scores and --score are exclusive");
    if (!A.class_scores && A.top_k != SIZE_MAX) return cli_usage("metrics", "--top-k needs --class-scores");
    if (A.top_k == 0) return cli_usage("metrics", "--top-k must be at least 1");
    if (A.top_k == SIZE_MAX) A.top_k = 3;
    if (A.class_scores && (A.time || A.event || A.horizon))
        return cli_usage("metrics", "--class-scores and --time/--event/--horizon are exclusive (time to event is for "
                                    "a binary risk)");
    if (!A.score && !A.class_scores) return cli_usage("metrics", "--score is required");
    if ((A.time || A.event || A.horizon) && !(A.time && A.event && A.horizon))
        return cli_usage("metrics", "--time, --event and --horizon go together");
    if (A.horizon) {
        if (cli_parse_double("metrics", "--horizon", A.horizon, &a->horizon)) return VIGIL_EXIT_USAGE;
        if (!(a->horizon > 0) || !isfinite(a->horizon))
            return cli_usage("metrics", "--horizon must be a positive number, got '%s'", A.horizon);
    }
    if (!A.label && !A.time) return cli_usage("metrics", "--label is required (or --time, --event and --horizon)");
    if (!A.label && (A.compare || A.decision || A.thresholds.n))
        return cli_usage("metrics", "%s needs --label (a 0/1 outcome)",
                         A.compare ? "--compare" : A.decision ? "--decision" : "--threshold");
    if (!A.label && A.bootstrap != SIZE_MAX)
        return cli_usage("metrics", "--bootstrap needs --label: the survival block's intervals come from the "
                                    "influence function, not a bootstrap");
    if (A.bootstrap == SIZE_MAX) A.bootstrap = A.label ? 200 : 0; /* not given */
    if (A.id && !A.train_ids) return cli_usage("metrics", "--id is only used with --train-ids");
    if (A.train_ids) {
        if (!*A.train_ids) return cli_usage("metrics", "--train-ids needs a file");
        if (strlen(A.train_ids) >= sizeof a->train_file) return cli_usage("metrics", "--train-ids: the path is too long");
        memcpy(a->train_file, A.train_ids, strlen(A.train_ids) + 1);
        char *colon = strrchr(a->train_file, ':');
        if (colon && colon[1] && !strchr(colon + 1, '/')) {
            *colon = '\0';
            a->train_col = colon + 1;
        }
        if (!*a->train_file) return cli_usage("metrics", "--train-ids '%s' has no file before its ':'", A.train_ids);
        if (!a->train_col && !A.id)
            return cli_usage("metrics", "--train-ids '%s' needs an id column: FILE:COLUMN, or --id COL", A.train_ids);
    }
    const char *needs = A.exposure ? "--exposure" : A.decision_time ? "--decision-time" : A.arm ? "--arm"
                        : A.reason ? "--override-reason" : NULL;
    if (needs && !A.decision)
        return cli_usage("metrics", "%s needs --decision (the clinician's final action)", needs);
    return VIGIL_EXIT_OK;
}

int cmd_metrics(int argc, char **argv)
{
    args a = {0};
    int npos, err = 0;
    memset(&A, 0, sizeof A);
    A.bootstrap = SIZE_MAX; /* not given: 200 with a label, none without */
    A.seed = 1;
    A.min_cell = SIZE_MAX; /* not given: the library's floor; 0 given is refused */
    A.top_k = SIZE_MAX;
    int rc = cli_options_parse(&cmd_metrics_spec, argc, argv, &npos);
    if (rc) return rc < 0 ? VIGIL_EXIT_OK : rc;
    if ((rc = check(npos, argv, &a)) != 0) return rc;
    int json = cli_parse_format("metrics", A.c.format);
    if (json < 0) return VIGIL_EXIT_USAGE;
    for (size_t g = 0; g < A.groups.n; g++) {
        char *buf = strdup(A.groups.v[g]), *parts[VIGIL_GROUP_SPEC_MAX];
        if (!buf) return cli_fail("metrics", vigil_error_set(VIGIL_ENOMEM, "out of memory"));
        size_t np = vigil_group_spec_split(buf, parts, VIGIL_GROUP_SPEC_MAX), empty = 0;
        for (size_t p = 0; p < np && p < VIGIL_GROUP_SPEC_MAX; p++) empty += !*parts[p];
        free(buf);
        if (empty) return cli_usage("metrics", "--group '%s' has an empty column name", A.groups.v[g]);
        if (np > VIGIL_GROUP_SPEC_MAX)
            return cli_usage("metrics", "--group '%s' joins %zu columns; at most %d", A.groups.v[g], np,
                             VIGIL_GROUP_SPEC_MAX);
    }

    vigil_run_metrics_options o = VIGIL_RUN_METRICS_OPTIONS_INIT;
    if (cli_parse_delimiter("metrics", A.delimiter, &o.delimiter)) return VIGIL_EXIT_USAGE;
    o.db_path = A.c.no_store ? NULL : cli_db_path(A.c.db);
    o.compare = A.compare;
    o.groups = (const char *const *)A.groups.v;
    o.n_groups = A.groups.n;
    o.thresholds = a.thr;
    o.n_thresholds = a.n_thr;
    o.bootstrap = A.bootstrap;
    o.seed = A.seed;
    o.threads = (unsigned)A.c.threads;
    if (cli_parse_backend("metrics", A.c.backend, &o.backend)) return VIGIL_EXIT_USAGE;
    if (vigil_backend_check(o.backend)) return cli_usage("metrics", "%s", vigil_error_last());
    o.min_cell = A.min_cell == SIZE_MAX ? 0 : A.min_cell;
    o.lowess_bootstrap = a.lowess_bootstrap;
    o.allow = a.allow;
    o.n_allow = a.n_allow;
    o.decision = A.decision;
    o.exposure = A.exposure;
    o.decision_time = A.decision_time;
    o.arm = A.arm;
    o.override_reason = A.reason;
    o.time = A.time;
    o.event = A.event;
    o.horizon = a.horizon;
    o.class_scores = A.class_scores;
    o.top_k = A.top_k;
    o.train_ids = A.train_ids ? a.train_file : NULL;
    o.train_ids_column = a.train_col;
    o.id = A.id;
    vigil_run_metrics_result *r = NULL;
    if ((err = vigil_run_metrics(&r, A.c.data, A.score, A.label, &o)) != 0) return cli_fail("metrics", err);
    if (json) {
        fputs(vigil_run_metrics_result_json(r), stdout);
        fputc('\n', stdout);
    } else {
        vigil_fputs_terminal(vigil_run_metrics_result_text(r), stdout);
        if (!A.c.no_store) printf("\nstored as run %lld\n", (long long)vigil_run_metrics_result_run_id(r));
    }
    vigil_run_metrics_result_free(r);
    return VIGIL_EXIT_OK;
}
