/* Monitor files: strict loading, the per-monitor lock and the alarm actions.
 * See include/vigil/monitor.h and monitors/README.md. */
#include "monitor/monitor_internal.h"
#include "core/util.h"
#include "vigil/audit.h"
#include "vigil/error.h"
#include "vigil/fairness.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const struct {
    const char *name;
    unsigned bit;
} test_names[] = {{"ks", MON_T_KS},   {"anderson_darling", MON_T_AD},   {"cvm", MON_T_CVM},
                  {"wasserstein", MON_T_WASSERSTEIN}, {"psi", MON_T_PSI},
                  {"jensen_shannon", MON_T_JS},       {"chi2", MON_T_CHI2}};

void vigil_monitor_free(vigil_monitor *m)
{
    if (!m) return;
    free(m->file), free(m->text), free(m->name), free(m->description);
    vigil_data_config_clear(&m->data);
    free(m->ref_path), free(m->model_path), free(m->alert_file), free(m->command);
    free(m->ckpt_key), free(m->ckpt_dir);
    free(m);
}

const char *vigil_monitor_name(const vigil_monitor *m) { return m->name; }
const char *vigil_monitor_text(const vigil_monitor *m) { return m->text; }

int vigil_monitor_checkpoint(const vigil_monitor *m, const char **key, const char **dir)
{
    if (key) *key = m->ckpt_key;
    if (dir) *dir = m->ckpt_dir;
    return m->ckpt_key != NULL;
}

void vigil_monitor_night_window(const vigil_monitor *m, char *out, size_t cap)
{
    if (!cap) return;
    *out = '\0';
    if (!m->cur_w.set) return;
    char now[16] = "";
    if (m->cur_w.is_date) vigil_format_day(m->now_day, now);
    snprintf(out, cap, "current window %s%s%s%s", m->cur_w.label, *now ? " (--now " : "", now, *now ? ")" : "");
}

size_t vigil_monitor_files(const vigil_monitor *m, vigil_run_file files[4])
{
    size_t n = 0;
    files[n++] = (vigil_run_file){.role = "config", .path = m->file};
    if (m->data.join) { /* the two files the join reads (reference_data is refused with it) */
        files[n++] = (vigil_run_file){.role = "predictions", .path = m->data.join->predictions};
        files[n++] = (vigil_run_file){.role = "events", .path = m->data.join->events};
    } else
        files[n++] = (vigil_run_file){.role = "data", .path = m->data.path};
    if (m->ref_path) files[n++] = (vigil_run_file){.role = "reference", .path = m->ref_path};
    if (m->model_path) files[n++] = (vigil_run_file){.role = "model", .path = m->model_path};
    return n;
}

long vigil_monitor_today(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    char buf[16];
    strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
    return vigil_parse_day(buf);
}


static int dup_to(const char *s, char **out)
{
    if (!s) return VIGIL_OK;
    return (*out = vigil_strdup(s)) ? VIGIL_OK : vigil_error_set(VIGIL_ENOMEM, "out of memory");
}

static int parse_tests(vigil_monitor *m, const cJSON *root)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "tests");
    if (!t) {
        m->tests = MON_T_ALL;
        return VIGIL_OK;
    }
    if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) == 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.tests: expected a non-empty array of test names",
                               m->file);
    const cJSON *e;
    size_t i = 0;
    cJSON_ArrayForEach(e, t)
    {
        unsigned bit = 0;
        for (size_t k = 0; k < sizeof test_names / sizeof *test_names && cJSON_IsString(e); k++)
            if (strcmp(e->valuestring, test_names[k].name) == 0) bit = test_names[k].bit;
        if (!bit) {
            vigil_sbuf b = {0};
            for (size_t k = 0; k < sizeof test_names / sizeof *test_names; k++)
                vigil_sbuf_printf(&b, "%s%s", k ? ", " : "", test_names[k].name);
            int rc = vigil_error_set(VIGIL_EINVAL, "%s: $.tests[%zu]: unknown test '%s' (accepted: %s)",
                                     m->file, i, cJSON_IsString(e) ? e->valuestring : "?",
                                     b.s ? b.s : "");
            vigil_sbuf_free(&b);
            return rc;
        }
        if (m->tests & bit)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.tests[%zu]: '%s' listed twice", m->file, i,
                                   e->valuestring);
        m->tests |= bit;
        i++;
    }
    return VIGIL_OK;
}

