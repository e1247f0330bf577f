/* The pooled document as a tree, for the CLI that prints it (src/cli/cmd_site.c) -- internal. */
#ifndef VIGIL_RUN_SITE_INTERNAL_H
#define VIGIL_RUN_SITE_INTERNAL_H

#include <cjson/cJSON.h>

#include "vigil/site.h"

/* vigil_site_pool with the pooled document as a cJSON tree (*doc NULL on error). */
int vigil_site_pool_cjson(const char *const *texts, const char *const *files, size_t n, cJSON **doc);

#endif
