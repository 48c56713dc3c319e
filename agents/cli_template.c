/* cli_template.c — `cjx template KIND`: a CSV a clerk fills in, with the
 * kind's Chinese column names (config/import/KIND.ini) and one example row,
 * in UTF-8 with a BOM so that Excel on a Chinese Windows opens it as is.
 * Columns of the institution's own credit code get the configured one. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "import.h"
#include "validate.h"

/* The example of column c: the agent's own code for the origin field. */
static const char *example(const cli *c, const cjx_import_column *col)
{
    const char *name = col->field->name;
    if (!col->example[0] && c->have_cfg &&
        (strcmp(name, "publisher_credit_code") == 0 || strcmp(name, "reporter_credit_code") == 0))
        return c->cfg.credit_code;
    return col->example;
}

int cli_template(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *out_path = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'o': out_path = optarg; break;
        case 'h':
            printf("usage: cjx template [-o FILE] KIND\n\n"
                   "Writes a CSV for KIND (job, internship, graduate_outcome…): the header\n"
                   "row with the column names of the kind's mapping and one example row.\n"
                   "Fill it in, save it as CSV (UTF-8 or GB18030) under a name starting with\n"
                   "KIND or the kind's Chinese name, and drop it in the agent's inbox or\n"
                   "give it to `cjx import`.\n\n"
                   "  -o, --output FILE   write to FILE instead of standard output\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        cli_error("template", "give one kind; `cjx template --help`");
        return 2;
    }
    /* without a configuration, the shipped mappings and no credit code */
    const char *dir = CJX_CONFIG_DIR "/import";
    if (c->config_path && cli_need_config(c, "template") == 0)
        dir = c->cfg.import_mapping_dir;
    else if (c->config_path)
        return 2;
    static cjx_import_map m;
    cjx_fault fault;
    if (cjx_import_map_load(dir, argv[optind], &m, &fault) != CJX_OK) {
        char kinds[512];
        cjx_import_kinds(dir, kinds, sizeof kinds);
        cli_error("template", "%s; the kinds are: %s", fault.text, kinds);
        return 1;
    }
    FILE *out = out_path ? fopen(out_path, "wb") : stdout;
    if (!out) {
        cli_error("template", "%s: %s", out_path, strerror(errno));
        return 1;
    }
    fputs("\xEF\xBB\xBF", out);
    for (int row = 0; row < 2; row++) {
        size_t last = 0;
        for (size_t i = 0; i < m.ncols; i++)
            if (!m.cols[i].alias)
                last = i;
        for (size_t i = 0; i < m.ncols; i++)
            if (!m.cols[i].alias)
                cjx_csv_write_field(out, row ? example(c, &m.cols[i]) : m.cols[i].name, i == last);
    }
    int bad = ferror(out);
    if ((out != stdout && fclose(out)) || bad) {
        cli_error("template", "cannot write %s", out_path ? out_path : "standard output");
        return 1;
    }
    return 0;
}
