/* import.c — one exported file, row by row, into packed items and refusals
 * (see import.h): reading and decoding it, telling its format and kind, and
 * stepping through CSV records, JSON Lines or a JSON array. */
#include "import.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import_int.h"
#include "utf8.h"

/* Copies text into out (cap bytes) whole characters only: a value or a
 * column cut to fit must not leave half a character in the report. */
static void copy_text(char *out, size_t cap, const char *text)
{
    cjx_utf8_repair(out, cap, text);
}

void cjx_import_refuse(cjx_import *im, size_t row, const char *column, const char *value,
                   const cjx_fault *fault)
{
    im->refused++;
    if (im->nrefusals == CJX_IMPORT_MAX_REFUSALS)
        return;
    if (im->nrefusals == im->refusals_cap) { /* most files have few: grow as needed */
        size_t cap = im->refusals_cap ? 2 * im->refusals_cap : 16;
        if (cap > CJX_IMPORT_MAX_REFUSALS)
            cap = CJX_IMPORT_MAX_REFUSALS;
        cjx_import_refusal *r = realloc(im->refusals, cap * sizeof *r);
        if (!r)
            return; /* counted, not kept */
        im->refusals = r;
        im->refusals_cap = cap;
    }
    cjx_import_refusal *r = &im->refusals[im->nrefusals++];
    r->row = row;
    copy_text(r->column, sizeof r->column, column);
    copy_text(r->value, sizeof r->value, value);
    r->fault = *fault;
    copy_text(r->fault.field, sizeof r->fault.field, fault->field);
    copy_text(r->fault.text, sizeof r->fault.text, fault->text);
}

static int add_item(cjx_import *im, cjx_import_item *it)
{
    if (im->nitems == im->cap) {
        size_t cap = im->cap ? 2 * im->cap : 256;
        cjx_import_item *items = realloc(im->items, cap * sizeof *items);
        if (!items)
            return -1;
        im->items = items;
        im->cap = cap;
    }
    if (cjx_import_keys_add(&im->keys, it->key, im->nitems))
        return -1;
    im->items[im->nitems++] = *it;
    return 0;
}

int cjx_import_take(cjx_import *im, const json_t *obj, size_t row, const cjx_import_column *cols,
                char *const *cells, size_t n)
{
    cjx_import_item it = {.row = row};
    cjx_fault fault = {0};
    cjx_err rc = cjx_import_make_item(&im->ctx, obj, &it, &fault);
    size_t earlier;
    if (rc == CJX_OK && cjx_import_keys_find(&im->keys, it.key, &earlier)) {
        rc = cjx_fault_set(&fault, CJX_EMALFORMED, it.is_posting ? "posting.ref" : "record.ref",
                           "the same natural key (%s) as row %zu", it.key,
                           im->items[earlier].row);
        free(it.packed.data);
        free(it.key);
    }
    if (rc == CJX_OK) {
        if (add_item(im, &it)) {
            free(it.packed.data);
            free(it.key);
            return -1;
        }
        return 0;
    }
    if (rc == CJX_ENOMEM)
        return -1;
    size_t col = cols ? cjx_import_column_of(cols, n, fault.field) : n;
    int personal = col < n && strstr(cols[col].path, "pii_");
    cjx_import_refuse(im, row, col < n ? cols[col].name : fault.field,
           col < n && !personal ? cells[col] : "", &fault);
    return 0;
}

/* One row of columns: its JSON item, then cjx_import_take(). */
int cjx_import_take_row(cjx_import *im, const cjx_import_column *cols, char *const *cells,
                    size_t n, size_t row)
{
    json_t *obj = NULL;
    size_t bad;
    cjx_fault fault = {0};
    im->rows++;
    cjx_err rc = cjx_import_row_json(&im->map, cols, cells, n, &obj, &bad, &fault);
    if (rc == CJX_ENOMEM)
        return -1;
    if (rc != CJX_OK) {
        int personal = bad < n && strstr(cols[bad].path, "pii_");
        cjx_import_refuse(im, row, bad < n ? cols[bad].name : fault.field,
               bad < n && !personal ? cells[bad] : "", &fault);
        return 0;
    }
    rc = cjx_import_take(im, obj, row, cols, cells, n);
    json_decref(obj);
    return rc;
}

