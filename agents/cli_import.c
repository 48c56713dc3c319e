/* cli_import.c — `cjx import FILE`: what the agent's inbox does with a
 * dropped file, in the foreground, with a progress bar on stderr and a
 * summary at the end; and `cjx template KIND`, a CSV a clerk fills in.
 *
 * The file is read, every row checked and the valid ones stored in the
 * outbox in one synced transaction (core/import.h); the file itself stays
 * where it is (the inbox moves it to done/ or failed/).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"

/* Files above this size show their progress even when stderr is no terminal. */
#define LARGE_FILE_BYTES (1 << 20)
#define ROWS_PER_STEP 1000
#define REFUSALS_SHOWN 100

/* Draws the bar (a terminal: redrawn in place at each percent) or, for a
 * large file on anything else, one line per tenth. *shown is what was
 * drawn last, in percent. */
static void progress(const cjx_import *im, int tty, int *shown)
{
    double p = cjx_import_progress(im);
    cjx_import_stats st = cjx_import_get_stats(im);
    if (tty) {
        if ((int)(p * 100) == *shown)
            return;
        *shown = (int)(p * 100);
        char bar[41];
        int full = (int)(p * 40);
        for (int i = 0; i < 40; i++)
            bar[i] = i < full ? '#' : '.';
        bar[40] = '\0';
        fprintf(stderr, "\r[%s] %3d%% %zu rows, %zu refused", bar, (int)(p * 100), st.rows,
                st.refused);
        if (p >= 1.0)
            fputc('\n', stderr);
    } else if ((int)(p * 10) * 10 > *shown) {
        *shown = (int)(p * 10) * 10;
        fprintf(stderr, "cjx import: %d%% (%zu rows, %zu refused)\n", *shown, st.rows,
                st.refused);
    }
}

static void print_refusals(const cjx_import *im)
{
    size_t n;
    const cjx_import_refusal *r = cjx_import_refusals(im, &n);
    for (size_t i = 0; i < n && i < REFUSALS_SHOWN; i++)
        fprintf(stderr, "cjx import: row %zu, column %s, value \"%s\": %s%s%s [%s]\n", r[i].row,
                r[i].column[0] ? r[i].column : "-", r[i].value, r[i].fault.field,
                r[i].fault.field[0] ? ": " : "", r[i].fault.text, cjx_err_name(r[i].fault.code));
    size_t refused = cjx_import_get_stats(im).refused;
    if (refused > REFUSALS_SHOWN)
        fprintf(stderr, "cjx import: … and %zu more refused rows (--errors FILE lists them)\n",
                refused - REFUSALS_SHOWN);
}

static void import_usage(FILE *out)
{
    fprintf(out,
            "usage: cjx import [--kind KIND] [--valid-rows] [--complete] [--dry-run]\n"
            "                  [--errors FILE] FILE\n"
            "       cjx import --status\n"
            "\n"
            "Imports an exported file as the agent's inbox does (docs/import.md): a CSV\n"
            "with a header row (UTF-8 or GB18030; the columns of config/import/KIND.ini),\n"
            "JSON Lines or a JSON array. Every row is checked; the valid rows of a file\n"
            "without refusals are stored in the outbox in one synced transaction, and rows\n"
            "unchanged since their last import are skipped. Each refused row is printed\n"
            "with its row number, column, value and reason. Exit status 1 when any is.\n"
            "\n"
            "  --kind KIND    the kind of the rows (default: from the file's name, else\n"
            "                 the configured import_kind)\n"
            "  --valid-rows   store the valid rows even when some are refused\n"
            "  --complete     the file holds every open posting of its kind: withdraw\n"
            "                 those an earlier import of that kind published that it\n"
            "                 lacks (none when the file holds no row, or when they are\n"
            "                 more than import_withdraw_max_percent of the kind)\n"
            "  --dry-run      check only, store nothing\n"
            "  --errors FILE  write the refused rows as CSV (row, column, value, reason)\n"
            "  --status       print the last import's status and the totals, as JSON\n");
}

json_t *cli_import_status(cjx_outbox *ob)
{
    return cjx_import_status(ob);
}

