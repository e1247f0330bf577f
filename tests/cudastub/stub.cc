// The CUDA stand-in's runtime (see cuda_runtime.h beside it): device memory, errors, failure
// injection and the launches. Single-threaded by design: the backend serialises its calls, and
// a test drives it from one thread.
#include "cuda_runtime.h"
#include "stub.h"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <ucontext.h>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
extern "C" void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
extern "C" void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old, size_t *size_old);
#define FIBER_START(save, bottom, size) __sanitizer_start_switch_fiber(save, bottom, size)
#define FIBER_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define FIBER_START(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#define FIBER_FINISH(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#endif

thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

static std::map<uintptr_t, size_t> live;
static size_t live_bytes, budget;
static int device_on;
static cudaError_t last = cudaSuccess;
static int sticky_on;
static long calls[VIGIL_STUB_KINDS], fail_nth[VIGIL_STUB_KINDS];
static int fail_sticky;
static long launches, launches_barrier;

static void die(const char *what)
{
    fprintf(stderr, "cuda stand-in: %s\n", what);
    abort();
}

static cudaError_t set(cudaError_t e)
{
    if (e != cudaSuccess && !sticky_on) last = e;
    return e;
}

// the injected failure, if this call is it
static bool inject(vigil_stub_kind k)
{
    calls[k]++;
    return fail_nth[k] && calls[k] == fail_nth[k];
}

// [p, p + n) inside one live allocation
static bool on_device(const void *p, size_t n)
{
    uintptr_t a = (uintptr_t)p;
    auto it = live.upper_bound(a);
    if (it == live.begin()) return false;
    --it;
    return a >= it->first && a + n <= it->first + it->second;
}

extern "C" void vigil_stub_device(int on) { device_on = on; }
extern "C" void vigil_stub_fail(vigil_stub_kind kind, long nth, int sticky)
{
    for (int k = 0; k < VIGIL_STUB_KINDS; k++) calls[k] = 0, fail_nth[k] = 0;
    fail_nth[kind] = nth, fail_sticky = sticky;
}
extern "C" long vigil_stub_calls(vigil_stub_kind kind) { return calls[kind]; }
extern "C" void vigil_stub_memory(size_t bytes) { budget = bytes; }
extern "C" size_t vigil_stub_live(size_t *bytes)
{
    if (bytes) *bytes = live_bytes;
    return live.size();
}
extern "C" long vigil_stub_launches(long *with_barriers)
{
    if (with_barriers) *with_barriers = launches_barrier;
    return launches;
}
extern "C" void vigil_stub_reset(void)
{
    for (int k = 0; k < VIGIL_STUB_KINDS; k++) calls[k] = 0, fail_nth[k] = 0;
    fail_sticky = 0, sticky_on = 0, last = cudaSuccess;
}

static size_t cap(void) { return budget ? budget : (size_t)4 << 30; }

cudaError_t cudaMallocBytes(void **p, size_t n)
{
    *p = nullptr;
    if (sticky_on) return last;
    if (inject(VIGIL_STUB_ALLOC) || live_bytes + n > cap()) return set(cudaErrorMemoryAllocation);
    void *q = malloc(n ? n : 1);
    if (!q) return set(cudaErrorMemoryAllocation);
    memset(q, 0xFF, n ? n : 1); // poison: NaN as float and as double
    live[(uintptr_t)q] = n ? n : 1;
    live_bytes += n ? n : 1;
    *p = q;
    return cudaSuccess;
}

cudaError_t cudaFree(void *p)
{
    if (!p) return cudaSuccess;
    auto it = live.find((uintptr_t)p);
    if (it == live.end()) die("cudaFree of a pointer that is not a device allocation");
    live_bytes -= it->second;
    live.erase(it);
    free(p);
    return sticky_on ? last : cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t n, cudaMemcpyKind kind)
{
    if (sticky_on) return last;
    if (inject(VIGIL_STUB_COPY)) return set(cudaErrorInvalidValue);
    if (n == 0) return cudaSuccess;
    bool dd = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
    bool sd = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
    if (dd && !on_device(dst, n)) die("cudaMemcpy: the destination is not inside a device allocation");
    if (sd && !on_device(src, n)) die("cudaMemcpy: the source is not inside a device allocation");
    if (!dd && on_device(dst, 1)) die("cudaMemcpy: a device destination copied as host memory");
    if (!sd && on_device(src, 1)) die("cudaMemcpy: a device source copied as host memory");
    memcpy(dst, src, n);
    return cudaSuccess;
}

