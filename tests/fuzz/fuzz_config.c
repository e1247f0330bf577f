/* Fuzz the config loader: JSON text through the strict data-section parser. */
#include "fuzz.h"
#include "core/config.h"
#include "vigil/vigil.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_init();
    const char *path = fuzz_file(data, size, ".json");
    cJSON *root = NULL;
    if (vigil_cfg_load(path, &root) == VIGIL_OK) {
        const cJSON *d = NULL;
        if (vigil_cfg_object(path, "$", root, "data", false, &d) == VIGIL_OK && d) {
            vigil_data_config c;
            if (vigil_data_config_parse(&c, path, "$.data", d) == VIGIL_OK) vigil_data_config_clear(&c);
        }
        cJSON_Delete(root);
    }
    unlink(path);
    return 0;
}