void cjx_import_trim(char *s)
{
    size_t n = strlen(s), start = strspn(s, " \t");
    while (n > start && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    memmove(s, s + start, n - start);
    s[n - start] = '\0';
}

/* The kind's mapping: the caller's kind, the file name's, or the default. */
static cjx_err find_map(cjx_import *im, cjx_fault *f)
{
    char kind[48];
    const cjx_import_options *o = im->o;
    const char *k = o->kind && o->kind[0] ? o->kind
                    : cjx_import_kind_of_file(o->mapping_dir, im->path, kind) == 0 ? kind
                    : o->default_kind && o->default_kind[0] ? o->default_kind
                                                            : NULL;
    if (!k)
        return cjx_fault_set(f, CJX_EKIND, "",
                             "the file's name does not start with a kind (job.csv, "
                             "招聘岗位-2026.csv…) and no kind is configured (import_kind)");
    cjx_err rc = cjx_import_map_load(o->mapping_dir, k, &im->map, f);
    im->have_map = rc == CJX_OK;
    im->ctx.map = im->have_map ? &im->map : NULL;
    return rc;
}

/* Reads the CSV header and binds it to the mapping. Empty names at the end
 * of the header (a spreadsheet's blank columns) are dropped. *row is the
 * header's line when the fault is about one of its columns. */
static cjx_err open_csv(cjx_import *im, size_t *row, cjx_fault *f)
{
    cjx_csv_init(&im->csv, im->text, im->len, cjx_csv_sniff(im->text, im->len));
    int got = cjx_csv_next(&im->csv, f);
    if (got <= 0)
        return got == 0 ? cjx_fault_set(f, CJX_EREQUIRED, "", "no header row") : f->code;
    im->header_line = im->csv.record_line;
    im->ncols = im->csv.nfields;
    for (size_t i = 0; i < im->ncols; i++)
        cjx_import_trim(im->csv.fields[i]);
    while (im->ncols && !im->csv.fields[im->ncols - 1][0])
        im->ncols--;
    if (im->ncols == 0) {
        *row = im->header_line;
        return cjx_fault_set(f, CJX_EREQUIRED, "", "the header row names no column");
    }
    cjx_err rc = find_map(im, f);
    if (rc != CJX_OK)
        return rc;
    if (!(im->cols = calloc(im->ncols, sizeof *im->cols)))
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    rc = cjx_import_bind(&im->map, im->csv.fields, im->ncols, im->cols, f);
    if (rc != CJX_OK)
        *row = im->header_line;
    return rc;
}

static enum cjx_import_format guess_format(const char *path, const char *text)
{
    const char *dot = strrchr(path, '.');
    const char *ext = dot ? dot + 1 : "";
    char first = text[strspn(text, " \t\r\n")];
    if (strcmp(ext, "jsonl") == 0 || strcmp(ext, "ndjson") == 0)
        return FMT_JSONL;
    if (strcmp(ext, "csv") == 0 || strcmp(ext, "tsv") == 0 || strcmp(ext, "txt") == 0)
        return FMT_CSV;
    return first == '[' ? FMT_ARRAY : first == '{' ? FMT_JSONL : FMT_CSV;
}

/* Reads the whole file. */
static cjx_err slurp(const char *path, char **data, size_t *len, cjx_fault *f)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    if (!fp || fstat(fileno(fp), &st) || (size_t)st.st_size > CJX_IMPORT_MAX_BYTES) {
        cjx_fault_set(f, CJX_EIO, "", "%s: %s", path,
                      !fp ? strerror(errno) : "over 1 GiB, or not readable");
        if (fp)
            fclose(fp);
        return CJX_EIO;
    }
    *data = malloc((size_t)st.st_size + 1);
    *len = *data ? fread(*data, 1, (size_t)st.st_size, fp) : 0;
    int bad = !*data || ferror(fp);
    fclose(fp);
    if (bad) {
        free(*data);
        return cjx_fault_set(f, CJX_EIO, "", "%s: cannot read", path);
    }
    return CJX_OK;
}

