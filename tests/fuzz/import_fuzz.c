/* import_fuzz.c — libFuzzer harness for importing exported files: what the
 * agent's inbox and `cjx import` do with a file (core/import.c).
 *
 * The input is written to a file and imported as a job CSV, as JSON Lines
 * when its first byte is '{', or as a JSON array when it is '[' (the name
 * picks the kind, and the format by its extension): decoded (BOM,
 * GB18030), split into rows, mapped through config/import/job.ini,
 * validated, and the refusals written as a report. Nothing may crash, leak
 * or read out of bounds, every item made must unpack again, and the report
 * must be UTF-8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "import.h"
#include "utf8.h"

#define CODE "91140400MA0K7C2D3J"

static char dir[64];

static void remove_dir(void)
{
    char path[128];
    static const char *const names[] = {"job.csv", "job.jsonl", "job.json", "job.errors.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

static const char *work_dir(void)
{
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/cjx-import-fuzz.XXXXXX");
        if (!mkdtemp(dir))
            abort();
        atexit(remove_dir);
    }
    return dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128], report[128], mappings[4096];
    const char *ext = size && data[0] == '{' ? "jsonl" : size && data[0] == '[' ? "json" : "csv";
    snprintf(path, sizeof path, "%s/job.%s", work_dir(), ext);
    snprintf(report, sizeof report, "%s/job.errors.csv", work_dir());
    const char *conf = getenv("CJX_CONFIG_DIR");
    snprintf(mappings, sizeof mappings, "%s/import", conf && *conf ? conf : CJX_CONFIG_DIR);
    FILE *out = fopen(path, "wb");
    if (!out || fwrite(data, 1, size, out) != size || fclose(out) != 0)
        abort();

    static const uint8_t key[32] = {1};
    cjx_import_options o = {.mapping_dir = mappings, .encoding = CJX_ENC_AUTO,
                            .validator = cjx_fuzz_validator(), .credit_code = CODE,
                            .pseudonym_key = key};
    cjx_import *im = NULL;
    cjx_fault f = {0};
    if (cjx_import_open(path, &o, &im, &f) == CJX_OK) {
        while (cjx_import_step(im, 64) > 0)
            ;
        size_t n;
        const cjx_import_item *items = cjx_import_items(im, &n);
        for (size_t i = 0; i < n; i++) {
            Cjx__Item *back = cjx__item__unpack(NULL, items[i].packed.len, items[i].packed.data);
            if (!back)
                abort(); /* an item made must be one */
            cjx__item__free_unpacked(back, NULL);
        }
        if (cjx_import_write_report(im, report, &f) == CJX_OK) {
            static char text[1 << 22];
            FILE *in = fopen(report, "rb");
            size_t len = in ? fread(text, 1, sizeof text, in) : 0;
            if (in)
                fclose(in);
            if (!cjx_utf8_valid(text, len))
                abort(); /* a value cut mid-character */
        }
    }
    cjx_import_destroy(&im);
    unlink(path);
    return 0;
}
