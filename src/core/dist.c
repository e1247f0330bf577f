/* Work split across MPI ranks; see dist.h. */
#include "core/dist.h"
#include "vigil/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef VIGIL_HAVE_MPI
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

static int g_started, g_rank, g_size = 1;
static FILE *g_err; /* this rank's own stderr, kept when ranks other than 0 are silenced */

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
    if (g_rank != 0) {
        int fd = dup(2);
        g_err = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) return VIGIL_OK;
    }
    return VIGIL_OK;
}

void vigil_dist_finalize(void)
{
    if (!g_started) return;
    g_started = 0;
    MPI_Finalize();
    if (g_err) fclose(g_err), g_err = NULL;
}

int vigil_dist_rank(void) { return g_rank; }
int vigil_dist_size(void) { return g_size; }

int vigil_dist_share_rows(double *buf, size_t nitems, size_t width, int local_rc)
{
    if (g_size <= 1) return local_rc;
    /* first: did every rank do its share? (a failed rank still takes part, so none waits; the
     * lowest failed rank is named, its message on its own stderr) */
    int failed = local_rc ? g_rank : g_size, low = g_size;
    MPI_Allreduce(&failed, &low, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (low < g_size) {
        if (local_rc) {
            if (g_err) fprintf(g_err, "vigil: MPI rank %d: %s\n", g_rank, vigil_error_last()), fflush(g_err);
            return local_rc;
        }
        return vigil_error_set(VIGIL_EINTERNAL, "MPI rank %d failed its share of the work (its message is above)", low);
    }
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
        MPI_Allgatherv(send, counts[g_rank], MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, MPI_COMM_WORLD);
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
void vigil_dist_finalize(void) {}
int vigil_dist_rank(void) { return 0; }
int vigil_dist_size(void) { return 1; }
int vigil_dist_share_rows(double *buf, size_t nitems, size_t width, int local_rc)
{
    (void)buf, (void)nitems, (void)width;
    return local_rc;
}
const char *vigil_dist_describe(void) { return "MPI not compiled in"; }

#endif

int vigil_dist_owns(size_t i) { return (int)(i % (size_t)vigil_dist_size()) == vigil_dist_rank(); }
