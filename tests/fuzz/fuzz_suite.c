/* Fuzz the suite loader (vigil_suite_def_load): any bytes must give a suite or a clean error,
 * never a crash, a leak or undefined behaviour. A suite that loads must be internally
 * consistent and every criterion must evaluate against made-up observations.
 *
 * The input is written as suite.json in a per-process scratch folder: relative paths it names
 * (models, data, training data) resolve there. The loader reads no data and writes nothing.
 * An input of odd length is loaded with VIGIL_ROOTS set to that folder, so the allowed-roots
 * check on every path is fuzzed too. */
#include "fuzz.h"
#include "suite/criteria.h"
#include "vigil/vigil.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_init();
    const char *dir = NULL;
    const char *path = fuzz_dir_file(data, size, "suite.json", &dir);
    if (size & 1) setenv("VIGIL_ROOTS", dir, 1);
    else unsetenv("VIGIL_ROOTS");
    vigil_suite_def s;
    int rc = vigil_suite_def_load(&s, path);
    unsetenv("VIGIL_ROOTS");
    if (rc != VIGIL_OK) {
        if (!*vigil_error_last()) abort(); /* an error must say something */
        return 0;
    }
    if (!s.file || !s.text || !s.name || !s.version || !s.description || !s.data.path ||
        (!s.data.label && !(s.data.followup_time && s.data.event && isfinite(s.data.horizon))) || s.n_criteria == 0 || !s.criteria || (!s.candidate && !s.data.score) ||
        (s.has_training && !s.training.path) || s.bootstrap > 1000000 || s.min_cell < 1)
        abort();
    const vigil_data_join *J = s.data.join; /* a join source is complete, and states when it was taken */
    if (J && (!J->predictions || !J->events || !J->entity || !J->time || !J->score || !J->event_time || !J->as_of ||
              !J->event_type != !J->target || !(J->window > 0) || !(J->offset >= 0) || J->aggregate < 0 ||
              J->aggregate > 3 || s.data.class_scores))
        abort();
    for (size_t i = 0; i < s.n_thresholds; i++)
        if (!(s.thresholds[i] > 0 && s.thresholds[i] < 1)) abort();
    static const char *const names[] = {"a", "b", "c"};
    static const double vals[] = {0.7, NAN, 0.9}, lo[] = {0.6, NAN, 0.8}, hi[] = {0.8, NAN, 1.0};
    for (size_t i = 0; i < s.n_criteria; i++) {
        const vigil_criterion *c = &s.criteria[i];
        if (!c->name || !c->metric || !c->info || !c->model || strcmp(c->info->name, c->metric) != 0 ||
            (c->every_level && !c->group) || (c->n_features && !c->features))
            abort();
        if ((s.needs & vigil_metric_needs(c->info)) != vigil_metric_needs(c->info)) abort();
        /* Missing, partial and complete observations: a verdict, never a crash. */
        vigil_observation obs[] = {
            {.value = NAN, .ci_low = NAN, .ci_high = NAN},
            {.value = 0.75, .ci_low = 0.7, .ci_high = 0.8, .n_alarms = 1},
            {.value = 0.75, .ci_low = NAN, .ci_high = NAN, .level_values = vals,
             .level_ci_low = lo, .level_ci_high = hi, .level_names = names, .n_levels = 3},
            {.value = 0.75, .level_values = vals, .level_names = names, .n_levels = 1},
        };
        for (size_t k = 0; k < sizeof obs / sizeof *obs; k++) {
            vigil_verdict v;
            vigil_criterion_evaluate(c, &obs[k], &v);
            if (v.pass && !v.evaluable) abort(); /* a missing value never passes */
            if (!memchr(v.threshold, 0, sizeof v.threshold) || !memchr(v.detail, 0, sizeof v.detail))
                abort();
        }
        if (!vigil_rule_name(c->rule)) abort();
    }
    vigil_suite_def_clear(&s);
    return 0;
}
