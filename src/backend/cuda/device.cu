// What the CUDA runtime says about this machine, and whether the context survived an error.
#include <cuda_runtime.h>
#include <stdio.h>
#include <string.h>

#include "backend/cuda/cuda.h"

// This build's machine code is sm_80 and sm_90, with compute_90 PTX (Makefile NVCCFLAGS): a
// device older than compute capability 8.0 has no code it can run.
#define VIGIL_CUDA_MIN_MAJOR 8

static void vstr(int v, char *buf, size_t cap)
{
    if (v <= 0) snprintf(buf, cap, "none");
    else snprintf(buf, cap, "%d.%d", v / 1000, (v % 1000) / 10);
}

extern "C" void vigil_cuda_probe(vigil_cuda_info *o)
{
    memset(o, 0, sizeof *o);
    cudaDriverGetVersion(&o->driver); // 0 when no driver is installed; never an error
    cudaRuntimeGetVersion(&o->runtime);
    char dv[16], rv[16];
    vstr(o->driver, dv, sizeof dv), vstr(o->runtime, rv, sizeof rv);
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess) {
        cudaGetLastError();
        if (o->driver == 0)
            snprintf(o->reason, sizeof o->reason, "no NVIDIA driver on this machine (%s; runtime CUDA %s)",
                     cudaGetErrorName(e), rv);
        else if (e == cudaErrorInsufficientDriver)
            snprintf(o->reason, sizeof o->reason,
                     "%s: the NVIDIA driver (CUDA %s) is older than this build's CUDA runtime %s; update the "
                     "driver, or rebuild vigil against the CUDA toolkit the driver supports (README, GPU)",
                     cudaGetErrorName(e), dv, rv);
        else
            snprintf(o->reason, sizeof o->reason, "%s: %s (driver CUDA %s, runtime %s)", cudaGetErrorName(e),
                     cudaGetErrorString(e), dv, rv);
        return;
    }
    o->count = n;
    if (n == 0) {
        snprintf(o->reason, sizeof o->reason, "no CUDA device on this machine (driver CUDA %s, runtime %s)", dv, rv);
        return;
    }
    cudaDeviceProp p;
    if ((e = cudaGetDeviceProperties(&p, 0)) != cudaSuccess) {
        cudaGetLastError();
        snprintf(o->reason, sizeof o->reason, "device 0 does not answer: %s (%s)", cudaGetErrorName(e),
                 cudaGetErrorString(e));
        return;
    }
    snprintf(o->name, sizeof o->name, "%.127s", p.name);
    o->major = p.major, o->minor = p.minor, o->memory = p.totalGlobalMem;
    if (p.major < VIGIL_CUDA_MIN_MAJOR) {
        snprintf(o->reason, sizeof o->reason,
                 "%s has compute capability %d.%d; this build has code for 8.0 and newer (add its -gencode to "
                 "NVCCFLAGS and rebuild)",
                 p.name, p.major, p.minor);
        return;
    }
    o->usable = 1;
}

extern "C" int vigil_cuda_context_lost(char *why, size_t cap)
{
    cudaGetLastError(); // a non-sticky error (a failed allocation) is cleared here
    cudaError_t e = cudaDeviceSynchronize();
    if (e == cudaSuccess) return 0;
    snprintf(why, cap, "%s (%s)", cudaGetErrorName(e), cudaGetErrorString(e));
    return 1;
}

static size_t chunks[5];

extern "C" void vigil_cuda_test_chunks(size_t predict_rows, size_t treeshap_rows, size_t mmd_masks, size_t mmd_rows)
{
    chunks[0] = predict_rows, chunks[1] = treeshap_rows, chunks[2] = mmd_masks, chunks[3] = mmd_rows;
}

extern "C" void vigil_cuda_test_boot_batch(size_t reps) { chunks[4] = reps; }

extern "C" size_t vigil_cuda_chunk(int which, size_t dflt) { return chunks[which] ? chunks[which] : dflt; }
