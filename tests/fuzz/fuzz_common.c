/* fuzz_common.c — the state shared by the harnesses: jansson's hash seed,
 * and one validator opened on the catalogues of config/, read-only once
 * open. Neither changes with the inputs. */
#include "fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static cjx_validator validator;
static int opened;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_object_seed(1);
    return 0;
}

static void close_validator(void)
{
    cjx_validator_close(&validator);
}

const cjx_validator *cjx_fuzz_validator(void)
{
    if (!opened) {
        const char *dir = getenv("CJX_CONFIG_DIR");
        cjx_fault f = {0};
        if (cjx_validator_open(&validator, dir && *dir ? dir : CJX_CONFIG_DIR, &f) != CJX_OK) {
            fprintf(stderr, "fuzz: cannot open the catalogues: %s\n", f.text);
            abort();
        }
        opened = 1;
        atexit(close_validator);
    }
    return &validator;
}
