/* cli_report.c — `cjx report NAME --year Y [--format table|json|csv]`: one
 * of the plan's reports, computed by the hub from its current state
 * (core/report.h, hub/report.c), printed as an aligned table for people,
 * JSON for scripts or CSV (RFC 4180, UTF-8 with a BOM, for Excel).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "report.h"
#include "utf8.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx report NAME --year Y [--format table|json|csv]\n\n"
            "One of the plan's reports for year Y, computed by the hub from its current\n"
            "state: the plan section it checks, the records it used and as of which log\n"
            "sequence, its lines, and the institutions out of compliance. Bureaus get\n"
            "every institution's lines, other institutions their own.\n\n"
            "reports:\n");
    for (const cjx_report_def *d = cjx_reports; d->name; d++)
        fprintf(out, "  %-19s %s: %s\n", d->name, d->section, d->title);
    fprintf(out, "\n"
                 "  --year Y            the year (Record.year of the records used)\n"
                 "  --format F          table (default), json, or csv\n");
}

/* Columns a string takes in a terminal: East Asian wide characters two. */
static size_t width(const char *s)
{
    size_t w = 0, n = strlen(s), len;
    for (size_t i = 0; i < n; i += len ? len : 1) {
        int32_t cp = cjx_utf8_decode(s + i, n - i, &len);
        w += (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                     (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                     (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                     (cp >= 0xFFE0 && cp <= 0xFFE6) || cp >= 0x20000
                 ? 2
                 : 1;
    }
    return w;
}

static void time_text(char *buf, size_t cap, int64_t ms)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm))
        snprintf(buf, cap, "-");
    else
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

static void print_cell(const char *s, size_t w, int last)
{
    fputs(s, stdout);
    if (!last)
        for (size_t i = width(s); i < w + 2; i++)
            putchar(' ');
}

static void print_table(const Cjx__Report *r)
{
    char asof[32], newest[32];
    time_text(asof, sizeof asof, r->as_of_ms);
    time_text(newest, sizeof newest, r->newest_ms);
    printf("%s %d — %s: %s\n", r->name, r->year, r->section, r->title);
    printf("as of log seq %llu, %s (newest entry used received %s); lines: %s\n",
           (unsigned long long)r->as_of_seq, asof, newest, r->scope);
    printf("records used: %llu", (unsigned long long)r->records_used);
    for (size_t i = 0; i < r->n_kinds_used; i++)
        printf("%s%s %llu", i ? ", " : " (", r->kinds_used[i]->kind,
               (unsigned long long)r->kinds_used[i]->count);
    printf("%s\n\n", r->n_kinds_used ? ")" : "");
    size_t *w = calloc(r->n_columns ? r->n_columns : 1, sizeof *w);
    if (!w)
        return;
    for (size_t c = 0; c < r->n_columns; c++)
        w[c] = width(r->columns[c]);
    for (size_t i = 0; i < r->n_rows; i++)
        for (size_t c = 0; c < r->n_columns && c < r->rows[i]->n_cells; c++)
            if (width(r->rows[i]->cells[c]) > w[c])
                w[c] = width(r->rows[i]->cells[c]);
    for (size_t c = 0; c < r->n_columns; c++)
        print_cell(r->columns[c], w[c], c + 1 == r->n_columns);
    putchar('\n');
    for (size_t i = 0; i < r->n_rows; i++) {
        for (size_t c = 0; c < r->n_columns; c++)
            print_cell(c < r->rows[i]->n_cells ? r->rows[i]->cells[c] : "", w[c],
                       c + 1 == r->n_columns);
        putchar('\n');
    }
    if (!r->n_rows)
        printf("(no lines)\n");
    free(w);
    printf("\nout of compliance (%zu):", r->n_non_compliant);
    for (size_t i = 0; i < r->n_non_compliant; i++)
        printf(" %s", r->non_compliant[i]);
    printf("%s\n", r->n_non_compliant ? "" : " none");
    if (r->n_unreported) {
        printf("no data to check (%zu):", r->n_unreported);
        for (size_t i = 0; i < r->n_unreported; i++)
            printf(" %s", r->unreported[i]);
        putchar('\n');
    }
    for (size_t i = 0; i < r->n_notes; i++)
        printf("note: %s\n", r->notes[i]);
}

static json_t *strings(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void print_json(const Cjx__Report *r)
{
    char asof[32], newest[32];
    time_t t = (time_t)(r->as_of_ms / 1000), tn = (time_t)(r->newest_ms / 1000);
    struct tm tm;
    strftime(asof, sizeof asof, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    strftime(newest, sizeof newest, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tn, &tm));
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(r->name));
    json_object_set_new(j, "section", json_string(r->section));
    json_object_set_new(j, "title", json_string(r->title));
    json_object_set_new(j, "year", json_integer(r->year));
    json_object_set_new(j, "as_of_seq", json_integer((json_int_t)r->as_of_seq));
    json_object_set_new(j, "as_of", json_string(asof));
    json_object_set_new(j, "newest_used", json_string(r->newest_ms > 0 ? newest : ""));
    json_object_set_new(j, "scope", json_string(r->scope));
    json_object_set_new(j, "min_cell", json_integer(r->min_cell));
    json_object_set_new(j, "records_used", json_integer((json_int_t)r->records_used));
    json_t *kinds = json_object();
    for (size_t i = 0; i < r->n_kinds_used; i++)
        json_object_set_new(kinds, r->kinds_used[i]->kind,
                            json_integer((json_int_t)r->kinds_used[i]->count));
    json_object_set_new(j, "kinds_used", kinds);
    json_object_set_new(j, "columns", strings(r->columns, r->n_columns));
    json_t *rows = json_array();
    for (size_t i = 0; i < r->n_rows; i++) {
        json_t *row = json_object();
        for (size_t c = 0; c < r->n_columns && c < r->rows[i]->n_cells; c++)
            json_object_set_new(row, r->columns[c], json_string(r->rows[i]->cells[c]));
        json_array_append_new(rows, row);
    }
    json_object_set_new(j, "rows", rows);
    json_object_set_new(j, "non_compliant", strings(r->non_compliant, r->n_non_compliant));
    json_object_set_new(j, "unreported", strings(r->unreported, r->n_unreported));
    json_object_set_new(j, "notes", strings(r->notes, r->n_notes));
    cli_print_json(j, 1);
}

/* One CSV field: quoted when it holds a comma, a quote or a line break. */
static void csv_field(const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        putchar('"');
        for (; *s; s++) {
            if (*s == '"')
                putchar('"');
            putchar(*s);
        }
        putchar('"');
    } else {
        fputs(s, stdout);
    }
    fputs(last ? "\r\n" : ",", stdout);
}

