/* vigil drift — distribution-shift tests between a reference and a current case file. */
#include "cli/cli.h"
#include "cli/options.h"
#include "vigil/backend.h"
#include "vigil/drift.h"
#include "vigil/error.h"
#include "vigil/phi.h"
#include "vigil/table.h"
#include "core/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char cmd_drift_help[] =
    "usage: vigil drift --reference A.csv --current B.csv [--features a,b,...]\n"
    "                   [--correction holm|bh|none] [--alpha A] [--mmd] [--permutations N]\n"
    "                   [--mmd-rows N] [--seed S] [--threads K] [--id COL] [--allow-column C=WHY]\n"
    "                   [--backend auto|cpu|cuda]\n"
    "                   [--format table|json]\n"
    "\n"
    "Tests every feature (default: every column both files share but --id) for a change in distribution:\n"
    "  numeric      KS (exact p when both sizes <= 10000, as scipy ks_2samp), Anderson-Darling\n"
    "               k-sample (p interpolated as scipy, capped to [0.001, 0.25]), Cramer-von Mises\n"
    "               (exact p when both sizes <= 20; ECDF form of the statistic, which equals\n"
    "               scipy's without ties and stays a CvM statistic with them), Wasserstein-1 (and / reference SD), PSI\n"
    "               (ten bins at reference deciles, 1e-4 floors), Jensen-Shannon distance (ln).\n"
    "               On heavily tied columns (one value >= 5% of the pooled sample) the CvM and\n"
    "               AD p-values come from the permutation null (seeded by the data; 1,999 to\n"
    "               199,999 permutations, so p >= 5e-6, fewer on very large windows;\n"
    "               AD's then not capped)\n"
    "  categorical  chi-square on the union of categories (unseen ones count), PSI, JS\n"
    "Missing values are left out of the tests; the missing rate is tested on its own\n"
    "(two-proportion z test). The p-value corrected across features is KS (numeric) or\n"
    "chi-square (categorical); a feature drifts when that corrected p < alpha AND its effect\n"
    "(Wasserstein / reference SD, or PSI) >= 0.1. A feature with fewer than 2 non-missing\n"
    "values in a window (a feed that stopped) is kept: its distribution tests are not\n"
    "computable (null, with the reason) and its missing-rate test decides instead\n"
    "(p in the correction, |missing-rate difference| against the same floor).\n"
    "\n";

static const char epilogue[] =
    "Exit status: 0 no drift, 1 at least one feature drifted, 2 bad input.\n"
    "JSON: alarm, n_alarms, correction, alpha, features.<name>.{type,n_ref,n_cur,missing_ref,\n"
    "missing_cur,drift,p,p_adjusted,effect,effect_floor,decided_by,computable,not_computable,\n"
    "missing_rate{diff,p},tests.<test>.\n"
    "{stat,p}}, multivariate.mmd.{stat,p,bandwidth,permutations,rows}, seconds.{load,compute}.\n";

#define MAX_FEAT 4096

static struct {
    cli_common c;
    const char *reference, *current, *features, *correction, *id, *delimiter;
    double alpha;
    int mmd;
    size_t permutations, mmd_rows, seed;
} A;

static const cli_option opts[] = {
    CLI_OPT_STRING("reference", 0, "A.csv", "the reference case file", &A.reference),
    CLI_OPT_STRING("current", 0, "B.csv", "the current case file", &A.current),
    CLI_OPT_STRING("delimiter", 0, "C", "the files' field separator: ',' (default), ';', '|' or tab", &A.delimiter),
    CLI_OPT_STRING("features", 0, "a,b,...", "the features to test (default: every shared column)",
                   &A.features),
    CLI_OPT_CHOICE("correction", 0, "C", "holm|bh|none",
                   "holm (default), bh (Benjamini-Hochberg) or none", &A.correction),
    CLI_OPT_DOUBLE("alpha", 0, "A", "significance level (default 0.01)", &A.alpha),
    CLI_OPT_FLAG("mmd", 0,
                 "also a multivariate MMD test (RBF kernel, median-heuristic bandwidth,\n"
                 "unbiased MMD^2) on the numeric features standardised by the reference\n"
                 "SD, rows with a missing value left out, at most --mmd-rows per window\n"
                 "(default 2000, seeded subsample)",
                 &A.mmd),
    CLI_OPT_SIZE("permutations", 0, "N", "MMD permutations (default 500)", &A.permutations),
    CLI_OPT_SIZE("mmd-rows", 0, "N", "MMD: at most N rows per window (default 2000)", &A.mmd_rows),
    CLI_OPT_CHOICE("backend", 0, "B", "auto|cpu|cuda",
                   "MMD: auto (a CUDA device when one answers: the kernel matrix and every\n"
                   "permutation's sums on the GPU), cpu or cuda (default auto)",
                   &A.c.backend),
    CLI_OPT_SIZE("seed", 0, "S", "seed for the MMD subsample and permutations (default 1)", &A.seed),
    CLI_OPT_SIZE("threads", 0, "K", "threads across features and permutations (default: all CPUs)",
                 &A.c.threads),
    CLI_OPT_STRING("id", 0, "COL", "the case id column: not tested; the PHI guard judges its values, not its name",
                   &A.id),
    CLI_OPTS_ALLOW_COLUMN(&A.c),
    CLI_OPTS_FORMAT(&A.c),
    CLI_OPT_END,
};

