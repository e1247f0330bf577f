/* The CUDA stand-in's controls, for tests built with CUDA=stub (tests/cudastub/cuda_runtime.h). */
#ifndef VIGIL_CUDA_STUB_H
#define VIGIL_CUDA_STUB_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
typedef enum { VIGIL_STUB_ALLOC = 0, VIGIL_STUB_COPY, VIGIL_STUB_LAUNCH, VIGIL_STUB_KINDS } vigil_stub_kind;
/* Whether a device answers (cudaGetDeviceCount): off until a test turns it on. */
void vigil_stub_device(int on);
/* Fail the nth call of kind from now on (1 = the next; 0 = never): an allocation returns
 * cudaErrorMemoryAllocation, a copy cudaErrorInvalidValue, a launch cudaErrorLaunchFailure
 * (non-sticky); sticky != 0 makes that launch a kernel fault: cudaErrorIllegalAddress, which
 * every later call returns until vigil_stub_reset(). */
void vigil_stub_fail(vigil_stub_kind kind, long nth, int sticky);
/* Calls of kind since the last vigil_stub_fail/reset (to know when a sweep has passed them all). */
long vigil_stub_calls(vigil_stub_kind kind);
/* Device bytes the stand-in hands out at most (0: 4 GB); cudaMemGetInfo reports what is left. */
void vigil_stub_memory(size_t bytes);
/* Device allocations outstanding, and their bytes. */
size_t vigil_stub_live(size_t *bytes);
/* Launches run so far, and how many of them needed fibers (a block reached __syncthreads). */
long vigil_stub_launches(long *with_barriers);
/* Clear injected failures, a sticky error and the counters (not the live allocations). */
void vigil_stub_reset(void);
#ifdef __cplusplus
}
#endif
#endif