static int parse_windows(vigil_monitor *m, const cJSON *root)
{
    const cJSON *w = NULL, *ref = NULL, *cur = NULL, *rd = NULL;
    static const char *const wkeys[] = {"reference", "current", NULL};
    static const char *const rkeys[] = {"path", NULL};
    const char *f = m->file;
    int rc;
    if ((rc = vigil_cfg_object(f, "$", root, "windows", false, &w)) != 0 ||
        (rc = vigil_cfg_object(f, "$", root, "reference_data", false, &rd)) != 0)
        return rc;
    if (w && ((rc = vigil_cfg_keys(f, "$.windows", w, wkeys)) != 0 ||
              (rc = vigil_cfg_object(f, "$.windows", w, "reference", false, &ref)) != 0 ||
              (rc = vigil_cfg_object(f, "$.windows", w, "current", false, &cur)) != 0))
        return rc;
    if (rd && m->data.join) /* a run records at most 4 files (vigil_monitor_files) */
        return vigil_error_set(VIGIL_EINVAL, "%s: $.reference_data: with $.data.join the reference window comes from "
                               "the joined cases: give $.windows.reference instead", f);
    if (rd) {
        const char *p = NULL;
        if ((rc = vigil_cfg_keys(f, "$.reference_data", rd, rkeys)) != 0 ||
            (rc = vigil_cfg_string(f, "$.reference_data", rd, "path", true, &p)) != 0 ||
            (rc = vigil_cfg_path(f, "$.reference_data.path", p, &m->ref_path)) != 0)
            return rc;
        if (ref)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.windows.reference: give either a reference "
                                   "window or reference_data, not both", f);
    } else if (!ref) {
        return vigil_error_set(VIGIL_EINVAL, "%s: $: missing required key 'windows' with a "
                               "'reference' window (or 'reference_data' naming a file)", f);
    } else if (!cur) {
        return vigil_error_set(VIGIL_EINVAL, "%s: $.windows: missing required key 'current'", f);
    }
    if (ref && (rc = vigil_window_parse(&m->ref_w, f, "$.windows.reference", ref, m->now_day)) != 0)
        return rc;
    if (cur && (rc = vigil_window_parse(&m->cur_w, f, "$.windows.current", cur, m->now_day)) != 0)
        return rc;
    if ((ref || cur) && !m->data.time)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.windows: windows select rows by time, but "
                               "$.data.columns.time is not set", f);
    return VIGIL_OK;
}