const cli_spec cmd_drift_spec = {"drift", cmd_drift_help, opts, epilogue};

int cmd_drift(int argc, char **argv)
{
    const char *refp = NULL, *curp = NULL, *format = NULL;
    char *featarg = NULL;
    const char *feats[MAX_FEAT];
    size_t nfeat = 0;
    vigil_phi_allow allow[CLI_LIST_MAX];
    size_t n_allow = 0;
    const char *idcol = NULL;
    vigil_drift_options o = VIGIL_DRIFT_OPTIONS_INIT;
    int rc = VIGIL_EXIT_INTERNAL, json = 0, npos;
    vigil_table *ref = NULL, *cur = NULL;
    vigil_drift_result *res = NULL;
    char *doc = NULL;
    memset(&A, 0, sizeof A);
    A.alpha = o.alpha;
    A.permutations = o.mmd_permutations;
    A.mmd_rows = o.mmd_max_rows;
    A.seed = (size_t)o.seed;
    A.c.threads = (size_t)o.threads;
    int prc = cli_options_parse(&cmd_drift_spec, argc, argv, &npos);
    if (prc) return prc < 0 ? VIGIL_EXIT_OK : prc;
    if (cli_common_allow("drift", &A.c, allow, &n_allow)) return VIGIL_EXIT_USAGE;
    refp = A.reference;
    curp = A.current;
    format = A.c.format;
    featarg = (char *)A.features;
    idcol = A.id;
    o.mmd = A.mmd;
    if (A.c.backend)
        o.backend = strcmp(A.c.backend, "cuda") == 0  ? VIGIL_BACKEND_CUDA
                    : strcmp(A.c.backend, "cpu") == 0 ? VIGIL_BACKEND_CPU
                                                      : VIGIL_BACKEND_AUTO;
    if (A.correction)
        o.correction = strcmp(A.correction, "bh") == 0     ? VIGIL_CORRECT_BH
                       : strcmp(A.correction, "none") == 0 ? VIGIL_CORRECT_NONE
                                                           : VIGIL_CORRECT_HOLM;
    o.alpha = A.alpha;
    if (!(o.alpha > 0 && o.alpha < 1))
        return cli_usage("drift", "--alpha must be in (0, 1), got '%g'", o.alpha);
    o.mmd_permutations = A.permutations;
    o.mmd_max_rows = A.mmd_rows;
    o.seed = A.seed;
    o.threads = (int)A.c.threads;
    if (npos > 0) return cli_usage("drift", "unexpected argument '%s'", argv[1]);
    if (!refp) return cli_usage("drift", "--reference is required");
    if (vigil_backend_check(o.backend)) return cli_usage("drift", "%s", vigil_error_last());
    if (!curp) return cli_usage("drift", "--current is required");
    if ((json = cli_parse_format("drift", format)) < 0) return VIGIL_EXIT_USAGE;
    if (featarg) {
        for (char *s = strtok(featarg, ","); s; s = strtok(NULL, ",")) {
            if (!*s) continue;
            if (nfeat == MAX_FEAT) return cli_usage("drift", "at most %d features", MAX_FEAT);
            for (size_t i = 0; i < nfeat; i++)
                if (strcmp(feats[i], s) == 0) return cli_usage("drift", "feature '%s' given twice", s);
            feats[nfeat++] = s;
        }
        if (!nfeat) return cli_usage("drift", "--features is empty");
        o.features = feats;
        o.n_features = nfeat;
    }
    vigil_csv_options co = VIGIL_CSV_OPTIONS_INIT;
    if (cli_parse_delimiter("drift", A.delimiter, &co.delimiter)) return VIGIL_EXIT_USAGE;
    double t0 = vigil_seconds();
    int e = vigil_table_read_csv(&ref, refp, &co);
    if (!e) e = vigil_table_read_csv(&cur, curp, &co);
    if (!e && vigil_table_nrows(ref) == 0)
        e = vigil_error_set(VIGIL_EINVAL, "%s: the reference window has no rows", refp);
    if (!e && vigil_table_nrows(cur) == 0)
        e = vigil_error_set(VIGIL_EINVAL, "%s: the current window has no rows", curp);
    /* Both files go through the PHI guard, like every case file vigil reads. */
    if (!e && idcol && vigil_table_find(ref, idcol) < 0)
        e = vigil_error_set(VIGIL_EINVAL, "%s: no id column '%s' (--id)", refp, idcol);
    if (!e) e = vigil_phi_guard(ref, refp, idcol, NULL, allow, n_allow);
    if (!e) e = vigil_phi_guard(cur, curp, idcol, NULL, allow, n_allow);
    /* Without --features: every column both files share, except the id. */
    if (!e && !o.features) {
        for (size_t k = 0; k < vigil_table_ncols(ref) && nfeat < MAX_FEAT; k++) {
            const char *nm = vigil_table_col_name(ref, k);
            if ((idcol && strcmp(nm, idcol) == 0) || vigil_table_find(cur, nm) < 0) continue;
            feats[nfeat++] = nm;
        }
        if (!nfeat) e = vigil_error_set(VIGIL_EINVAL, "%s and %s share no column to test", refp, curp);
        o.features = feats;
        o.n_features = nfeat;
    }
    double tload = vigil_seconds() - t0;
    if (!e) e = vigil_drift_compare(ref, cur, &o, &res);
    if (e) { rc = cli_fail("drift", e); goto done; }
    vigil_drift_result_set_load_seconds(res, tload);
    if (json) {
        if (vigil_drift_result_json(res, &doc)) { rc = cli_fail("drift", vigil_error_last_code()); goto done; }
        printf("%s\n", doc);
    } else {
        cli_out("%-24s %-11s %10s %10s %10s %10s  %s\n", "feature", "type", "stat", "effect",
               "p_adj", "miss_p", "drift");
        for (size_t i = 0; i < vigil_drift_result_n_features(res); i++) {
            const vigil_drift_feature *f = vigil_drift_result_feature(res, i);
            int num = f->type == VIGIL_DRIFT_NUMERIC;
            char stat[32];
            if (f->computable) snprintf(stat, sizeof stat, "%.4g", num ? f->ks_stat : f->chi2_stat);
            else snprintf(stat, sizeof stat, "n/a");
            cli_out("%-24s %-11s %10s %10.4g %10.3g %10.3g  %s\n", f->name,
                   num ? "numeric" : "categorical", stat, f->effect, f->p_adjusted, f->missing_p,
                   f->drift ? "DRIFT" : "-");
        }
        for (size_t i = 0; i < vigil_drift_result_n_features(res); i++) {
            const vigil_drift_feature *f = vigil_drift_result_feature(res, i);
            if (f->computable) continue;
            double rr = (double)f->missing_ref / (double)(f->n_ref + f->missing_ref);
            double rc_ = (double)f->missing_cur / (double)(f->n_cur + f->missing_cur);
            cli_out("feature '%s': distribution tests not computable (%s); its missing rate decides: "
                   "%.1f%% -> %.1f%% missing (effect = the difference)\n",
                   f->name, f->not_computable, 100 * rr, 100 * rc_);
        }
        double ms, mp, bw;
        size_t perm, rows;
        if (vigil_drift_result_mmd(res, &ms, &mp, &bw, &perm, &rows) == 0)
            cli_out("multivariate MMD^2 %.4g  p %.4g  (bandwidth %.3g, %zu permutations, %zu rows)\n",
                   ms, mp, bw, perm, rows);
        if (vigil_drift_result_mmd_note(res))
            cli_out("multivariate MMD: %s\n", vigil_drift_result_mmd_note(res));
        cli_out("%zu of %zu features drifted (%s-corrected p < %g and effect >= floor)\n",
               vigil_drift_result_n_alarms(res), vigil_drift_result_n_features(res),
               o.correction == VIGIL_CORRECT_HOLM ? "Holm" : o.correction == VIGIL_CORRECT_BH ? "BH" : "un",
               o.alpha);
    }
    rc = vigil_drift_result_alarm(res) ? VIGIL_EXIT_CRITERION : VIGIL_EXIT_OK;
done:
    free(doc);
    vigil_drift_result_free(res);
    vigil_table_free(ref);
    vigil_table_free(cur);
    return rc;
}