static void print_csv(const Cjx__Report *r)
{
    fputs("\xEF\xBB\xBF", stdout); /* BOM: Excel then reads UTF-8 */
    for (size_t c = 0; c < r->n_columns; c++)
        csv_field(r->columns[c], c + 1 == r->n_columns);
    for (size_t i = 0; i < r->n_rows; i++)
        for (size_t c = 0; c < r->n_columns; c++)
            csv_field(c < r->rows[i]->n_cells ? r->rows[i]->cells[c] : "", c + 1 == r->n_columns);
}

int cli_report(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"year", required_argument, NULL, 'y'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *format = "table";
    uint64_t year = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "y:f:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'y':
            if (cli_parse_u64("report", "--year", optarg, &year) || year < 1900 || year > 9999) {
                cli_error("report", "--year: \"%s\" is not a year", optarg);
                return 2;
            }
            break;
        case 'f': format = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind + 1 != argc || !year) {
        usage(stderr);
        return 2;
    }
    if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv")) {
        cli_error("report", "--format: \"%s\" is not table, json or csv", format);
        return 2;
    }
    if (!cjx_report_find(argv[optind])) {
        cli_error("report", "no report \"%s\" (`cjx report --help` lists them)", argv[optind]);
        return 2;
    }
    if (cli_need_config(c, "report"))
        return 1;
    Cjx__ReportRequest q = CJX__REPORT_REQUEST__INIT;
    q.name = argv[optind];
    q.year = (int32_t)year;
    return cli_report_run(c, "report", &q, format);
}

int cli_report_run(cli *c, const char *cmd, Cjx__ReportRequest *q, const char *format)
{
    cli_link *l = cli_link_open(c, cmd);
    if (!l)
        return 1;
    q->request_id = 1;
    Cjx__Frame fr = CJX__FRAME__INIT, *reply = NULL;
    fr.msg_case = CJX__FRAME__MSG_REPORT_REQUEST;
    fr.report_request = q;
    int rc = 1;
    if (cli_link_call(l, &fr, q->request_id, &reply) != 0)
        cli_error(cmd, "the hub did not answer");
    else if (reply->msg_case == CJX__FRAME__MSG_NACK)
        cli_error(cmd, "refused by the hub: %s", reply->nack->text);
    else if (reply->msg_case == CJX__FRAME__MSG_REPORT)
        rc = 0;
    if (rc == 0) {
        if (strcmp(format, "json") == 0)
            print_json(reply->report);
        else if (strcmp(format, "csv") == 0)
            print_csv(reply->report);
        else
            print_table(reply->report);
    }
    if (reply)
        cjx__frame__free_unpacked(reply, NULL);
    cli_link_close(&l);
    return rc;
}
