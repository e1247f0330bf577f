/* The CPU backend: every op, always built, last in the registry (the fallback of every other). */
#include "backend/cpu/cpu.h"

#include "explain/treeshap.h"

const vigil_backend_i vigil_backend_cpu = {
    .name = "cpu",
    .kind = VIGIL_BACKEND_CPU,
    .available = NULL,
    .prepare = vigil_cpu_trees_prepare,
    .release = vigil_cpu_trees_release,
    .predict_trees = vigil_cpu_predict_trees,
    .predict_linear = vigil_cpu_predict_linear,
    .predict_mlp = vigil_cpu_predict_mlp,
    .treeshap = vigil_treeshap_cpu,
    .mmd = vigil_cpu_mmd,
};