static int parse_cusum(vigil_monitor *m, const cJSON *root)
{
    static const char *const keys[] = {"odds_ratio", "limit", "false_signal_probability", "replicates",
                                       "seed", "alarm", "across_nights", "direction", NULL};
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "cusum");
    const char *f = m->file;
    int rc;
    m->cusum_odds_ratio = 2.0;
    /* The limit is chosen for the window (by simulation on its own risks) so that a CUSUM under
     * control signals with probability false_signal_probability per run; a fixed "limit" is
     * still taken, but its false-signal rate grows with the window. */
    m->cusum_limit = NAN;
    m->cusum_prob = 0.01;
    m->cusum_replicates = 999;
    m->cusum_seed = 1;
    m->cusum_alarm = true;
    m->cusum_across = false;
    m->cusum_direction = MON_CUSUM_WORSE;
    double reps = NAN, seed = NAN, prob = NAN, orat = NAN;
    const char *dir = NULL;
    /* On by default whenever outcomes and predictions both exist. */
    m->cusum = m->data.label && (m->data.score || m->model_path);
    if (!c) return VIGIL_OK;
    if (cJSON_IsFalse(c)) {
        m->cusum = false;
        return VIGIL_OK;
    }
    if (!cJSON_IsObject(c) && !cJSON_IsTrue(c))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum: expected false, true or an object", f);
    if (cJSON_IsObject(c) &&
        ((rc = vigil_cfg_keys(f, "$.cusum", c, keys)) != 0 ||
         (rc = vigil_cfg_number(f, "$.cusum", c, "odds_ratio", false, &orat)) != 0 ||
         (rc = vigil_cfg_bool(f, "$.cusum", c, "across_nights", false, &m->cusum_across)) != 0 ||
         (rc = vigil_cfg_string(f, "$.cusum", c, "direction", false, &dir)) != 0 ||
         (rc = vigil_cfg_number(f, "$.cusum", c, "limit", false, &m->cusum_limit)) != 0 ||
         (rc = vigil_cfg_number(f, "$.cusum", c, "false_signal_probability", false, &prob)) != 0 ||
         (rc = vigil_cfg_number(f, "$.cusum", c, "replicates", false, &reps)) != 0 ||
         (rc = vigil_cfg_number(f, "$.cusum", c, "seed", false, &seed)) != 0 ||
         (rc = vigil_cfg_bool(f, "$.cusum", c, "alarm", false, &m->cusum_alarm)) != 0))
        return rc;
    if (!isnan(m->cusum_limit) && !isnan(prob))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum: give either limit (fixed) or "
                               "false_signal_probability (the limit chosen for it), not both", f);
    if (!isnan(m->cusum_limit) && (!isnan(reps) || !isnan(seed)))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum: replicates and seed choose a simulated "
                               "limit; with a fixed limit they would be ignored", f);
    if (!isnan(m->cusum_limit)) m->cusum_prob = NAN;
    else if (!isnan(prob)) m->cusum_prob = prob;
    if (!isnan(m->cusum_prob) && !(m->cusum_prob > 0 && m->cusum_prob < 1))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.false_signal_probability: expected a "
                               "number in (0, 1), got %g", f, m->cusum_prob);
    if (!isnan(reps)) {
        if (!(reps >= 1 && reps <= 1000000 && reps == floor(reps)))
            return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.replicates: expected a whole number "
                                   "from 1 to 1000000, got %g", f, reps);
        m->cusum_replicates = (size_t)reps;
    }
    if (!isnan(m->cusum_prob) && ceil((1 - m->cusum_prob) * ((double)m->cusum_replicates + 1)) >
                                     (double)m->cusum_replicates)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.replicates: %zu cannot resolve a "
                               "false_signal_probability of %g (at least %.0f needed)", f,
                               m->cusum_replicates, m->cusum_prob, ceil(1 / m->cusum_prob) - 1);
    if (!isnan(seed)) {
        if (!(seed >= 0 && seed <= 9007199254740992.0 && seed == floor(seed)))
            return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.seed: expected a whole number >= 0, "
                                   "got %g", f, seed);
        m->cusum_seed = (uint64_t)seed;
    }
    if (!isnan(orat)) m->cusum_odds_ratio = orat;
    if (!(m->cusum_odds_ratio > 0) || m->cusum_odds_ratio == 1)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.odds_ratio: expected a number > 0 other "
                               "than 1 (the change in odds to detect), got %g", f, m->cusum_odds_ratio);
    /* The direction: "worse" (an odds ratio > 1: more events than the model predicts),
     * "better" (< 1: fewer) or "both" (an upper and a lower CUSUM, R and 1/R). Without one,
     * the odds ratio says it (0.5 alone detects better outcomes, as before). */
    if (!dir) m->cusum_direction = m->cusum_odds_ratio > 1 ? MON_CUSUM_WORSE : MON_CUSUM_BETTER;
    else if (strcmp(dir, "worse") == 0) m->cusum_direction = MON_CUSUM_WORSE;
    else if (strcmp(dir, "better") == 0) m->cusum_direction = MON_CUSUM_BETTER;
    else if (strcmp(dir, "both") == 0) m->cusum_direction = MON_CUSUM_BOTH;
    else
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.direction: expected \"worse\", \"better\" or "
                               "\"both\", got \"%s\"", f, dir);
    if (dir && m->cusum_direction == MON_CUSUM_BETTER && isnan(orat)) m->cusum_odds_ratio = 0.5;
    if (dir && m->cusum_direction != MON_CUSUM_BOTH &&
        (m->cusum_odds_ratio > 1) != (m->cusum_direction == MON_CUSUM_WORSE))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.odds_ratio: %g detects %s outcomes, but "
                               "$.cusum.direction is \"%s\" (an odds ratio > 1 detects worse, < 1 better)",
                               f, m->cusum_odds_ratio, m->cusum_odds_ratio > 1 ? "worse" : "better", dir);
    if (m->cusum_odds_ratio < 1 && m->cusum_direction == MON_CUSUM_BOTH)
        m->cusum_odds_ratio = 1 / m->cusum_odds_ratio; /* the upper's; the lower takes 1/R */
    if (m->cusum_direction == MON_CUSUM_BOTH && !isnan(m->cusum_prob) &&
        ceil((1 - m->cusum_prob / 2) * ((double)m->cusum_replicates + 1)) > (double)m->cusum_replicates)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.replicates: %zu cannot resolve a "
                               "false_signal_probability of %g split between the two CUSUMs (at least %.0f "
                               "needed)", f, m->cusum_replicates, m->cusum_prob, ceil(2 / m->cusum_prob) - 1);
    if (m->cusum_across && !m->data.time)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.across_nights: the CUSUM carried from night "
                               "to night takes each night's new cases by $.data.columns.time: set it", f);
    if (!isnan(m->cusum_limit) && !(m->cusum_limit > 0))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum.limit: expected a number > 0, got %g", f,
                               m->cusum_limit);
    if (!m->data.label || !(m->data.score || m->model_path))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cusum: the risk-adjusted CUSUM needs "
                               "$.data.columns.label and a score ($.data.columns.score or $.model)", f);
    m->cusum = true;
    return VIGIL_OK;
}

/* The model's performance (issue 17). $.cbpe: false, true or {"calibration_alpha": A}, the
 * label-free estimate: on by default where it can run: a score (or a model), a label for the
 * reference window's calibration check and sampling errors, and a threshold given in the file
 * (sensitivity and PPV are at it). $.performance: true or false, the realised performance of
 * the labelled current cases. A threshold or min_cell that nothing uses is refused. */
