/* The CPU backend: every op, always built, last in the registry (the fallback of every other). */
#include "backend/cpu/cpu.h"

#include "explain/treeshap.h"
#include "stats/metrics_report.h"

#include <stdio.h>
#include <unistd.h>

static void describe(char *buf, size_t cap)
{
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(buf, cap, "cpu: %ld thread%s online", c > 0 ? c : 1, c == 1 ? "" : "s");
}

const vigil_backend_i vigil_backend_cpu = {
    .name = "cpu",
    .kind = VIGIL_BACKEND_CPU,
    .available = NULL,
    .describe = describe,
    .prepare = vigil_cpu_trees_prepare,
    .release = vigil_cpu_trees_release,
    .predict_trees = vigil_cpu_predict_trees,
    .predict_linear = vigil_cpu_predict_linear,
    .predict_mlp = vigil_cpu_predict_mlp,
    .treeshap = vigil_treeshap_cpu,
    .mmd = vigil_cpu_mmd,
    .bootstrap = vigil_stats_bootstrap_cpu,
};
