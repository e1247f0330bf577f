/* Work split across MPI ranks; see dist.h. */
#include "core/dist.h"
#include "vigil/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef VIGIL_HAVE_MPI
#include <fcntl.h>
#include <limits.h>
#include <mpi.h>
#include <time.h>
#include <unistd.h>

static int g_started, g_rank, g_size = 1;
static int g_agreed; /* a failure every rank knows of (vigil_dist_agree found one) */
static MPI_Comm g_fin; /* the finalize barrier's own communicator: it never meets a collective
                        * of the work that a rank is stuck in */
static FILE *g_err; /* this rank's own stderr, kept when ranks other than 0 are silenced */
/* what the shares moved, for VIGIL_MPI_REPORT (bench/mpi.sh): collectives, doubles every rank
 * received, seconds in them (waiting for the slowest rank included) */
static size_t g_shares, g_doubles;
static double g_share_s;

/* Started by an MPI launcher with more than one rank: Open MPI's, PMIx's or Hydra's variable. */
static int launched_size(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", NULL};
    for (const char *const *v = vars; *v; v++) {
        const char *s = getenv(*v);
        if (s && *s) return atoi(s);
    }
    return 1;
}

int vigil_dist_init(int *argc, char ***argv)
{
    if (g_started || launched_size() <= 1) return VIGIL_OK;
    if (MPI_Init(argc, argv) != MPI_SUCCESS) return vigil_error_set(VIGIL_EINTERNAL, "MPI_Init failed");
    g_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (MPI_Comm_dup(MPI_COMM_WORLD, &g_fin) != MPI_SUCCESS) {
        g_fin = MPI_COMM_NULL; /* finalize then has no barrier of its own: it ends the job */
        return vigil_error_set(VIGIL_EINTERNAL, "MPI_Comm_dup failed");
    }
    if (g_rank != 0) {
        int fd = dup(2);
        g_err = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return VIGIL_OK;
    }
    return VIGIL_OK;
}

/* How long a rank that failed alone waits at the end for the others before it ends the job. */
#define LONE_FAILURE_SECONDS 10.0