static int parse_performance(vigil_monitor *m, const cJSON *root)
{
    static const char *const keys[] = {"calibration_alpha", NULL};
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "cbpe");
    const char *f = m->file;
    int rc;
    bool can = m->data.label && (m->data.score || m->model_path);
    m->cbpe_alpha = 0.05;
    m->cbpe = can && m->threshold_given;
    if (c && cJSON_IsFalse(c)) m->cbpe = false;
    else if (c && !cJSON_IsObject(c) && !cJSON_IsTrue(c))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.cbpe: expected false, true or an object", f);
    else if (c) {
        if (cJSON_IsObject(c) &&
            ((rc = vigil_cfg_keys(f, "$.cbpe", c, keys)) != 0 ||
             (rc = vigil_cfg_number(f, "$.cbpe", c, "calibration_alpha", false, &m->cbpe_alpha)) != 0))
            return rc;
        if (!(m->cbpe_alpha > 0 && m->cbpe_alpha < 1))
            return vigil_error_set(VIGIL_EINVAL, "%s: $.cbpe.calibration_alpha: expected a number in (0, 1), "
                                   "got %g", f, m->cbpe_alpha);
        if (!can)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.cbpe: the label-free estimate needs a score "
                                   "($.data.columns.score or $.model) and $.data.columns.label (the "
                                   "reference window's labels check the calibration)", f);
        if (!m->threshold_given)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.cbpe: sensitivity and PPV are estimated at "
                                   "$.threshold: set it", f);
        m->cbpe = true;
    }
    /* $.performance: the realised performance of the current window's labelled cases, on by
     * default where a label and a score exist (as the CUSUM). */
    const cJSON *pf = cJSON_GetObjectItemCaseSensitive(root, "performance");
    m->performance = can;
    if (pf && !cJSON_IsBool(pf))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.performance: expected true or false", f);
    if (pf && cJSON_IsTrue(pf) && !can)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.performance: the realised performance needs a score "
                               "($.data.columns.score or $.model) and $.data.columns.label", f);
    if (pf && cJSON_IsFalse(pf)) m->performance = false;
    /* $.data.columns.groups: the realised performance per level (performance.c) and the join's
     * lead times per level ($.data.join.lead_time_threshold); with neither they are refused
     * rather than ignored */
    if (m->data.n_groups && !m->performance && !(m->data.join && isfinite(m->data.join->lead_time_threshold)))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.groups: only the realised performance and the "
                               "join's lead times are computed per level: the performance needs a score "
                               "($.data.columns.score or $.model) and $.data.columns.label, and $.performance not "
                               "false; the lead times $.data.join.lead_time_threshold", f);
    if (m->data.n_groups > MON_MAX_GROUPS)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.groups: at most %d groups", f, MON_MAX_GROUPS);
    for (size_t g = 0; g < m->data.n_groups; g++)
        for (size_t h = 0; h < g; h++)
            if (strcmp(m->data.groups[g], m->data.groups[h]) == 0)
                return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.groups[%zu]: '%s' listed twice", f, g,
                                       m->data.groups[g]);
    if (m->threshold_given && !m->data.decision && !m->cbpe && !m->performance)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.threshold: only the clinicians' decisions use it: set "
                               "$.data.columns.decision (1 acted on, 0 not), or a label and a score for "
                               "the label-free estimate ($.cbpe) and the realised performance", f);
    if (m->min_cell_given && !m->data.decision && !m->performance && !m->label_drift && !m->cusum &&
        !(m->data.join && isfinite(m->data.join->lead_time_threshold)))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.min_cell: only counts of decisions and outcomes use it: set "
                               "$.data.columns.decision (1 acted on, 0 not), or a label (label drift, the "
                               "CUSUM, the realised performance)", f);
    return VIGIL_OK;
}

static int parse_on_alarm(vigil_monitor *m, const cJSON *root)
{
    static const char *const keys[] = {"alert_file", "command", "timeout_s", NULL};
    const cJSON *a = NULL;
    const char *file = NULL, *cmd = NULL;
    int rc;
    m->command_timeout_s = VIGIL_MONITOR_COMMAND_TIMEOUT_S;
    if ((rc = vigil_cfg_object(m->file, "$", root, "on_alarm", false, &a)) != 0 || !a) return rc;
    if ((rc = vigil_cfg_keys(m->file, "$.on_alarm", a, keys)) != 0 ||
        (rc = vigil_cfg_string(m->file, "$.on_alarm", a, "alert_file", false, &file)) != 0 ||
        (rc = vigil_cfg_string(m->file, "$.on_alarm", a, "command", false, &cmd)) != 0 ||
        (rc = vigil_cfg_number(m->file, "$.on_alarm", a, "timeout_s", false, &m->command_timeout_s)) != 0)
        return rc;
    /* a cron job must end: no "forever", and at most a day */
    if (!(m->command_timeout_s > 0 && m->command_timeout_s <= 86400))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.on_alarm.timeout_s: expected seconds in (0, 86400], "
                               "got %g", m->file, m->command_timeout_s);
    if (file && (rc = vigil_cfg_path(m->file, "$.on_alarm.alert_file", file, &m->alert_file)) != 0) return rc;
    return dup_to(cmd, &m->command);
}