cudaError_t cudaMemset(void *dst, int value, size_t n)
{
    if (sticky_on) return last;
    if (inject(VIGIL_STUB_COPY)) return set(cudaErrorInvalidValue);
    if (n && !on_device(dst, n)) die("cudaMemset outside a device allocation");
    memset(dst, value, n);
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_b, size_t *total_b)
{
    if (sticky_on) return last;
    *total_b = cap();
    *free_b = cap() - live_bytes;
    return cudaSuccess;
}

cudaError_t cudaGetLastError(void)
{
    cudaError_t e = last;
    if (!sticky_on) last = cudaSuccess;
    return e;
}
cudaError_t cudaPeekAtLastError(void) { return last; }
cudaError_t cudaDeviceSynchronize(void) { return sticky_on ? last : cudaSuccess; }

cudaError_t cudaGetDeviceCount(int *n)
{
    *n = device_on ? 1 : 0;
    return device_on ? cudaSuccess : set(cudaErrorNoDevice);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *p, int device)
{
    if (!device_on || device != 0) return set(cudaErrorInvalidValue);
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "vigil CUDA stand-in");
    p->major = 9, p->minor = 0, p->totalGlobalMem = cap();
    return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int *v)
{
    *v = device_on ? 13000 : 0;
    return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int *v)
{
    *v = 13000;
    return cudaSuccess;
}

const char *cudaGetErrorName(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInsufficientDriver: return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorIllegalAddress: return "cudaErrorIllegalAddress";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
    }
    return "cudaErrorUnknown";
}
const char *cudaGetErrorString(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    default: return "stand-in error";
    }
}

unsigned atomicAdd(unsigned *a, unsigned v)
{
    unsigned o = *a;
    *a = o + v;
    return o;
}
unsigned long long atomicAdd(unsigned long long *a, unsigned long long v)
{
    unsigned long long o = *a;
    *a = o + v;
    return o;
}
double atomicAdd(double *a, double v)
{
    double o = *a;
    *a = o + v;
    return o;
}

// ---- launches: blocks in turn; a block's threads straight through, or as fibers at barriers
// The barrier kernels' frames are small (no per-thread arrays beyond a few doubles); ASan
// resets a finished fiber's stack shadow, so a larger stack costs time on every block.
#define FIBER_STACK (48 * 1024)

struct fiber {
    ucontext_t ctx;
    char *stack;
    dim3 tid;
    bool done, started;
    void *fake;
};

static ucontext_t sched;
static const void *sched_bottom;
static size_t sched_size;
static std::vector<fiber> fibers;
static size_t cur;
static bool in_fibers, probing, hit_barrier;
static const std::function<void()> *body_now;
static ucontext_t probe_ctx;
static char *probe_stack;
// the stacks go before the vector that holds them (statics are destroyed in reverse order)
static struct stacks_owner {
    ~stacks_owner()
    {
        for (fiber &f : fibers) free(f.stack);
        free(probe_stack);
    }
} stacks_owner;

static void fiber_entry(void)
{
    FIBER_FINISH(nullptr, &sched_bottom, &sched_size);
    (*body_now)();
    fibers[cur].done = true;
    FIBER_START(nullptr, sched_bottom, sched_size); // this fiber's stack is finished with
    swapcontext(&fibers[cur].ctx, &sched);
}

// Thread 0 on a stack of its own: if it reaches __syncthreads it is abandoned (its side effects
// so far are only its own writes before the first barrier, which the fiber run repeats) -- so
// the probe must not write anything before the barrier that a second run would not rewrite.
static void probe_entry(void)
{
    FIBER_FINISH(nullptr, &sched_bottom, &sched_size);
    (*body_now)();
    FIBER_START(nullptr, sched_bottom, sched_size);
    swapcontext(&probe_ctx, &sched);
}

