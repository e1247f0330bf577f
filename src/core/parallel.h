/* One thread pool for every engine: a parallel for-loop over [0, n) in chunks, with the first
 * error of any worker (its code and message) returned to the caller. */
#ifndef VIGIL_CORE_PARALLEL_H
#define VIGIL_CORE_PARALLEL_H

#include <stddef.h>

/* Process items [begin, end) as worker `worker` (0 <= worker < the count that
 * vigil_parallel_workers() gave). Returns VIGIL_OK or a negative code after vigil_error_set(). */
typedef int (*vigil_range_fn)(void *ctx, size_t begin, size_t end, int worker);

/* The number of workers vigil_parallel_for(threads, n, chunk, ...) may use: min(threads
 * resolved as vigil_backend_threads() does, ceil(n / chunk)), at least 1. Callers that keep
 * per-worker scratch allocate this many and pass the same number as `threads` to
 * vigil_parallel_for (with threads <= 0 the online CPU count is read again, and may have grown). */
int vigil_parallel_workers(int threads, size_t n, size_t chunk);

/* Run fn over [0, n) in chunks of `chunk` items (0 means 1) handed out in order from a shared
 * counter, on up to vigil_parallel_workers() threads (the calling thread is worker 0; a thread
 * that cannot be started leaves its share to the others). After the first failure no further
 * chunk starts; that failure's code is returned and its message is set on the calling thread.
 * VIGIL_OK when every chunk succeeded. */
int vigil_parallel_for(int threads, size_t n, size_t chunk, vigil_range_fn fn, void *ctx);

#endif
