// The metrics bootstrap on the GPU (issue 22; stats/boot_device.h says what the device computes
// and what the host finishes). Two kernels per batch of replicates:
//  - counts: one thread per replicate draws its n cases from its own (seed, replicate) stream --
//    splitmix64 seeding xoshiro256** and Lemire's multiply-shift, integer arithmetic, so the
//    draws are stats/bootstrap.c's -- and adds them into its column of a case-major count matrix
//    (cnt[case * batch + replicate]: a warp's reads of one case are one transaction);
//  - stats: one thread per (replicate, scope) makes stats/replicate.c's pass over the scope's
//    drawn cases in sorted order: the same double operations in the same order (this file is
//    built with -fmad=false: no contraction into fused multiply-adds), so the nine statistics
//    and the expansions' sums are the CPU's to the bit. The jackknife needs no counts: a call's
//    weights are 0 or 1 by case number.
// Batches are as many replicates as half the free device memory holds (halved on a failed
// allocation, down to one). Any CUDA error returns -1 with its text, everything freed.
#include <cuda_runtime.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/cuda/check.cuh"
#include "backend/cuda/cuda.h"
#include "stats/boot_device.h"

#define BOOT_BINS 10   // VM_BINS (stats/metrics_internal.h)
#define BOOT_THREADS 64
#define BOOT_GRID_Y 65535u

// The device's copy of the inputs (by value into the kernels).
struct boot_in {
    size_t n, n_scopes, G;
    const double *p, *sc, *lg, *sf, *gsc;
    const uint8_t *y;
    const uint32_t *pos, *list, *group_of;
    const size_t *start;
    double t;
    uint64_t seed;
};

struct vigil_cuda_boot {
    boot_in in;
    double *p, *sc, *lg, *sf, *gsc;
    uint8_t *y;
    uint32_t *pos, *list, *group_of;
    size_t *start;
};

// ---- the draws (stats/bootstrap.c, core/util.h) ----