/* $.checkpoint: {"key": K, "out": DIR}, a signed checkpoint of the store's audit tree written
 * after each night is stored. Both are checked now, so a cron night does not fail late: the
 * key is a readable Ed25519 private key, the directory exists and can be written. */
static int parse_checkpoint(vigil_monitor *m, const cJSON *root)
{
    static const char *const keys[] = {"key", "out", NULL};
    const cJSON *c = NULL;
    const char *key = NULL, *dir = NULL, *f = m->file;
    int rc;
    if ((rc = vigil_cfg_object(f, "$", root, "checkpoint", false, &c)) != 0 || !c) return rc;
    if ((rc = vigil_cfg_keys(f, "$.checkpoint", c, keys)) != 0 ||
        (rc = vigil_cfg_string(f, "$.checkpoint", c, "key", true, &key)) != 0 ||
        (rc = vigil_cfg_string(f, "$.checkpoint", c, "out", true, &dir)) != 0 ||
        (rc = vigil_cfg_path(f, "$.checkpoint.key", key, &m->ckpt_key)) != 0 ||
        (rc = vigil_cfg_path(f, "$.checkpoint.out", dir, &m->ckpt_dir)) != 0)
        return rc;
    if (vigil_audit_key_check(m->ckpt_key, NULL) != 0) return vigil_error_wrap("%s: $.checkpoint.key", f);
    struct stat st;
    if (stat(m->ckpt_dir, &st) != 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.checkpoint.out: '%s': %s (the directory each night's "
                               "checkpoint is written in must exist)", f, m->ckpt_dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.checkpoint.out: '%s' is not a directory (each night's "
                               "checkpoint is a new file in it)", f, m->ckpt_dir);
    if (access(m->ckpt_dir, W_OK | X_OK) != 0)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.checkpoint.out: cannot write in '%s': %s", f, m->ckpt_dir,
                               strerror(errno));
    return VIGIL_OK;
}

static int parse_numbers(vigil_monitor *m, const cJSON *root)
{
    static const char *const fkeys[] = {"numeric", "categorical", "label", "decision", NULL};
    const char *f = m->file, *corr = NULL;
    const cJSON *floors = NULL;
    double min_n = 100, bins = 10, thr = NAN, min_cell = NAN;
    int rc;
    m->alpha = 0.01;
    m->floor_numeric = 0.1;
    m->floor_categorical = 0.1;
    m->floor_label = 0.1;
    m->floor_decision = 0.1;
    if ((rc = vigil_cfg_number(f, "$", root, "alpha", false, &m->alpha)) != 0 ||
        (rc = vigil_cfg_number(f, "$", root, "threshold", false, &thr)) != 0 ||
        (rc = vigil_cfg_number(f, "$", root, "min_cell", false, &min_cell)) != 0 ||
        (rc = vigil_cfg_string(f, "$", root, "correction", false, &corr)) != 0 ||
        (rc = vigil_cfg_object(f, "$", root, "effect_floors", false, &floors)) != 0 ||
        (rc = vigil_cfg_number(f, "$", root, "min_samples", false, &min_n)) != 0 ||
        (rc = vigil_cfg_number(f, "$", root, "psi_bins", false, &bins)) != 0)
        return rc;
    if (!(m->alpha > 0 && m->alpha < 1))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.alpha: expected a number in (0, 1), got %g", f, m->alpha);
    if (corr && strcmp(corr, "holm") == 0) m->correction = MON_CORR_HOLM;
    else if (corr && strcmp(corr, "bh") == 0) m->correction = MON_CORR_BH;
    else if (corr)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.correction: expected \"holm\" or \"bh\", got '%s'",
                               f, corr);
    if (floors && ((rc = vigil_cfg_keys(f, "$.effect_floors", floors, fkeys)) != 0 ||
                   (rc = vigil_cfg_number(f, "$.effect_floors", floors, "numeric", false,
                                          &m->floor_numeric)) != 0 ||
                   (rc = vigil_cfg_number(f, "$.effect_floors", floors, "categorical", false,
                                          &m->floor_categorical)) != 0 ||
                   (rc = vigil_cfg_number(f, "$.effect_floors", floors, "label", false,
                                          &m->floor_label)) != 0 ||
                   (rc = vigil_cfg_number(f, "$.effect_floors", floors, "decision", false,
                                          &m->floor_decision)) != 0))
        return rc;
    if (!(m->floor_numeric >= 0) || !(m->floor_categorical >= 0) || !(m->floor_label >= 0) ||
        !(m->floor_decision >= 0))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.effect_floors: floors must be >= 0", f);
    if (!(min_n >= 1) || min_n != floor(min_n) || min_n > 1e12)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.min_samples: expected a whole number >= 1, got %g",
                               f, min_n);
    if (!(bins >= 2) || bins != floor(bins) || bins > 1000)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.psi_bins: expected a whole number from 2 to "
                               "1000, got %g", f, bins);
    m->min_samples = (size_t)min_n;
    m->psi_bins = (size_t)bins;
    /* A threshold or cell-size policy that nothing reads is refused (a typo must not silently
     * disable a check), once $.cbpe and $.performance are known (parse_performance). */
    m->threshold_given = !isnan(thr);
    m->min_cell_given = !isnan(min_cell);
    /* as suites: the model flags a case when score >= 0.5 unless told otherwise */
    m->threshold = isnan(thr) ? 0.5 : thr;
    if (!(m->threshold > 0 && m->threshold < 1))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.threshold: expected a number in (0, 1), got %g", f,
                               m->threshold);
    if (!isnan(min_cell) && (!(min_cell >= 1 && min_cell <= 1e12) || min_cell != floor(min_cell)))
        return vigil_error_set(VIGIL_EINVAL, "%s: $.min_cell: expected a whole number >= 1, got %g", f,
                               min_cell);
    m->min_cell = vigil_fairness_min_cell(isnan(min_cell) ? 0 : (size_t)min_cell);
    return VIGIL_OK;
}

