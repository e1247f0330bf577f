/* Build facts the CLI and the store record with every run. */
#include "vigil/vigil.h"
#include "vigil/version.h"

const char *vigil_version(void) { return VIGIL_VERSION_STRING; }

int vigil_build_has_cuda(void) { return vigil_backend_build_has(VIGIL_BACKEND_CUDA); }
