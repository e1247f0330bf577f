/* Build facts the CLI and the store record with every run. */
#include "vigil/vigil.h"

const char *vigil_version(void) { return VIGIL_VERSION; }

int vigil_build_has_cuda(void) { return vigil_backend_build_has(VIGIL_BACKEND_CUDA); }
