/* vigil — the compute backends, as the library's users choose them.
 *
 * Two implementations stand behind one interface: `cpu` (a thread pool, always built) and `cuda`
 * (kernels in src/backend/cuda/, built when nvcc is found). Tree, linear and MLP scoring
 * (vigil_model_predict), TreeSHAP (vigil_explain) and the MMD drift test (vigil_drift_mmd) take
 * a backend request, and one rule decides for all of them:
 *   AUTO      the first backend that is available here and has the operation (CUDA when a
 *             device answers), else the CPU;
 *   CPU       the CPU;
 *   CUDA      CUDA, which must be built in and have a device: otherwise VIGIL_EINVAL (a usage
 *             error) with the message vigil_backend_check() gives. An operation CUDA does not
 *             implement (linear and MLP scoring, their SHAP) runs on the CPU.
 * AUTO also weighs the job: one too small to repay a device's start-up and copies runs on the
 * CPU without waking the device (thresholds measured on an H200: bench/gpu.sh, README).
 * A device failure at run time under AUTO falls back to the CPU with a vigil_warn() message,
 * never a crash; under an explicit CUDA request it is an error (VIGIL_EBACKEND, exit 3), never
 * a silent CPU run. Every result says which backend produced it. Both backends give the same numbers: float32
 * margins summed in XGBoost's order, double-precision SHAP and MMD sums. (The seam itself is
 * internal: src/backend/backend_impl.h.) */
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

/* The defaults: VIGIL_BACKEND_AUTO (CUDA when a device answers, else CPU), threads 0 (all
 * cores). Every public options struct has such a VIGIL_X_OPTIONS_INIT: start from it and set
 * what differs, so a field added later gets its default instead of a silent 0. */
#define VIGIL_BACKEND_OPTIONS_INIT {VIGIL_BACKEND_AUTO, 0}

/* "cpu" / "cuda" / "auto" */
const char *vigil_backend_name(vigil_backend_kind k);
/* The CPU threads a request for `threads` means (<= 0: every online CPU). */
int vigil_backend_threads(int threads);
/* 1 when a CUDA device answers (always 0 without the CUDA backend compiled in). */
int vigil_cuda_available(void);
/* One line on backend k for --version and the JSON (a thread-local buffer, valid until the
 * thread's next call): "cpu: 16 threads", "cuda: NVIDIA H200 (compute capability 9.0, 140 GB),
 * driver 13.0, runtime 13.0", or "cuda: unusable: cudaErrorInsufficientDriver (...)"; AUTO
 * describes the CPU. */
const char *vigil_backend_describe(vigil_backend_kind k);
/* 1 when this build has backend k (AUTO and CPU: always). */
int vigil_backend_build_has(vigil_backend_kind k);
/* 1 when backend k is built in and can run on this machine (AUTO and CPU: always). */
int vigil_backend_available(vigil_backend_kind k);
/* VIGIL_OK when a request for `want` can run here; else VIGIL_EINVAL, with the message
 * ("--backend cuda: this build has no CUDA backend (it was built with CUDA=0)", or
 * "--backend cuda: no CUDA device answers on this machine (use --backend auto or cpu)") that
 * every operation gives for the same request. */
int vigil_backend_check(vigil_backend_kind want);

#ifdef __cplusplus
}
#endif
#endif
