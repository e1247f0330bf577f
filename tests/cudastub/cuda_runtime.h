// A CUDA-runtime stand-in for tests (issue 15): with it the backend's .cu files build as host
// C++ (the Makefile's CUDA=stub, `make stub-tests`) and their real kernel bodies run on the CPU
// under ASan and UBSan. It is a test harness, not a backend: a CUDA=stub build makes tests only,
// never build/vigil.
//   - Device memory is host memory, poisoned on allocation (every byte 0xFF: NaN in float and
//     double), registered so that a copy outside an allocation aborts and a leak is counted.
//   - A launch runs every block in turn and, in a block, every thread: straight through while
//     the block's first thread never reaches __syncthreads, else as fibers that all stop at each
//     barrier before any goes on (the barrier's meaning, not an approximation).
//   - Any allocation, copy or launch can be made to fail (tests/cudastub/stub.h), and a launch
//     can fail stickily, as a kernel fault does: every later call then returns that error.
// The kernels see the CUDA built-ins they use (threadIdx, blockIdx, blockDim, gridDim,
// __syncthreads, atomicAdd, __double_as_longlong, __umul64hi, the _rn intrinsics); kernel launches are
// rewritten by the Makefile from kernel<<<grid, block>>>(args) to
// vigil_stub_launch(grid, block, kernel, args).
#ifndef VIGIL_CUDA_STUB_RUNTIME_H
#define VIGIL_CUDA_STUB_RUNTIME_H

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __forceinline__ inline

using std::isnan;

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInsufficientDriver = 35,
    cudaErrorNoDevice = 100,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchFailure = 719,
} cudaError_t;

enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };

struct dim3 {
    unsigned x, y, z;
    dim3(unsigned a = 1, unsigned b = 1, unsigned c = 1) : x(a), y(b), z(c) {}
};

struct cudaDeviceProp {
    char name[256];
    int major, minor;
    size_t totalGlobalMem;
};

extern thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

cudaError_t cudaMallocBytes(void **p, size_t n);
template <class T> static inline cudaError_t cudaMalloc(T **p, size_t n)
{
    void *q = nullptr;
    cudaError_t e = cudaMallocBytes(&q, n);
    *p = (T *)q;
    return e;
}
cudaError_t cudaFree(void *p);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, cudaMemcpyKind kind);
cudaError_t cudaMemset(void *dst, int value, size_t n);
cudaError_t cudaMemGetInfo(size_t *free_b, size_t *total_b);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaGetDeviceCount(int *n);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int device);
cudaError_t cudaDriverGetVersion(int *v);
cudaError_t cudaRuntimeGetVersion(int *v);
const char *cudaGetErrorString(cudaError_t e);
const char *cudaGetErrorName(cudaError_t e);

void __syncthreads(void);
unsigned atomicAdd(unsigned *a, unsigned v);
unsigned long long atomicAdd(unsigned long long *a, unsigned long long v);
double atomicAdd(double *a, double v);
static inline long long __double_as_longlong(double x)
{
    long long b;
    memcpy(&b, &x, sizeof b);
    return b;
}
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b)
{
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
static inline double __dadd_rn(double a, double b) { return a + b; }
static inline double __dsub_rn(double a, double b) { return a - b; }
static inline double __dmul_rn(double a, double b) { return a * b; }

// One launch: every block, every thread (see above); a failed or refused launch sets the
// error cudaGetLastError() returns.
void vigil_stub_run(dim3 grid, dim3 block, const std::function<void()> &body);
template <class K, class... A> static inline void vigil_stub_launch(dim3 grid, dim3 block, K kernel, A... args)
{
    vigil_stub_run(grid, block, [=]() { kernel(args...); });
}

#endif