/* Roles that make sense together; columns themselves are checked when the data loads. */
static int check_roles(vigil_monitor *m)
{
    const char *f = m->file;
    vigil_data_config *d = &m->data;
    /* The cheap tests are on by default where their columns exist (issue 17): a monitor that
     * names a score (or a model) watches the predictions, one that names a label the outcome
     * rate; "prediction_drift": false / "label_drift": false turn them off. */
    if (!m->prediction_drift_given) m->prediction_drift = d->score || m->model_path;
    if (!m->label_drift_given) m->label_drift = d->label != NULL;
    if (m->prediction_drift && !d->score && !m->model_path)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.prediction_drift: needs a score: set "
                               "$.data.columns.score or $.model", f);
    if (m->label_drift && !d->label)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.label_drift: needs $.data.columns.label", f);
    if (d->decision && !d->score && !m->model_path)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.decision: the decisions are compared "
                               "with the model's flag (score >= $.threshold): set $.data.columns.score "
                               "or $.model", f);
    if (d->n_features == 0 && !m->prediction_drift && !m->label_drift && !d->decision)
        return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.features: nothing to monitor (no "
                               "features nor decisions, prediction_drift and label_drift off)", f);
    for (size_t i = 0; i < d->n_features; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->features[i], d->features[j]) == 0)
                return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.features[%zu]: '%s' listed "
                                       "twice", f, i, d->features[i]);
        const char *role = d->time && strcmp(d->features[i], d->time) == 0 ? "time"
                           : d->label && strcmp(d->features[i], d->label) == 0 ? "label"
                           : d->score && strcmp(d->features[i], d->score) == 0 ? "score"
                           : d->decision && strcmp(d->features[i], d->decision) == 0 ? "decision"
                                                                                : NULL;
        if (role)
            return vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.features[%zu]: '%s' is the %s "
                                   "column (use prediction_drift / label_drift for those; decisions are tracked as such)",
                                   f, i, d->features[i], role);
    }
    return VIGIL_OK;
}

