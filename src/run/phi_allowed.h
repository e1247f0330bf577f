/* Private to src/run and src/suite: what the PHI guard found in the columns a run let through
 * (issue 18: a privacy officer reads the column, the kind of identifier and the reason). */
#ifndef VIGIL_RUN_PHI_ALLOWED_H
#define VIGIL_RUN_PHI_ALLOWED_H

#include "vigil/phi.h"
#include "vigil/table.h"

#include <cjson/cJSON.h>
#include <stddef.h>

/* The `phi_allowed` block of a run's result: one entry per allowance, {column, justification,
 * found: [{kind, by ("name" or "values"), file}]}, kind as vigil_phi_kind_name says it ("a date
 * more specific than the year"), file the role of the table it was found in ("data",
 * "training_data"); an empty `found` where the guard found nothing in that column (the
 * allowance let nothing through). The tables are scanned as the guard scans them (tables[i]
 * with roles[i]; NULL tables skipped). NULL when out of memory or on a scan error. */
cJSON *vigil_run_phi_allowed(const vigil_table *const *tables, const char *const *roles, size_t n_tables,
                             const char *id_col, const char *time_col, const vigil_phi_allow *allow, size_t n_allow);

#endif
