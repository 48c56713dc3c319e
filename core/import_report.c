/* import_report.c — the report of a file's refused rows, NAME.errors.csv:
 * one line per refusal with the row, the column, the value and the reason,
 * as CSV in UTF-8 with a BOM, so that Excel on a Chinese Windows shows it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "import_int.h"
#include "utf8.h"

/* Opens the report and writes its BOM and header. */
static FILE *start(const char *path, cjx_fault *f)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        cjx_fault_set(f, CJX_EIO, "", "%s: %s", path, strerror(errno));
        return NULL;
    }
    fputs("\xEF\xBB\xBF", fp);
    cjx_csv_write_field(fp, "row", 0);
    cjx_csv_write_field(fp, "column", 0);
    cjx_csv_write_field(fp, "value", 0);
    cjx_csv_write_field(fp, "reason", 0);
    cjx_csv_write_field(fp, "code", 1);
    return fp;
}

static cjx_err end(FILE *fp, const char *path, cjx_fault *f)
{
    int bad = ferror(fp);
    if (fclose(fp) || bad)
        return cjx_fault_set(f, CJX_EIO, "", "%s: cannot write", path);
    return CJX_OK;
}

cjx_err cjx_import_write_fault_report(const cjx_fault *why, const char *path, cjx_fault *f)
{
    FILE *fp = start(path, f);
    if (!fp)
        return CJX_EIO;
    char text[sizeof why->text];
    cjx_utf8_repair(text, sizeof text, why->text);
    cjx_csv_write_field(fp, "0", 0);
    cjx_csv_write_field(fp, "", 0);
    cjx_csv_write_field(fp, "", 0);
    cjx_csv_write_field(fp, text, 0);
    cjx_csv_write_field(fp, cjx_err_name(why->code), 1);
    return end(fp, path, f);
}

cjx_err cjx_import_write_report(const cjx_import *im, const char *path, cjx_fault *f)
{
    FILE *fp = start(path, f);
    if (!fp)
        return CJX_EIO;
    for (size_t i = 0; i < im->nrefusals; i++) {
        const cjx_import_refusal *r = &im->refusals[i];
        char row[24], reason[sizeof r->fault.field + sizeof r->fault.text + 4];
        char whole[sizeof reason];
        snprintf(row, sizeof row, "%zu", r->row);
        /* the field path helps when the column is named otherwise */
        if (r->fault.field[0] && strcmp(r->fault.field, r->column))
            snprintf(reason, sizeof reason, "%s: %s", r->fault.field, r->fault.text);
        else
            snprintf(reason, sizeof reason, "%s", r->fault.text);
        cjx_csv_write_field(fp, row, 0);
        cjx_csv_write_field(fp, r->column, 0);
        cjx_csv_write_field(fp, r->value, 0);
        cjx_utf8_repair(whole, sizeof whole, reason);
        cjx_csv_write_field(fp, whole, 0);
        cjx_csv_write_field(fp, cjx_err_name(r->fault.code), 1);
    }
    if (im->refused > im->nrefusals)
        fprintf(fp, ",,,\"and %zu more rows refused\",\r\n", im->refused - im->nrefusals);
    return end(fp, path, f);
}
