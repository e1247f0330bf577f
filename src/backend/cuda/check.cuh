// The .cu files' one error path: CK(call) records the failing call and the runtime's error in
// err (a char buffer of cap bytes in scope), sets rc = -1 and jumps to the function's done:
// label, where everything it allocated is freed.
#ifndef VIGIL_BACKEND_CUDA_CHECK_CUH
#define VIGIL_BACKEND_CUDA_CHECK_CUH
#include <cuda_runtime.h>
#include <stdio.h>

#define CK(call)                                                                              \
    do {                                                                                      \
        cudaError_t e_ = (call);                                                              \
        if (e_ != cudaSuccess) {                                                              \
            snprintf(err, cap, "%s: %s (%s)", #call, cudaGetErrorString(e_), cudaGetErrorName(e_)); \
            rc = -1;                                                                          \
            goto done;                                                                        \
        }                                                                                     \
    } while (0)

// A host allocation in a .cu file: malloc, never new (nothing may throw across the C boundary).
#define HOST_ALLOC(ptr, count)                                                                \
    do {                                                                                      \
        (ptr) = (decltype(ptr))malloc(((count) != 0 ? (count) : 1) * sizeof *(ptr));               \
        if (!(ptr)) {                                                                         \
            snprintf(err, cap, "out of host memory");                                         \
            rc = -1;                                                                          \
            goto done;                                                                        \
        }                                                                                     \
    } while (0)
#endif
