/* Work split across MPI ranks (issue 22): `mpirun -n N build/vigil drift ...` gives each rank
 * a share of the items (features) and every rank every item's result, so that each rank
 * finishes with the same numbers as one process would, bit for bit. A build without MPI
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
/* MPI_Finalize when vigil_dist_init started MPI. */
void vigil_dist_finalize(void);
int vigil_dist_rank(void);
int vigil_dist_size(void);
/* 1 when this rank computes item i (i % size == rank). */
int vigil_dist_owns(size_t i);
/* After each rank has filled the rows it owns (row i = buf[i * width .. + width), doubles),
 * give every rank every row, exactly. `local_rc` is this rank's result of its share: when any
 * rank failed, every rank returns an error (this rank's own, or VIGIL_EINTERNAL naming the
 * rank that failed), so that no rank waits for the others forever. One rank: returns local_rc. */
int vigil_dist_share_rows(double *buf, size_t nitems, size_t width, int local_rc);
/* "MPI: N ranks" / "MPI compiled in, one process" / "MPI not compiled in" (static text). */
const char *vigil_dist_describe(void);

#endif