/* Runs the import of path; returns the exit status. */
static int run(cli *c, const char *path, const char *kind, cjx_import_policy policy,
               const char *errors)
{
    cjx_outbox *ob = NULL;
    cjx_import_env env;
    cjx_import *im = NULL;
    cjx_fault fault = {0};
    int rc = 1, tty = isatty(STDERR_FILENO), shown = -1;
    struct stat st;
    if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault) ||
        cjx_import_env_open(&env, &c->cfg, ob, &fault)) {
        cli_error("import", "%s", fault.text);
        cjx_outbox_close(&ob);
        return 1;
    }
    env.options.kind = kind;
    int show = tty || (stat(path, &st) == 0 && st.st_size > LARGE_FILE_BYTES);
    if (cjx_import_open(path, &env.options, &im, &fault)) {
        cli_error("import", "%s", fault.text);
        goto done;
    }
    int more;
    while ((more = cjx_import_step(im, ROWS_PER_STEP)) > 0)
        if (show)
            progress(im, tty, &shown);
    if (more < 0) {
        cli_error("import", "out of memory");
        goto done;
    }
    if (show)
        progress(im, tty, &shown);
    cjx_import_result r;
    /* the store may refuse rows too (a ref another kind holds): report after */
    if (cjx_import_commit(im, ob, &policy, &r, &fault)) {
        cli_error("import", "%s", fault.text);
        goto done;
    }
    print_refusals(im);
    if (errors && cjx_import_write_report(im, errors, &fault))
        cli_error("import", "%s", fault.text);
    if (r.withdraw_refused[0])
        fprintf(stderr, "cjx import: %s\n", r.withdraw_refused);
    cjx_import_stats s = cjx_import_get_stats(im);
    printf("%s: %zu rows (%s, %s%s%s): %zu accepted, %zu refused; %s: %zu stored, %zu unchanged, "
           "%zu withdrawn\n",
           path, s.rows, s.format, s.encoding, s.kind[0] ? ", " : "", s.kind, s.accepted,
           s.refused,
           policy.dry_run ? "dry run" : r.imported ? "imported" : "nothing imported", r.stored,
           r.unchanged, r.withdrawn);
    rc = s.refused ? 1 : 0;
done:
    cjx_import_destroy(&im);
    cjx_import_env_close(&env);
    cjx_outbox_close(&ob);
    return rc;
}

int cli_import(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"valid-rows", no_argument, NULL, 'v'},
        {"complete", no_argument, NULL, 'C'},
        {"dry-run", no_argument, NULL, 'n'},
        {"errors", required_argument, NULL, 'e'},
        {"status", no_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *kind = NULL, *errors = NULL;
    int status = 0, opt;
    cjx_import_policy policy = {0};
    int valid_rows = -1, complete = -1;
    while ((opt = getopt_long(argc, argv, "k:e:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'k': kind = optarg; break;
        case 'v': valid_rows = 1; break;
        case 'C': complete = 1; break;
        case 'n': policy.dry_run = 1; break;
        case 'e': errors = optarg; break;
        case 's': status = 1; break;
        case 'h': import_usage(stdout); return 0;
        default: import_usage(stderr); return 2;
        }
    }
    if (argc - optind != (status ? 0 : 1)) {
        import_usage(stderr);
        return 2;
    }
    if (cli_need_config(c, "import"))
        return 2;
    if (status) {
        cjx_outbox *ob = NULL;
        cjx_fault fault;
        if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault)) {
            cli_error("import", "%s", fault.text);
            return 1;
        }
        cli_print_json(cli_import_status(ob), 1);
        cjx_outbox_close(&ob);
        return 0;
    }
    policy.valid_rows = valid_rows > 0 || (valid_rows < 0 &&
                                           strcmp(c->cfg.import_policy, "valid_rows") == 0);
    policy.complete = complete > 0 || (complete < 0 && c->cfg.import_complete);
    policy.withdraw_max_percent = (int)c->cfg.import_withdraw_max_percent;
    return run(c, argv[optind], kind, policy, errors);
}