void __syncthreads(void)
{
    if (probing) { // the block needs fibers: leave the probe here
        hit_barrier = true;
        FIBER_START(nullptr, sched_bottom, sched_size);
        swapcontext(&probe_ctx, &sched);
        die("a probe resumed");
    }
    if (!in_fibers) die("__syncthreads outside a kernel");
    fiber &f = fibers[cur];
    FIBER_START(&f.fake, sched_bottom, sched_size);
    swapcontext(&f.ctx, &sched);
    FIBER_FINISH(f.fake, &sched_bottom, &sched_size);
}

static void switch_to(ucontext_t *to, char *stack, void **fake)
{
    void *save = nullptr;
    FIBER_START(&save, stack, FIBER_STACK);
    swapcontext(&sched, to);
    FIBER_FINISH(save, nullptr, nullptr);
    (void)fake;
}

static void run_block(const std::function<void()> &body, size_t nthr)
{
    body_now = &body;
    // probe: thread 0 alone; no barrier reached means the kernel has none (a barrier in CUDA
    // must be reached by every thread of the block or by none)
    if (!probe_stack) probe_stack = (char *)malloc(FIBER_STACK);
    threadIdx = dim3(0, 0, 0);
    hit_barrier = false, probing = true;
    static bool have_probe;
    if (!have_probe) getcontext(&probe_ctx), have_probe = true; // re-armed by makecontext below
    probe_ctx.uc_stack.ss_sp = probe_stack, probe_ctx.uc_stack.ss_size = FIBER_STACK, probe_ctx.uc_link = nullptr;
    makecontext(&probe_ctx, probe_entry, 0);
    switch_to(&probe_ctx, probe_stack, nullptr);
    probing = false;
    if (!hit_barrier) {
        for (size_t t = 1; t < nthr; t++) {
            threadIdx = dim3((unsigned)(t % blockDim.x), (unsigned)(t / blockDim.x % blockDim.y),
                             (unsigned)(t / (blockDim.x * blockDim.y)));
            body();
        }
        return;
    }
    launches_barrier++;
    if (fibers.size() < nthr) fibers.resize(nthr);
    static ucontext_t proto;
    static bool have_proto;
    if (!have_proto) getcontext(&proto), have_proto = true; // one system call, not one per fiber
    for (size_t t = 0; t < nthr; t++) {
        fiber &f = fibers[t];
        if (!f.stack) f.stack = (char *)malloc(FIBER_STACK);
        f.tid = dim3((unsigned)(t % blockDim.x), (unsigned)(t / blockDim.x % blockDim.y),
                     (unsigned)(t / (blockDim.x * blockDim.y)));
        f.done = false, f.fake = nullptr;
        f.ctx = proto;
        f.ctx.uc_stack.ss_sp = f.stack, f.ctx.uc_stack.ss_size = FIBER_STACK, f.ctx.uc_link = nullptr;
        makecontext(&f.ctx, fiber_entry, 0);
    }
    in_fibers = true;
    for (size_t left = nthr; left > 0;) { // one round: every live thread to its next barrier
        size_t at_barrier = 0;
        for (size_t t = 0; t < nthr; t++) {
            if (fibers[t].done) continue;
            cur = t, threadIdx = fibers[t].tid;
            switch_to(&fibers[t].ctx, fibers[t].stack, &fibers[t].fake);
            if (fibers[t].done) left--;
            else at_barrier++;
        }
        if (at_barrier && at_barrier != left) die("__syncthreads reached by some threads of a block only");
    }
    in_fibers = false;
}

void vigil_stub_run(dim3 grid, dim3 block, const std::function<void()> &body)
{
    if (sticky_on) return;
    size_t nthr = (size_t)block.x * block.y * block.z;
    if (inject(VIGIL_STUB_LAUNCH)) {
        if (fail_sticky) sticky_on = 1, last = cudaErrorIllegalAddress;
        else set(cudaErrorLaunchFailure);
        return;
    }
    if (nthr == 0 || nthr > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535) {
        set(cudaErrorInvalidConfiguration);
        return;
    }
    launches++;
    gridDim = grid, blockDim = block;
    for (unsigned z = 0; z < grid.z; z++)
        for (unsigned y = 0; y < grid.y; y++)
            for (unsigned x = 0; x < grid.x; x++) {
                blockIdx = dim3(x, y, z);
                run_block(body, nthr);
            }
}
