/* vigil — umbrella header. Include this, or the one module header you need.
 *
 * Conventions (after libgit2): vigil_<module>_<verb>; fallible calls return VIGIL_OK (0) or a
 * negative vigil_error_code and leave a message for vigil_error_last(); objects come from
 * _open/_new/_read and go back through a NULL-safe _free; numeric kernels write into arrays
 * the caller owns. Call vigil_init() once before anything else. */
#ifndef VIGIL_H
#define VIGIL_H

#include "vigil/version.h"
#include "vigil/error.h"
#include "vigil/table.h"
#include "vigil/results.h"
#include "vigil/store.h"
#include "vigil/audit.h"
#include "vigil/metrics.h"
#include "vigil/catalogue.h"
#include "vigil/fairness.h"
#include "vigil/human.h"
#include "vigil/survival.h"
#include "vigil/synth.h"
#include "vigil/backend.h"
#include "vigil/model.h"
#include "vigil/explain.h"
#include "vigil/drift.h"
#include "vigil/monitor.h"
#include "vigil/report.h"
#include "vigil/suite.h"
#include "vigil/phi.h"
#include "vigil/accum.h"
#include "vigil/replay.h"
#include "vigil/multiclass.h"
#include "vigil/run.h"
#include "vigil/join.h"
#include "vigil/site.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 1 when the CUDA backend was compiled in (it is used only if a device answers). */
int vigil_build_has_cuda(void);

#ifdef __cplusplus
}
#endif
#endif