void vigil_dist_finalize(int exit_code)
{
    if (!g_started) return;
    g_started = 0;
    /* Every rank meets the others here before MPI_Finalize (which waits for all of them). A
     * rank that failed in a way the others did not learn through vigil_dist_agree (a file only
     * it could not read, memory only it lacked outside the shared work) may have left them
     * waiting in a collective it never reached: when they do not all arrive within
     * LONE_FAILURE_SECONDS it says so and ends the job (MPI_Abort), so that none waits forever.
     * The same error on every rank (a bad input every rank reads) meets at once. */
    if (getenv("VIGIL_MPI_REPORT")) { /* rank 0 through the warning handler, the others on their own stderr */
        if (g_rank == 0)
            vigil_warn("MPI: %d ranks; %zu shares of results, %zu doubles (%zu bytes) received by each rank, %.3f s "
                       "in the shares on rank 0 (waiting for the slowest rank included)", g_size, g_shares, g_doubles,
                       g_doubles * sizeof(double), g_share_s);
        else if (g_err)
            fprintf(g_err, "vigil: MPI rank %d: %.3f s in the shares\n", g_rank, g_share_s), fflush(g_err);
    }
    if (g_fin == MPI_COMM_NULL) { /* the barrier's communicator was never made (vigil_dist_init failed) */
        if (g_err) fclose(g_err), g_err = NULL;
        MPI_Abort(MPI_COMM_WORLD, exit_code ? exit_code : VIGIL_EXIT_INTERNAL);
        return;
    }
    MPI_Request q;
    int met = 0;
    MPI_Ibarrier(g_fin, &q);
    if (exit_code >= VIGIL_EXIT_USAGE && !g_agreed) {
        double t0 = MPI_Wtime();
        while (MPI_Test(&q, &met, MPI_STATUS_IGNORE) == MPI_SUCCESS && !met &&
               MPI_Wtime() - t0 < LONE_FAILURE_SECONDS) {
            struct timespec ts = {0, 10 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        if (!met) {
            FILE *f = g_err ? g_err : stderr;
            fprintf(f, "vigil: MPI rank %d failed where the other ranks did not (%s); ending every rank\n", g_rank,
                    *vigil_error_last() ? vigil_error_last() : "its error is above");
            fflush(f);
            MPI_Abort(MPI_COMM_WORLD, exit_code);
        }
    } else MPI_Wait(&q, MPI_STATUS_IGNORE);
    MPI_Comm_free(&g_fin);
    MPI_Finalize();
    if (g_err) fclose(g_err), g_err = NULL;
}

int vigil_dist_rank(void) { return g_rank; }
int vigil_dist_size(void) { return g_size; }

int vigil_dist_agree(int local_rc)
{
    if (g_size <= 1) return local_rc;
    /* a failed rank still takes part, so none waits; the lowest failed rank's code and message
     * become every rank's error, so that rank 0 reports it with the exit status one process
     * would have had */
    int in[2] = {local_rc ? g_rank : g_size, local_rc}, low[2] = {g_size, 0};
    MPI_Allreduce(in, low, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
    if (low[0] >= g_size) return VIGIL_OK;
    g_agreed = 1;
    char msg[1024] = "";
    if (g_rank == low[0]) snprintf(msg, sizeof msg, "%s", vigil_error_last());
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, low[0], MPI_COMM_WORLD);
    if (local_rc) return local_rc;
    msg[sizeof msg - 1] = 0;
    return vigil_error_set(low[1], "MPI rank %d: %s", low[0], *msg ? msg : "failed");
}

int vigil_dist_same(const char *fingerprint, int local_rc)
{
    if (g_size <= 1) return local_rc;
    char mine[128], root[128];
    snprintf(mine, sizeof mine, "%s", fingerprint ? fingerprint : "");
    memcpy(root, mine, sizeof root);
    MPI_Bcast(root, (int)sizeof root, MPI_CHAR, 0, MPI_COMM_WORLD);
    root[sizeof root - 1] = 0;
    if (!local_rc && strcmp(mine, root) != 0)
        local_rc = vigil_error_set(VIGIL_EINVAL, "read different input than rank 0 (its files or options differ: "
                                   "fingerprint %.16s, rank 0's %.16s); every rank must read the same files with "
                                   "the same options", mine, root);
    return vigil_dist_agree(local_rc);
}

int vigil_dist_share_rows(double *buf, size_t nitems, size_t width, int local_rc)
{
    if (g_size <= 1) return local_rc;
    /* first: did every rank do its share? */
    int arc = vigil_dist_agree(local_rc);
    if (arc) return arc;
    int n = g_size;
    int *counts = calloc((size_t)n, sizeof *counts), *displs = calloc((size_t)n, sizeof *displs);
    size_t own = 0;
    for (size_t i = (size_t)g_rank; i < nitems; i += (size_t)n) own++;
    double *send = malloc((own ? own : 1) * width * sizeof *send);
    double *all = malloc((nitems ? nitems : 1) * width * sizeof *all);
    int ok = counts && displs && send && all, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    int rc = VIGIL_OK;
    if (!all_ok) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory sharing results across MPI ranks");
    else {
        size_t k = 0;
        for (size_t i = (size_t)g_rank; i < nitems; i += (size_t)n, k++)
            memcpy(send + k * width, buf + i * width, width * sizeof *buf);
        int at = 0;
        for (int r = 0; r < n; r++) {
            size_t c = 0;
            for (size_t i = (size_t)r; i < nitems; i += (size_t)n) c++;
            counts[r] = (int)(c * width);
            displs[r] = at;
            at += counts[r];
        }
        double t0 = MPI_Wtime();
        MPI_Allgatherv(send, counts[g_rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
        g_share_s += MPI_Wtime() - t0, g_shares++, g_doubles += nitems * width;
        /* rank r's rows arrive in its order: items r, r + n, r + 2n, ... */
        for (int r = 0; r < n; r++) {
            size_t k2 = 0;
            for (size_t i = (size_t)r; i < nitems; i += (size_t)n, k2++)
                memcpy(buf + i * width, all + (size_t)displs[r] + k2 * width, width * sizeof *buf);
        }
    }
    free(counts), free(displs), free(send), free(all);
    return rc;
}

int vigil_dist_share_cols(const vigil_dist_cols *a, size_t n_arrays, size_t B, int local_rc)
{
    if (g_size <= 1) return local_rc;
    int arc = vigil_dist_agree(local_rc);
    if (arc) return arc;
    size_t nstat = 0, n = (size_t)g_size, own = 0;
    for (size_t k = 0; k < n_arrays; k++)
        if (a[k].buf) nstat += a[k].nstat;
    for (size_t r = (size_t)g_rank; r < B; r += n) own++;
    /* one Allgatherv for every array: rank q sends, array by array and statistic by statistic,
     * the values of its replicates q, q + n, q + 2n, ... */
    size_t most = (B + n - 1) / n * nstat;
    int *counts = calloc(n, sizeof *counts), *displs = calloc(n, sizeof *displs);
    double *send = malloc((own * nstat > 0 ? own * nstat : 1) * sizeof *send);
    double *all = malloc((B * nstat > 0 ? B * nstat : 1) * sizeof *all);
    int ok = counts && displs && send && all && most <= (size_t)INT_MAX && B * nstat <= (size_t)INT_MAX, all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    int rc = VIGIL_OK;
    if (!all_ok) rc = vigil_error_set(VIGIL_ENOMEM, "out of memory sharing %zu bootstrap replicates of %zu statistics "
                                      "across MPI ranks", B, nstat);
    else {
        size_t at = 0;
        for (size_t k = 0; k < n_arrays; k++)
            for (size_t s = 0; a[k].buf && s < a[k].nstat; s++)
                for (size_t r = (size_t)g_rank; r < B; r += n) send[at++] = a[k].buf[s * B + r];
        int d = 0;
        for (size_t q = 0; q < n; q++) {
            size_t c = 0;
            for (size_t r = q; r < B; r += n) c++;
            counts[q] = (int)(c * nstat), displs[q] = d, d += counts[q];
        }
        double t0 = MPI_Wtime();
        MPI_Allgatherv(send, counts[g_rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
        g_share_s += MPI_Wtime() - t0, g_shares++, g_doubles += B * nstat;
        for (size_t q = 0; q < n; q++) {
            const double *from = all + displs[q];
            for (size_t k = 0; k < n_arrays; k++)
                for (size_t s = 0; a[k].buf && s < a[k].nstat; s++)
                    for (size_t r = q; r < B; r += n) a[k].buf[s * B + r] = *from++;
        }
    }
    free(counts), free(displs), free(send), free(all);
    return rc;
}

const char *vigil_dist_describe(void)
{
    static char text[64];
    if (g_size > 1) snprintf(text, sizeof text, "MPI: %d ranks", g_size);
    else snprintf(text, sizeof text, "MPI compiled in (Open MPI); one process");
    return text;
}

#else /* no MPI: one rank */

int vigil_dist_init(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    return VIGIL_OK;
}
void vigil_dist_finalize(int exit_code) { (void)exit_code; }
int vigil_dist_rank(void) { return 0; }
int vigil_dist_size(void) { return 1; }
int vigil_dist_share_rows(double *buf, size_t nitems, size_t width, int local_rc)
{
    (void)buf, (void)nitems, (void)width;
    return local_rc;
}
int vigil_dist_agree(int local_rc) { return local_rc; }
int vigil_dist_same(const char *fingerprint, int local_rc)
{
    (void)fingerprint;
    return local_rc;
}
int vigil_dist_share_cols(const vigil_dist_cols *a, size_t n_arrays, size_t B, int local_rc)
{
    (void)a, (void)n_arrays, (void)B;
    return local_rc;
}
const char *vigil_dist_describe(void) { return "MPI not compiled in"; }

#endif

int vigil_dist_owns(size_t i) { return (int)(i % (size_t)vigil_dist_size()) == vigil_dist_rank(); }