__device__ static inline uint64_t splitmix(uint64_t *st)
{
    uint64_t z = (*st += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

__device__ static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

__global__ static void counts_kernel(boot_in in, uint32_t *cnt, size_t batch, size_t mb, size_t first, size_t stride,
                                     size_t b0)
{
    size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= mb) return;
    uint64_t rid = first + (b0 + j) * stride, x = in.seed, s[4];
    uint64_t h = splitmix(&x) ^ (rid * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++) s[i] = splitmix(&h);
    // four draws, then their four position loads, then their four additions: the loads'
    // latencies overlap (a warp is alone on its multiprocessor at a few hundred replicates),
    // and an addition whose result is unused is a fire-and-forget reduction
    for (size_t i = 0; i < in.n; i += 4) {
        size_t k[4], q = in.n - i < 4 ? in.n - i : 4;
        for (size_t u = 0; u < q; u++) {
            uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
            s[2] ^= s[0];
            s[3] ^= s[1];
            s[1] ^= s[2];
            s[0] ^= s[3];
            s[2] ^= t;
            s[3] = rotl(s[3], 45);
            k[u] = (size_t)__umul64hi(r, (uint64_t)in.n);
        }
        if (in.pos)
            for (size_t u = 0; u < q; u++) k[u] = in.pos[k[u]];
        for (size_t u = 0; u < q; u++) atomicAdd(&cnt[k[u] * batch + j], 1u);
    }
}

// ---- one scope's pass (stats/replicate.c: drawn_stats and its callers) ----

struct lacc {
    double W, W1;
    double last, g0, g1, b0, b1, u, ap, sq;
    double pos0, pos1;
    double bw[BOOT_BINS], bp[BOOT_BINS], by[BOOT_BINS];
    double ew[BOOT_BINS], ep[BOOT_BINS], ey[BOOT_BINS];
    double cum, mbound, q, r;
    int bin, m;
};

__device__ static inline void flush(lacc *a)
{
    if (a->g0 + a->g1 == 0) return;
    a->u += a->g1 * (a->b0 + 0.5 * a->g0);
    if (a->g1 > 0) {
        double tp = a->W1 - a->b1, fp = (a->W - a->W1) - a->b0;
        a->ap += a->g1 / a->W1 * (tp / (tp + fp));
    }
    a->b0 += a->g0;
    a->b1 += a->g1;
    a->g0 = a->g1 = 0;
}

// the scope's k-th case (its position in the sorted order) and that case's weight in the pass
struct scope_walk {
    const uint32_t *list; // NULL: every case
    size_t m;
    __device__ size_t at(size_t k) const { return list ? list[k] : k; }
};

__device__ static inline double weight(const boot_in &in, int jack, const uint32_t *cnt, size_t batch, size_t j,
                                       uint64_t rid, size_t i)
{
    if (jack) return i % in.G == rid ? 0.0 : 1.0;
    return (double)cnt[i * batch + j];
}

__global__ static void stats_kernel(boot_in in, const uint32_t *cnt, size_t batch, size_t mb, int jack, size_t first,
                                    size_t stride, size_t b0, size_t s0, double *out, size_t width)
{
    size_t j = (size_t)blockIdx.x * blockDim.x + threadIdx.x, s = s0 + blockIdx.y;
    if (j >= mb || s >= in.n_scopes) return;
    uint64_t rid = first + (b0 + j) * stride;
    scope_walk sw = {NULL, in.n};
    const double *sc = in.sc;
    if (s > 0) {
        sw.list = in.list + in.start[s], sw.m = in.start[s + 1] - in.start[s];
        sc = in.gsc + (size_t)in.group_of[s] * in.n;
    }
    const bool slope = s == 0 && in.lg && in.sf;
    // the totals first (the ECE-EM bins' bounds need them), in the cases' order; each pass
    // loads the next case's weight before it uses this one's (a lone warp's loads are not
    // otherwise overlapped)
    double W = 0, W1 = 0, next = sw.m ? weight(in, jack, cnt, batch, j, rid, sw.at(0)) : 0;
    for (size_t k = 0; k < sw.m; k++) {
        size_t i = sw.at(k);
        double c = next;
        if (k + 1 < sw.m) next = weight(in, jack, cnt, batch, j, rid, sw.at(k + 1));
        if (c == 0) continue;
        W += c;
        W1 += c * (in.y[i] ? 1.0 : 0.0);
    }
    lacc A, *a = &A;
    memset(a, 0, sizeof *a);
    a->W = W, a->W1 = W1;
    a->last = NAN;
    a->q = floor(a->W / BOOT_BINS);
    a->r = a->W - a->q * BOOT_BINS;
    a->mbound = a->q + (a->r > 0 ? 1 : 0);
    const double step = 1.0 / BOOT_BINS;
    // the expansions' sums over the run 0 < p < 1, two running sums each (the CPU's pairs:
    // the run's even-numbered cases in lane 0, the odd in lane 1)
    double S2[2][7], Y2[2] = {0, 0}, T2[2][6][7], Y02[2] = {0, 0}, Y12[2] = {0, 0}, W2[2] = {0, 0};
    memset(S2, 0, sizeof S2);
    memset(T2, 0, sizeof T2);
    size_t run = 0;
    double x_first = 0, x_last = 0;
    next = sw.m ? weight(in, jack, cnt, batch, j, rid, sw.at(0)) : 0;
    for (size_t k = 0; k < sw.m; k++) {
        size_t i = sw.at(k);
        double wt = next;
        if (k + 1 < sw.m) next = weight(in, jack, cnt, batch, j, rid, sw.at(k + 1));
        if (wt == 0) continue;
        double pi = in.p[i], yi = in.y[i] ? 1.0 : 0.0;
        if (pi != a->last) {
            flush(a);
            a->last = pi;
        }
        a->g1 += wt * yi;
        a->g0 += wt * (1 - yi);
        if (pi >= in.t) {
            a->pos1 += wt * yi;
            a->pos0 += wt * (1 - yi);
        }
        while (a->bin < BOOT_BINS - 1 && (double)(a->bin + 1) * step < pi) a->bin++;
        a->bw[a->bin] += wt;
        a->bp[a->bin] += wt * pi;
        a->by[a->bin] += wt * yi;
        a->sq += wt * (pi - yi) * (pi - yi);
        double l0 = a->cum, h0 = a->cum + wt;
        while (l0 < h0) {
            while (a->m < BOOT_BINS - 1 && l0 >= a->mbound) {
                a->m++;
                a->mbound += a->q + ((double)a->m < a->r ? 1 : 0);
            }
            double take = (a->m == BOOT_BINS - 1 || h0 < a->mbound ? h0 : a->mbound) - l0;
            a->ew[a->m] += take;
            a->ep[a->m] += take * pi;
            a->ey[a->m] += take * yi;
            l0 += take;
        }
        a->cum = h0;
        if (!(pi > 0 && pi < 1)) continue;
        int ln = (int)(run & 1);
        run++;
        double s1 = sc[i], s2 = s1 * s1, s3 = s2 * s1;
        double *Sl = S2[ln];
        Sl[0] += wt;
        Sl[1] += wt * s1;
        Sl[2] += wt * s2;
        Sl[3] += wt * s3;
        Sl[4] += wt * (s2 * s2);
        Sl[5] += wt * (s3 * s2);
        Sl[6] += wt * (s3 * s3);
        Y2[ln] += wt * yi;
        if (!slope) continue;
        double x = in.lg[i], cs = in.sf[i], c2 = cs * cs, d[6], xp[7], yw = wt * yi;
        if (run == 1) x_first = x;
        x_last = x;
        d[0] = cs;
        d[1] = cs - c2;
        d[2] = cs + c2 * (-3 + 2 * cs);
        d[3] = cs + c2 * (-7 + cs * (12 - 6 * cs));
        d[4] = cs + c2 * (-15 + cs * (50 + cs * (-60 + 24 * cs)));
        d[5] = cs + c2 * (-31 + cs * (180 + cs * (-390 + cs * (360 - 120 * cs))));
        xp[0] = wt;
        for (int q = 1; q < 7; q++) xp[q] = xp[q - 1] * x;
        for (int q = 0; q < 6; q++)
            for (int e = 0; e <= q + 1; e++) T2[ln][q][e] += d[q] * xp[e];
        Y02[ln] += yw;
        Y12[ln] += yw * x;
        W2[ln] += wt;
    }
    flush(a);
    double *o = out + j * width + s * VB_SCOPE, W0 = W - a->W1;
    o[VB_AUROC] = a->W1 > 0 && W0 > 0 ? a->u / (a->W1 * W0) : NAN;
    o[VB_AUPRC] = a->W1 > 0 ? a->ap : NAN;
    o[VB_BRIER] = W > 0 ? a->sq / W : NAN;
    double ece = 0, mce = 0, ecem = 0;
    for (int b = 0; b < BOOT_BINS; b++) {
        if (a->bw[b] > 0) {
            double gap = fabs(a->bp[b] / a->bw[b] - a->by[b] / a->bw[b]);
            ece += a->bw[b] / W * gap;
            if (gap > mce) mce = gap;
        }
        if (a->ew[b] > 0) ecem += a->ew[b] / W * fabs(a->ep[b] / a->ew[b] - a->ey[b] / a->ew[b]);
    }
    o[VB_ECE] = W > 0 ? ece : NAN;
    o[VB_ECE_EM] = W > 0 ? ecem : NAN;
    o[VB_MCE] = W > 0 ? mce : NAN;
    o[VB_TPR] = a->W1 > 0 ? a->pos1 / a->W1 : NAN;
    o[VB_FPR] = W0 > 0 ? a->pos0 / W0 : NAN;
    o[VB_SEL] = W > 0 ? (a->pos0 + a->pos1) / W : NAN;
    for (int q = 0; q < 7; q++) o[VB_S0 + q] = S2[0][q] + S2[1][q];
    o[VB_Y] = Y2[0] + Y2[1];
    if (s != 0) return;
    double *sb = out + j * width + in.n_scopes * VB_SCOPE;
    for (int q = 0; q < 6; q++)
        for (int e = 0; e < 7; e++) sb[VB_T + q * 7 + e] = e <= q + 1 ? T2[0][q][e] + T2[1][q][e] : 0.0;
    sb[VB_Y0] = Y02[0] + Y02[1];
    sb[VB_Y1] = Y12[0] + Y12[1];
    sb[VB_W] = W2[0] + W2[1];
    sb[VB_X] = fmax(fabs(x_first), fabs(x_last));
    sb[VB_NONEMPTY] = slope && run > 0 ? 1.0 : 0.0;
}

// ---- host side ----

template <class T> static int up(T **dst, const T *src, size_t count, char *err, size_t cap)
{
    int rc = 0;
    CK(cudaMalloc(dst, (count ? count : 1) * sizeof(T)));
    if (count) CK(cudaMemcpy(*dst, src, count * sizeof(T), cudaMemcpyHostToDevice));
done:
    return rc;
}

extern "C" void vigil_cuda_boot_end(vigil_cuda_boot *h)
{
    if (!h) return;
    cudaFree(h->p), cudaFree(h->sc), cudaFree(h->lg), cudaFree(h->sf), cudaFree(h->gsc), cudaFree(h->y);
    cudaFree(h->pos), cudaFree(h->list), cudaFree(h->group_of), cudaFree(h->start);
    free(h);
}

extern "C" int vigil_cuda_boot_begin(const vm_boot_dev_data *d, vigil_cuda_boot **out, char *err, size_t cap)
{
    int rc = 0;
    vigil_cuda_boot *h = NULL;
    const size_t n = d->n, S = d->n_scopes, L = d->start[S];
    *out = NULL;
    HOST_ALLOC(h, 1);
    memset(h, 0, sizeof *h);
    if ((rc = up(&h->p, d->p, n, err, cap)) || (rc = up(&h->sc, d->sc, n, err, cap)) ||
        (rc = up(&h->y, d->y, n, err, cap)) || (rc = up(&h->start, d->start, S + 1, err, cap)) ||
        (rc = up(&h->group_of, d->group_of, S, err, cap)) || (rc = up(&h->list, d->list, L, err, cap)) ||
        (rc = up(&h->gsc, d->gsc, d->ng * n, err, cap)))
        goto done;
    if (d->lg && d->sf && ((rc = up(&h->lg, d->lg, n, err, cap)) || (rc = up(&h->sf, d->sf, n, err, cap)))) goto done;
    if (d->pos && (rc = up(&h->pos, d->pos, n, err, cap))) goto done;
    h->in = boot_in{n, S, d->jack_groups, h->p, h->sc, h->lg, h->sf, h->gsc, h->y, h->pos, h->list, h->group_of,
                    h->start, d->t, d->seed};
done:
    if (rc) vigil_cuda_boot_end(h);
    else *out = h;
    return rc;
}

extern "C" int vigil_cuda_boot_run(vigil_cuda_boot *h, int jack, size_t first, size_t stride, size_t m, double *out,
                                   char *err, size_t cap)
{
    int rc = 0;
    uint32_t *cnt = NULL;
    double *dout = NULL;
    const size_t n = h->in.n, S = h->in.n_scopes, width = vm_boot_dev_width(S);
    const size_t per = (jack ? 0 : (n ? n : 1) * sizeof *cnt) + width * sizeof *dout;
    size_t batch = vigil_cuda_chunk(4, m), free_b = 0, total_b = 0;
    if (!m) return 0;
    if (cudaMemGetInfo(&free_b, &total_b) == cudaSuccess && free_b / 2 / per < batch)
        batch = free_b / 2 / per ? free_b / 2 / per : 1;
    if (batch > m) batch = m;
    for (;;) { // a failed allocation halves the batch, down to one replicate
        cudaError_t e1 = jack ? cudaSuccess : cudaMalloc(&cnt, batch * (n ? n : 1) * sizeof *cnt);
        cudaError_t e2 = e1 == cudaSuccess ? cudaMalloc(&dout, batch * width * sizeof *dout) : e1;
        if (e2 == cudaSuccess) break;
        cudaFree(cnt), cnt = NULL, dout = NULL;
        cudaGetLastError();
        if (e2 != cudaErrorMemoryAllocation || batch == 1) CK(e2);
        batch /= 2;
    }
    for (size_t b0 = 0; b0 < m; b0 += batch) {
        size_t mb = m - b0 < batch ? m - b0 : batch;
        unsigned bx = (unsigned)((mb + BOOT_THREADS - 1) / BOOT_THREADS);
        if (!jack) {
            CK(cudaMemset(cnt, 0, batch * (n ? n : 1) * sizeof *cnt));
            counts_kernel<<<bx, BOOT_THREADS>>>(h->in, cnt, batch, mb, first, stride, b0);
            CK(cudaGetLastError());
        }
        for (size_t s0 = 0; s0 < S; s0 += BOOT_GRID_Y) {
            unsigned by = (unsigned)(S - s0 < BOOT_GRID_Y ? S - s0 : BOOT_GRID_Y);
            stats_kernel<<<dim3(bx, by), BOOT_THREADS>>>(h->in, cnt, batch, mb, jack, first, stride, b0, s0, dout,
                                                        width);
            CK(cudaGetLastError());
        }
        CK(cudaMemcpy(out + b0 * width, dout, mb * width * sizeof *dout, cudaMemcpyDeviceToHost));
    }
done:
    cudaFree(cnt), cudaFree(dout);
    return rc;
}
