/* Fuzz the model loaders (XGBoost JSON, vigil-linear, vigil-mlp): any bytes must load or be
 * refused with an error, never crash; a model that loads must score a row without reading
 * outside its arrays (ASan) whatever the row holds. */
#include "fuzz.h"
#include "vigil/vigil.h"

#include <math.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_init();
    const char *path = fuzz_file(data, size, ".json");
    vigil_model *m = NULL;
    if (vigil_model_load(&m, path) == VIGIL_OK) {
        size_t F = vigil_model_n_features(m), K = vigil_model_n_outputs(m);
        if (F <= 4096 && K <= 4096) {
            float *x = malloc(2 * F * sizeof *x);
            double *s = malloc(2 * K * sizeof *s);
            for (size_t j = 0; j < F; j++) x[j] = (float)j - 1.5f, x[F + j] = NAN;
            vigil_backend_options o = {VIGIL_BACKEND_CPU, 1};
            vigil_model_predict(m, x, vigil_model_kind_of(m) == VIGIL_MODEL_TREES ? 2 : 1, &o, s, NULL, NULL);
            free(x), free(s);
        }
        vigil_model_free(m);
    }
    unlink(path);
    return 0;
}
