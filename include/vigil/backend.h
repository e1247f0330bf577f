/* vigil — the scoring backends, as the library's users choose them.
 *
 * Two implementations stand behind one interface: `cpu` (pthreads over blocks of rows, always
 * built) and `cuda` (kernels in src/backend/cuda/, built when nvcc is found). Tree scoring
 * (vigil_model_predict), TreeSHAP (vigil_explain) and the MMD drift test take a backend request;
 * AUTO uses CUDA when a device answers and the CPU otherwise, and every result says which ran.
 * A CUDA failure falls back to the CPU with a message on stderr, never a crash. Both backends
 * give the same numbers: float32 margins summed in XGBoost's order, double-precision SHAP.
 * (The flat forest both implement is internal: src/backend/backend.h.) */
#ifndef VIGIL_BACKEND_PUBLIC_H
#define VIGIL_BACKEND_PUBLIC_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    VIGIL_BACKEND_AUTO = 0, /* CUDA when a device answers, else CPU */
    VIGIL_BACKEND_CPU,
    VIGIL_BACKEND_CUDA
} vigil_backend_kind;

typedef struct {
    vigil_backend_kind backend; /* requested */
    int threads;                /* CPU threads; <= 0: all cores */
} vigil_backend_options;

/* "cpu" / "cuda" / "auto" */
const char *vigil_backend_name(vigil_backend_kind k);
/* The CPU threads a request for `threads` means (<= 0: every online CPU). */
int vigil_backend_threads(int threads);
/* 1 when a CUDA device answers (always 0 without the CUDA backend compiled in). */
int vigil_cuda_available(void);

#ifdef __cplusplus
}
#endif
#endif