int vigil_monitor_load(vigil_monitor **out, const char *path, long now_day)
{
    static const char *const keys[] = {"name", "description", "data", "windows", "reference_data",
                                       "tests", "alpha", "correction", "effect_floors",
                                       "min_samples", "psi_bins", "prediction_drift",
                                       "label_drift", "model", "cusum", "on_alarm", "threshold",
                                       "min_cell", "cbpe", "performance", "checkpoint", NULL};
    *out = NULL;
    cJSON *root = NULL;
    vigil_monitor *m = calloc(1, sizeof *m);
    const char *name = NULL, *desc = NULL, *model = NULL;
    const cJSON *data = NULL;
    int rc;
    if (!m || !(m->file = vigil_strdup(path))) {
        rc = vigil_error_set(VIGIL_ENOMEM, "out of memory");
        goto done;
    }
    m->now_day = now_day;
    if ((rc = vigil_read_file(path, &m->text, NULL)) != 0 || (rc = vigil_cfg_load(path, &root)) != 0)
        goto done;
    const char *f = m->file;
    if ((rc = vigil_cfg_keys(f, "$", root, keys)) != 0 ||
        (rc = vigil_cfg_string(f, "$", root, "name", true, &name)) != 0 ||
        (rc = vigil_cfg_string(f, "$", root, "description", false, &desc)) != 0 ||
        (rc = vigil_cfg_object(f, "$", root, "data", true, &data)) != 0 ||
        (rc = vigil_data_config_parse(&m->data, f, "$.data", data)) != 0 ||
        (rc = vigil_cfg_string(f, "$", root, "model", false, &model)) != 0 ||
        (rc = vigil_cfg_bool(f, "$", root, "prediction_drift", false, &m->prediction_drift)) != 0 ||
        (rc = vigil_cfg_bool(f, "$", root, "label_drift", false, &m->label_drift)) != 0)
        goto done;
    m->prediction_drift_given = cJSON_GetObjectItemCaseSensitive(root, "prediction_drift") != NULL;
    m->label_drift_given = cJSON_GetObjectItemCaseSensitive(root, "label_drift") != NULL;
    if (m->data.train_ids) { /* sequestration is a validation question: suites and vigil metrics */
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.train_ids: monitors do not check sequestration (suites and "
                             "'vigil metrics --train-ids' do)", f);
        goto done;
    }
    if (m->data.event) { /* likewise: follow-up columns are for suites and vigil metrics */
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.event: monitors do not validate time to event yet "
                             "(suites and 'vigil metrics --time --event --horizon' do)", f);
        goto done;
    }
    if (m->data.class_scores || m->data.predecessor_class_scores) { /* the same: suites only */
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.data.columns.%s: monitors do not track multi-class models "
                             "yet (suites and 'vigil metrics --class-scores' do)", f,
                             m->data.class_scores ? "class_scores" : "predecessor_class_scores");
        goto done;
    }
    for (const char *c = name; *c; c++)
        if (!(*c == '-' || *c == '_' || *c == '.' || (*c >= '0' && *c <= '9') ||
              (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z'))) {
            rc = vigil_error_set(VIGIL_EINVAL, "%s: $.name: '%s': use letters, digits, '-', '_' "
                                 "and '.' only", f, name);
            goto done;
        }
    if ((rc = dup_to(name, &m->name)) != 0 || (rc = dup_to(desc, &m->description)) != 0 ||
        (model && (rc = vigil_cfg_path(f, "$.model", model, &m->model_path)) != 0))
        goto done;
    if ((rc = parse_windows(m, root)) != 0 || (rc = parse_tests(m, root)) != 0 ||
        (rc = parse_numbers(m, root)) != 0 || (rc = check_roles(m)) != 0 ||
        (rc = parse_cusum(m, root)) != 0 || (rc = parse_performance(m, root)) != 0 ||
        (rc = parse_on_alarm(m, root)) != 0 || (rc = parse_checkpoint(m, root)) != 0)
        goto done;
    if (m->model_path && access(m->model_path, R_OK) != 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.model: cannot read '%s': %s", f, m->model_path,
                             strerror(errno));
        goto done;
    }
    if (m->ref_path && access(m->ref_path, R_OK) != 0) {
        rc = vigil_error_set(VIGIL_EINVAL, "%s: $.reference_data.path: cannot read '%s': %s", f,
                             m->ref_path, strerror(errno));
        goto done;
    }
    *out = m;
    m = NULL;
done:
    cJSON_Delete(root);
    vigil_monitor_free(m);
    return rc;
}

/* ---- the lock ------------------------------------------------------------------------ */