cjx_err cjx_import_open(const char *path, const cjx_import_options *o, cjx_import **out,
                        cjx_fault *f)
{
    char *raw = NULL;
    size_t rawlen = 0;
    cjx_err rc = slurp(path, &raw, &rawlen, f);
    if (rc != CJX_OK)
        return rc;
    cjx_import *im = calloc(1, sizeof *im);
    if (!im || !(im->path = strdup(path))) {
        free(im);
        free(raw);
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    im->o = o;
    im->line = 1;
    im->ctx = (cjx_import_ctx){o->validator, o->credit_code, o->pseudonym_key, NULL};
    cjx_fault why = {0};
    size_t fault_row = 0;
    rc = cjx_text_to_utf8(raw, rawlen, o->encoding, &im->text, &im->len, &im->enc, &why);
    free(raw);
    if (rc == CJX_OK) {
        im->fmt = guess_format(path, im->text);
        if (im->fmt == FMT_CSV) {
            rc = open_csv(im, &fault_row, &why);
        } else if (im->fmt == FMT_ARRAY) {
            json_error_t err;
            im->array = json_loadb(im->text, im->len, JSON_REJECT_DUPLICATES, &err);
            if (!im->array)
                rc = cjx_import_json_fault(&why, &err, 1, "not a JSON array");
            else if (!json_is_array(im->array))
                rc = cjx_fault_set(&why, CJX_EMALFORMED, "", "not a JSON array");
        }
        if (im->fmt != FMT_CSV && rc == CJX_OK)
            find_map(im, &why); /* needed by flat rows only: they are refused without */
    }
    if (rc == CJX_ENOMEM) {
        cjx_import_destroy(&im);
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    if (rc != CJX_OK) {
        cjx_import_refuse(im, fault_row, why.field, "", &why);
        im->done = 1;
    }
    *out = im;
    return CJX_OK;
}

void cjx_import_destroy(cjx_import **self_p)
{
    if (!self_p || !*self_p)
        return;
    cjx_import *im = *self_p;
    for (size_t i = 0; i < im->nitems; i++) {
        free(im->items[i].packed.data);
        free(im->items[i].key);
    }
    free(im->items);
    cjx_import_keys_free(&im->keys);
    free(im->refusals);
    free(im->cols);
    cjx_csv_free(&im->csv);
    json_decref(im->array);
    free(im->text);
    free(im->path);
    free(im);
    *self_p = NULL;
}

static int all_empty(char *const *cells, size_t from, size_t n)
{
    for (size_t i = from; i < n; i++)
        if (cells[i][0])
            return 0;
    return 1;
}

/* The next CSV record as a row; sets im->done after the last. A record
 * the reader cannot parse is refused and reading goes on at the next line;
 * a record of empty cells only (",,,," from a spreadsheet) is skipped. */
static int csv_row(cjx_import *im)
{
    cjx_fault fault = {0};
    int got = cjx_csv_next(&im->csv, &fault);
    im->pos = im->csv.pos;
    if (got < 0 && fault.code == CJX_ENOMEM) {
        im->done = 1;
        return -1;
    }
    if (got < 0) {
        im->rows++;
        cjx_import_refuse(im, im->csv.record_line, "", "", &fault);
        return 0;
    }
    if (got == 0) {
        im->done = 1;
        return 0;
    }
    size_t n = im->csv.nfields;
    char **cells = im->csv.fields;
    for (size_t i = 0; i < n; i++)
        cjx_import_trim(cells[i]);
    if (all_empty(cells, 0, n))
        return 0;
    if (n > im->ncols && all_empty(cells, im->ncols, n))
        n = im->ncols; /* cells under the header's blank columns */
    if (n > im->ncols) {
        im->rows++;
        cjx_fault_set(&fault, CJX_EMALFORMED, "", "%zu fields, but the header has %zu columns",
                      n, im->ncols);
        cjx_import_refuse(im, im->csv.record_line, "", "", &fault);
        return 0;
    }
    /* a short row (trailing cells left out) has them empty */
    static char empty[1];
    char *padded[CJX_IMPORT_MAX_COLUMNS * 2];
    if (n < im->ncols) {
        if (im->ncols > sizeof padded / sizeof padded[0])
            return cjx_import_take_row(im, im->cols, cells, n, im->csv.record_line);
        for (size_t i = 0; i < im->ncols; i++)
            padded[i] = i < n ? cells[i] : empty;
        cells = padded;
        n = im->ncols;
    }
    return cjx_import_take_row(im, im->cols, cells, n, im->csv.record_line);
}

int cjx_import_step(cjx_import *im, size_t max)
{
    for (size_t k = 0; k < max && !im->done; k++) {
        int rc = im->fmt == FMT_CSV ? csv_row(im) : cjx_import_json_value(im);
        if (rc < 0) {
            im->done = 1;
            return -1;
        }
    }
    return !im->done;
}

double cjx_import_progress(const cjx_import *im)
{
    if (im->done)
        return 1.0;
    if (im->fmt == FMT_ARRAY)
        return json_array_size(im->array) ? (double)im->index / json_array_size(im->array) : 1;
    return im->len ? (double)im->pos / im->len : 1.0;
}

cjx_import_stats cjx_import_get_stats(const cjx_import *im)
{
    static const char *const formats[] = {"csv", "jsonl", "json"};
    return (cjx_import_stats){formats[im->fmt], cjx_encoding_name(im->enc),
                              im->have_map ? im->map.kind : "", im->rows, im->nitems,
                              im->refused};
}

const char *cjx_import_path(const cjx_import *im)
{
    return im->path;
}

const cjx_import_refusal *cjx_import_refusals(const cjx_import *im, size_t *n)
{
    *n = im->nrefusals;
    return im->refusals;
}

const cjx_import_item *cjx_import_items(const cjx_import *im, size_t *n)
{
    *n = im->nitems;
    return im->items;
}

int cjx_import_has_key(const cjx_import *im, const char *key)
{
    size_t at;
    return cjx_import_keys_find(&im->keys, key, &at);
}
