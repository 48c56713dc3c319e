/* import_json.c — the rows of a JSON file: JSON Lines (or any stream of
 * objects) and JSON arrays. An object is either a whole item, mapped as
 * `cjx post` maps it, or a flat row keyed by column names, which goes
 * through the kind's mapping like a CSV row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "import_int.h"

/* The text of one flat value as a cell: strings as they are, numbers and
 * booleans written out, null empty, a list of strings joined by commas.
 * NULL for an object (or a list holding one), or when memory ran out. */
static char *cell_text(const json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_null(v))
        return strdup("");
    if (json_is_array(v)) {
        size_t i, len = 1;
        json_t *el;
        json_array_foreach(v, i, el) {
            if (!json_is_string(el))
                return NULL;
            len += strlen(json_string_value(el)) + 1;
        }
        char *out = calloc(1, len);
        json_array_foreach(v, i, el) {
            if (out && i)
                strcat(out, ",");
            if (out)
                strcat(out, json_string_value(el));
        }
        return out;
    }
    if (json_is_object(v))
        return NULL;
    return json_dumps(v, JSON_ENCODE_ANY);
}

/* One flat object as a row of columns (its keys). */
static int flat_row(cjx_import *im, const json_t *obj, size_t row)
{
    size_t n = json_object_size(obj), i = 0;
    const char *key;
    json_t *v;
    cjx_fault fault = {0};
    if (!im->have_map) {
        im->rows++;
        cjx_fault_set(&fault, CJX_EKIND, "",
                      "a row of columns, but the file's name does not start with a kind and "
                      "no kind is configured (import_kind)");
        cjx_import_refuse(im, row, "", "", &fault);
        return 0;
    }
    char **names = calloc(n + 1, sizeof *names), **cells = calloc(n + 1, sizeof *cells);
    cjx_import_column *cols = calloc(n + 1, sizeof *cols);
    int rc = names && cells && cols ? 0 : -1;
    json_object_foreach((json_t *)obj, key, v) {
        if (rc)
            break;
        names[i] = (char *)key;
        if (!(cells[i++] = cell_text(v))) {
            im->rows++;
            cjx_fault_set(&fault, CJX_EMALFORMED, key, "a column's value is text, a number, "
                                                       "true/false or a list of text");
            cjx_import_refuse(im, row, key, "", &fault);
            rc = 1;
        }
    }
    if (rc == 0 && cjx_import_bind(&im->map, names, n, cols, &fault) != CJX_OK) {
        im->rows++;
        cjx_import_refuse(im, row, fault.field, "", &fault);
        rc = 1;
    }
    if (rc == 0)
        rc = cjx_import_take_row(im, cols, cells, n, row);
    for (size_t k = 0; cells && k < n; k++)
        free(cells[k]);
    free(names);
    free(cells);
    free(cols);
    return rc < 0 ? -1 : 0;
}

/* One value of the file, at row. */
static int value(cjx_import *im, const json_t *v, size_t row)
{
    if (json_is_object(v) && !cjx_import_is_item(v))
        return flat_row(im, v, row);
    im->rows++;
    return cjx_import_take(im, v, row, NULL, NULL, 0);
}

cjx_err cjx_import_json_fault(cjx_fault *f, const json_error_t *err, size_t first_line,
                              const char *what)
{
    const char *why;
    switch (json_error_code(err)) {
    case json_error_premature_end_of_input: why = "the text ends inside a value"; break;
    case json_error_end_of_input_expected: why = "text after the value"; break;
    case json_error_invalid_utf8: why = "not UTF-8"; break;
    case json_error_null_character:
    case json_error_null_byte_in_key: why = "a NUL character"; break;
    case json_error_duplicate_key: why = "a key given twice"; break;
    case json_error_numeric_overflow: why = "a number too large"; break;
    case json_error_stack_overflow: why = "nested too deep"; break;
    default: why = "malformed JSON"; break;
    }
    return cjx_fault_set(f, CJX_EMALFORMED, "", "line %zu, column %d: %s: %s",
                         first_line + (size_t)(err->line > 0 ? err->line - 1 : 0), err->column,
                         what, why);
}

/* The next value of a stream: its line is counted incrementally, so that
 * numbering every line of a large file stays linear. A value that cannot
 * be read is refused, and reading goes on at the line after the fault. */
static int next_in_stream(cjx_import *im)
{
    while (im->pos < im->len && strchr(" \t\r\n", im->text[im->pos]))
        im->pos++;
    for (; im->counted < im->pos; im->counted++)
        im->line += im->text[im->counted] == '\n';
    if (im->pos >= im->len) {
        im->done = 1;
        return 0;
    }
    json_error_t err;
    json_t *v = json_loadb(im->text + im->pos, im->len - im->pos,
                           JSON_DISABLE_EOF_CHECK | JSON_REJECT_DUPLICATES, &err);
    if (!v) {
        if (json_error_code(&err) == json_error_out_of_memory)
            return -1;
        cjx_fault fault;
        cjx_import_json_fault(&fault, &err, im->line, "not a JSON value");
        im->rows++;
        cjx_import_refuse(im, im->line + (size_t)(err.line > 0 ? err.line - 1 : 0), "", "",
                          &fault);
        /* past the end of the line the fault is on */
        for (int nl = 0; im->pos < im->len && nl < (err.line > 0 ? err.line : 1); im->pos++)
            nl += im->text[im->pos] == '\n';
        return 0;
    }
    int rc = value(im, v, im->line);
    json_decref(v);
    im->pos += err.position;
    return rc;
}

int cjx_import_json_value(cjx_import *im)
{
    if (im->fmt != FMT_ARRAY)
        return next_in_stream(im);
    if (im->index >= json_array_size(im->array)) {
        im->done = 1;
        return 0;
    }
    im->index++;
    return value(im, json_array_get(im->array, im->index - 1), im->index);
}