char *vigil_monitor_lock_path(const vigil_monitor *m, const char *db_path)
{
    char abs[PATH_MAX], hex[65];
    const char *key = realpath(m->file, abs) ? abs : m->file;
    vigil_sha256_hex(key, strlen(key), hex);
    vigil_sbuf b = {0};
    vigil_sbuf_printf(&b, "%s.monitor-%.16s.lock", db_path, hex);
    if (b.failed) {
        vigil_sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

int vigil_monitor_lock(const vigil_monitor *m, const char *lock_path, double timeout_s, int *fd)
{
    char what[300];
    snprintf(what, sizeof what, "another run of monitor '%s' (lock %s)", m->name, lock_path);
    return vigil_lock_acquire(lock_path, timeout_s, what, fd);
}

void vigil_monitor_unlock(int fd) { vigil_lock_release(fd); }

/* ---- alarm actions ------------------------------------------------------------------- */

static int write_atomic(const char *path, const char *text, char *msg, size_t cap)
{
    vigil_sbuf tmp = {0};
    vigil_sbuf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    if (tmp.failed) {
        snprintf(msg, cap, "out of memory");
        return -1;
    }
    /* Always a new file: a symlink (or anything else) planted at the predictable temporary
     * name is refused, never followed or truncated; the alert holds patient-level results,
     * so it is 0600 (the rename keeps the mode). */
    int fd = open(tmp.s, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        int e = errno;
        if (e == EEXIST || e == ELOOP)
            snprintf(msg, cap, "cannot write alert file '%s': its temporary file '%s' already exists "
                     "(a symbolic link or a leftover; refusing to follow or reuse it: remove it)",
                     path, tmp.s);
        else
            snprintf(msg, cap, "cannot write alert file '%s': %s", path, strerror(e));
        vigil_sbuf_free(&tmp);
        return -1;
    }
    FILE *f = fdopen(fd, "wb");
    if (!f) close(fd);
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0 &&
             fsync(fileno(f)) == 0;
    int err = errno;
    if (f && fclose(f) != 0 && ok) ok = 0, err = errno;
    if (ok && rename(tmp.s, path) != 0) ok = 0, err = errno;
    if (!ok) {
        snprintf(msg, cap, "cannot write alert file '%s': %s", path, strerror(err));
        unlink(tmp.s);
    }
    vigil_sbuf_free(&tmp);
    return ok ? 0 : -1;
}

/* Wait for pid until the monotonic time `until`; 1 reaped (*st set), 0 still running, -1 error. */
static int wait_until(pid_t pid, int *st, double until)
{
    for (;;) {
        pid_t r = waitpid(pid, st, WNOHANG);
        if (r == pid) return 1;
        if (r < 0 && errno != EINTR) return -1;
        if (r == 0 && vigil_seconds() >= until) return 0;
        if (r == 0) nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
    }
}

/* Run `cmd` with /bin/sh, `text` on its stdin, in its own process group; returns its wait status
 * decoded, -1 when it could not be started. The monitor holds its cron lock meanwhile, so the
 * command gets timeout_s seconds (writing its stdin included): then the whole group (the shell
 * and whatever it started) gets SIGTERM, and SIGKILL VIGIL_MONITOR_COMMAND_KILL_S later. */
static int run_command(const char *cmd, const char *text, double timeout_s, char *msg, size_t cap)
{
    int p[2];
    if (pipe(p) != 0) {
        snprintf(msg, cap, "cannot start alert command: %s", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, cap, "cannot start alert command: %s", strerror(errno));
        close(p[0]), close(p[1]);
        return -1;
    }
    if (pid == 0) {
        setpgid(0, 0);
        dup2(p[0], STDIN_FILENO);
        close(p[0]), close(p[1]);
        /* The alert command's output goes where vigil's logs go, not into --format json. */
        dup2(STDERR_FILENO, STDOUT_FILENO);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first, the group exists before a kill */
    close(p[0]);
    double until = vigil_seconds() + timeout_s;
    /* A command that does not read its stdin must not kill us with SIGPIPE, nor block us. */
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);
    fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
    size_t len = strlen(text), off = 0;
    bool nl = false;
    while (!nl) {
        const char *from = off < len ? text + off : "\n";
        ssize_t w = write(p[1], from, off < len ? len - off : 1);
        if (w > 0) {
            if (off < len) off += (size_t)w;
            else nl = true;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno == EAGAIN) {
            double left = until - vigil_seconds();
            if (left <= 0) break;
            struct pollfd pf = {p[1], POLLOUT, 0};
            poll(&pf, 1, left > 1 ? 1000 : (int)(left * 1000) + 1);
            continue;
        }
        break; /* the command stopped reading: fine */
    }
    close(p[1]);
    signal(SIGPIPE, old);
    int st = 0, r = wait_until(pid, &st, until);
    bool timed_out = r == 0, killed = false;
    if (timed_out) {
        kill(-pid, SIGTERM);
        r = wait_until(pid, &st, vigil_seconds() + VIGIL_MONITOR_COMMAND_KILL_S);
        if (r == 0) {
            kill(-pid, SIGKILL), killed = true;
            r = wait_until(pid, &st, vigil_seconds() + 3600);
        }
        kill(-pid, SIGKILL); /* what the shell started and left behind in its group */
    }
    if (r < 0) {
        snprintf(msg, cap, "alert command: waitpid failed: %s", strerror(errno));
        return -1;
    }
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 255;
    if (timed_out)
        snprintf(msg, cap, "alert command '%s' did not finish within %g s (on_alarm.timeout_s): its "
                 "process group was killed (%s), status %d", cmd, timeout_s,
                 killed ? "SIGTERM, then SIGKILL" : "SIGTERM", code);
    else if (code != 0)
        snprintf(msg, cap, "alert command '%s' exited with status %d", cmd, code);
    return code;
}

void vigil_monitor_alert(const vigil_monitor *m, const char *alert_json,
                         vigil_monitor_alert_outcome *out)
{
    memset(out, 0, sizeof *out);
    char msg[512] = "";
    if (m->alert_file) out->file_written = write_atomic(m->alert_file, alert_json, msg, sizeof msg) ? -1 : 1;
    if (m->command) {
        char cmsg[512] = "";
        double tmo = m->command_timeout_s > 0 ? m->command_timeout_s : VIGIL_MONITOR_COMMAND_TIMEOUT_S;
        int st = run_command(m->command, alert_json, tmo, cmsg, sizeof cmsg);
        out->command_ran = st < 0 ? -1 : 1;
        out->command_status = st < 0 ? 0 : st;
        if (*cmsg) snprintf(msg + strlen(msg), sizeof msg - strlen(msg), "%s%s", *msg ? "; " : "", cmsg);
    }
    snprintf(out->message, sizeof out->message, "%s", msg);
}
