/* Work split across MPI ranks (issue 22): `mpirun -n N build/vigil drift|metrics|suite run ...`
 * gives each rank a share of the items (drift's features, the bootstrap's replicates) and every
 * rank every item's result, so that each rank finishes with the same numbers as one process
 * would, bit for bit; rank 0 alone opens the run store and prints. A build without MPI
 * (MPI=0, or no mpicc found) compiles the same calls as one rank; a binary with MPI started
 * without mpirun does not initialise MPI at all and is one rank too. */
#ifndef VIGIL_DIST_H
#define VIGIL_DIST_H

#include <stddef.h>

/* Called once by main: MPI_Init when the process was started by an MPI launcher with more
 * than one rank (its environment says so), else nothing. On ranks other than 0 the standard
 * output and error go to /dev/null (rank 0 speaks for the job; a rank's own failure in the
 * shared work is still printed, through a saved copy of its stderr). VIGIL_OK, or an error
 * when MPI fails to start. */
int vigil_dist_init(int *argc, char ***argv);
/* MPI_Finalize when vigil_dist_init started MPI, after every rank has met: a rank ending with
 * exit_code >= 2 that the others did not learn of through vigil_dist_agree waits a few seconds
 * for them and then ends the job (MPI_Abort), so that no rank waits forever in a collective the
 * failed rank never reached. */
void vigil_dist_finalize(int exit_code);
int vigil_dist_rank(void);
int vigil_dist_size(void);
/* 1 when this rank computes item i (i % size == rank). */
int vigil_dist_owns(size_t i);
/* After each rank has filled the rows it owns (row i = buf[i * width .. + width), doubles),
 * give every rank every row, exactly. `local_rc` is this rank's result of its share: when any
 * rank failed, every rank returns an error (vigil_dist_agree), so that no rank waits for the
 * others forever. One rank: returns local_rc. */
int vigil_dist_share_rows(double *buf, size_t nitems, size_t width, int local_rc);
/* Whether every rank got this far: every rank calls it at the same point with its own result.
 * VIGIL_OK when all succeeded; else this rank's own local_rc (and message) when it failed, or
 * the lowest failed rank's code with its message, "MPI rank R: ..." (so rank 0 reports what
 * went wrong elsewhere with the exit status one process would give). One rank: local_rc. */
int vigil_dist_agree(int local_rc);
/* vigil_dist_agree, after checking that this rank's input is rank 0's: fingerprint (a digest of
 * the data and options, under 128 characters) differing from rank 0's is this rank's failure
 * (VIGIL_EINVAL), so that no result is ever a blend of two files' replicates. */
int vigil_dist_same(const char *fingerprint, int local_rc);
/* Replicate-numbered results stored statistic-major: buf[s * B + r] for statistic s < nstat and
 * replicate r < B (the bootstrap's arrays). A NULL buf is skipped (it must be NULL on every
 * rank: the arrays are the same on each). */
typedef struct {
    double *buf;
    size_t nstat;
} vigil_dist_cols;
/* After each rank has filled the replicates it owns (r % size == rank) of every array, give
 * every rank every replicate's values, exactly, in one collective for all the arrays; local_rc
 * as for vigil_dist_share_rows (first error propagated, no rank left waiting). */
int vigil_dist_share_cols(const vigil_dist_cols *a, size_t n_arrays, size_t B, int local_rc);
/* "MPI: N ranks" / "MPI compiled in, one process" / "MPI not compiled in" (static text). */
const char *vigil_dist_describe(void);

#endif
