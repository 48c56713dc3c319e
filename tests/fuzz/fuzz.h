/* fuzz.h — what every harness in tests/fuzz/ shares.
 *
 * Each harness defines LLVMFuzzerTestOneInput; libFuzzer supplies main() in
 * the clang fuzz build (CJX_FUZZ), replay.c in every other build. The
 * prototype is declared here so -Wmissing-prototypes holds.
 */
#ifndef CJX_FUZZ_H
#define CJX_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "validate.h"

/* Once, before the first input (libFuzzer calls it; so does replay.c):
 * fixes jansson's hash seed so a run can be reproduced. Returns 0. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* One input; returns 0 (libFuzzer's convention). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The validator on the project's catalogues: $CJX_CONFIG_DIR when set, else
 * the source tree's config/ (CJX_CONFIG_DIR from cjx_core). Opened on first
 * use, closed at exit; only read afterwards, so inputs do not change it.
 * Aborts when the catalogues cannot be loaded (a setup error, not a find). */
const cjx_validator *cjx_fuzz_validator(void);

#endif
