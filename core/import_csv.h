/* import_csv.h — reading what institutions' systems export: the text
 * encoding (UTF-8 with or without a BOM, or GB18030, which Excel on a Chinese
 * Windows writes) and CSV records (RFC 4180: quoted fields, doubled quotes,
 * line breaks inside quotes, CRLF or LF).
 */
#ifndef CJX_IMPORT_CSV_H
#define CJX_IMPORT_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

typedef enum cjx_encoding {
    CJX_ENC_AUTO,       /* a BOM or valid UTF-8 means UTF-8; anything else GB18030 */
    CJX_ENC_UTF8,
    CJX_ENC_GB18030,    /* also reads GBK and GB2312, its subsets */
} cjx_encoding;

/* "auto", "utf-8" (or "utf8"), "gb18030" (or "gbk", "gb2312"), in any case.
 * Returns 0, or -1 for anything else. */
int cjx_encoding_by_name(const char *name, cjx_encoding *out);
const char *cjx_encoding_name(cjx_encoding enc);

/* Converts len bytes to UTF-8, dropping a BOM (UTF-8's, or GB18030's
 * 84 31 95 33, which also means GB18030). With CJX_ENC_AUTO the encoding is
 * guessed as above; *used (may be NULL) says which was read. On success *out
 * is a new NUL-terminated buffer the caller frees and *out_len its length.
 * Returns CJX_OK, CJX_EMALFORMED (bytes invalid in the encoding, or a last
 * character cut off; f->text gives the line, and when GB18030 was a guess,
 * the line where the text stopped being UTF-8) or CJX_ENOMEM. */
cjx_err cjx_text_to_utf8(const char *data, size_t len, cjx_encoding enc, char **out,
                         size_t *out_len, cjx_encoding *used, cjx_fault *f);

/* A CSV reader over a UTF-8 buffer it does not own. */
typedef struct cjx_csv {
    const char *buf;
    size_t len, pos;
    char delim;
    size_t line;            /* the line the next record starts on (1-based) */
    size_t record_line;     /* the line the record just read started on */
    char **fields;          /* the record just read; valid until the next call */
    size_t nfields, fields_cap;
    char *scratch;          /* the fields' text, NUL-separated */
    size_t scratch_cap;
} cjx_csv;

/* The delimiter of buf's first line: a tab when it has more tabs than
 * commas, else a comma. */
char cjx_csv_sniff(const char *buf, size_t len);

void cjx_csv_init(cjx_csv *c, const char *buf, size_t len, char delim);
void cjx_csv_free(cjx_csv *c);

/* Reads the next record into c->fields, skipping empty lines. Returns 1 with
 * a record, 0 at the end, or -1 with f set: CJX_ENOMEM, or CJX_EMALFORMED (a
 * quote never closed, text after a closing quote), after which the next call
 * reads on from the line after the fault (a quote never closed: after the
 * record's first line). */
int cjx_csv_next(cjx_csv *c, cjx_fault *f);

/* Writes s as one CSV field, quoted when it holds a comma, a quote or a
 * line break, then a comma, or CRLF when it is the last of its record. */
void cjx_csv_write_field(FILE *fp, const char *s, int last);

#endif
