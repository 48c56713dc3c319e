/* import_csv.c — text encodings and CSV records of exported files (see
 * import_csv.h). GB18030 goes through glibc's iconv. */
#include "import_csv.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    cjx_encoding enc;
} encodings[] = {
    {"auto", CJX_ENC_AUTO},       {"utf-8", CJX_ENC_UTF8}, {"utf8", CJX_ENC_UTF8},
    {"gb18030", CJX_ENC_GB18030}, {"gbk", CJX_ENC_GB18030}, {"gb2312", CJX_ENC_GB18030},
};

int cjx_encoding_by_name(const char *name, cjx_encoding *out)
{
    for (size_t i = 0; i < sizeof encodings / sizeof encodings[0]; i++) {
        if (strcasecmp(name, encodings[i].name) == 0) {
            *out = encodings[i].enc;
            return 0;
        }
    }
    return -1;
}

const char *cjx_encoding_name(cjx_encoding enc)
{
    return enc == CJX_ENC_UTF8 ? "utf-8" : enc == CJX_ENC_GB18030 ? "gb18030" : "auto";
}

/* The length of the well-formed UTF-8 prefix of s (no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
static size_t utf8_prefix(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i];
        size_t n;
        uint32_t lo = 0x80, hi = 0xBF; /* range of the second byte */
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            lo = c == 0xE0 ? 0xA0 : 0x80;
            hi = c == 0xED ? 0x9F : 0xBF;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            lo = c == 0xF0 ? 0x90 : 0x80;
            hi = c == 0xF4 ? 0x8F : 0xBF;
        } else {
            return i;
        }
        if (i + n > len || s[i + 1] < lo || s[i + 1] > hi)
            return i;
        for (size_t k = 2; k < n; k++)
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
        i += n;
    }
    return len;
}

static size_t line_at(const char *data, size_t pos)
{
    size_t line = 1;
    for (size_t i = 0; i < pos; i++)
        line += data[i] == '\n';
    return line;
}

/* Converts GB18030 to UTF-8. utf8_bad is where the text stopped being
 * UTF-8 when GB18030 was a guess (else len): a fault tells both. */
static cjx_err gb18030_to_utf8(const char *data, size_t len, size_t utf8_bad, char **out,
                               size_t *out_len, cjx_fault *f)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    if (cd == (iconv_t)-1)
        return cjx_fault_set(f, CJX_ENOMEM, "", "this system's iconv cannot read GB18030");
    size_t cap = len + len / 2 + 4; /* 2 bytes become at most 3, 4 at most 4 */
    char *buf = malloc(cap + 1);
    if (!buf) {
        iconv_close(cd);
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    char *in = (char *)data, *o = buf;
    size_t in_left = len, out_left = cap;
    size_t rc = iconv(cd, &in, &in_left, &o, &out_left);
    int err = errno;
    iconv_close(cd);
    if (rc == (size_t)-1) {
        free(buf);
        if (err == E2BIG)
            return cjx_fault_set(f, CJX_ENOMEM, "", "GB18030 text grew past its bound");
        const char *why = err == EINVAL ? "the last character is cut off"
                                        : "bytes that are not GB18030";
        if (utf8_bad < len)
            return cjx_fault_set(f, CJX_EMALFORMED, "",
                                 "line %zu: not valid UTF-8; read as GB18030, line %zu: %s",
                                 line_at(data, utf8_bad), line_at(data, (size_t)(in - data)),
                                 why);
        return cjx_fault_set(f, CJX_EMALFORMED, "", "line %zu: %s",
                             line_at(data, (size_t)(in - data)), why);
    }
    *o = '\0';
    *out = buf;
    *out_len = (size_t)(o - buf);
    return CJX_OK;
}

cjx_err cjx_text_to_utf8(const char *data, size_t len, cjx_encoding enc, char **out,
                         size_t *out_len, cjx_encoding *used, cjx_fault *f)
{
    if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
        data += 3;
        len -= 3;
        if (enc == CJX_ENC_AUTO)
            enc = CJX_ENC_UTF8;
    } else if (len >= 4 && memcmp(data, "\x84\x31\x95\x33", 4) == 0 &&
               enc != CJX_ENC_UTF8) { /* U+FEFF in GB18030 */
        data += 4;
        len -= 4;
        enc = CJX_ENC_GB18030;
    }
    size_t good = utf8_prefix((const uint8_t *)data, len);
    int guessed = enc == CJX_ENC_AUTO;
    if (enc == CJX_ENC_AUTO)
        enc = good == len ? CJX_ENC_UTF8 : CJX_ENC_GB18030;
    if (used)
        *used = enc;
    if (enc == CJX_ENC_GB18030)
        return gb18030_to_utf8(data, len, guessed ? good : len, out, out_len, f);
    if (good != len)
        return cjx_fault_set(f, CJX_EMALFORMED, "", "line %zu: not valid UTF-8",
                             line_at(data, good));
    char *buf = malloc(len + 1);
    if (!buf)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    memcpy(buf, data, len);
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return CJX_OK;
}

char cjx_csv_sniff(const char *buf, size_t len)
{
    size_t tabs = 0, commas = 0;
    for (size_t i = 0; i < len && buf[i] != '\n'; i++) {
        tabs += buf[i] == '\t';
        commas += buf[i] == ',';
    }
    return tabs > commas ? '\t' : ',';
}

void cjx_csv_init(cjx_csv *c, const char *buf, size_t len, char delim)
{
    memset(c, 0, sizeof *c);
    c->buf = buf;
    c->len = len;
    c->delim = delim;
    c->line = 1;
}

void cjx_csv_free(cjx_csv *c)
{
    free(c->fields);
    free(c->scratch);
    c->fields = NULL;
    c->scratch = NULL;
}

/* Makes room for n more bytes of scratch. */
static int reserve(cjx_csv *c, size_t used, size_t n)
{
    if (used + n <= c->scratch_cap)
        return 0;
    size_t cap = c->scratch_cap ? c->scratch_cap : 256;
    while (cap < used + n)
        cap *= 2;
    char *s = realloc(c->scratch, cap);
    if (!s)
        return -1;
    c->scratch = s;
    c->scratch_cap = cap;
    return 0;
}

/* Ends the field that started at scratch offset start; its offset is kept
 * in fields[] until the record is complete (then made pointers). */
static int end_field(cjx_csv *c, size_t *used, size_t start)
{
    if (reserve(c, *used, 1))
        return -1;
    c->scratch[(*used)++] = '\0';
    if (c->nfields == c->fields_cap) {
        size_t cap = c->fields_cap ? 2 * c->fields_cap : 16;
        char **fl = realloc(c->fields, cap * sizeof *fl);
        if (!fl)
            return -1;
        c->fields = fl;
        c->fields_cap = cap;
    }
    c->fields[c->nfields++] = (char *)(uintptr_t)start;
    return 0;
}

/* Moves past the end of the line at c->pos: where reading goes on after a
 * record that cannot be parsed. */
static void resync(cjx_csv *c)
{
    while (c->pos < c->len && c->buf[c->pos] != '\n')
        c->pos++;
    if (c->pos < c->len) {
        c->pos++;
        c->line++;
    }
}

int cjx_csv_next(cjx_csv *c, cjx_fault *f)
{
    while (c->pos < c->len && (c->buf[c->pos] == '\n' || c->buf[c->pos] == '\r')) {
        c->line += c->buf[c->pos] == '\n';
        c->pos++;
    }
    if (c->pos >= c->len)
        return 0;
    c->record_line = c->line;
    c->nfields = 0;
    size_t record_pos = c->pos;
    size_t used = 0, start = 0;
    int quoted = 0, closed = 0;
    for (;;) {
        char ch = c->pos < c->len ? c->buf[c->pos] : '\n';
        int at_end = c->pos >= c->len;
        if (quoted && at_end) {
            cjx_fault_set(f, CJX_EMALFORMED, "", "line %zu: a quoted field is never closed",
                          c->record_line);
            /* go on at the line after the record's first */
            c->pos = record_pos;
            c->line = c->record_line;
            resync(c);
            return -1;
        }
        if (quoted) {
            c->pos++;
            if (ch == '"' && c->pos < c->len && c->buf[c->pos] == '"') {
                c->pos++;
            } else if (ch == '"') {
                quoted = 0;
                closed = 1;
                continue;
            }
            c->line += ch == '\n';
            if (reserve(c, used, 1))
                goto nomem;
            c->scratch[used++] = ch;
            continue;
        }
        if (ch == c->delim || ch == '\n' || (ch == '\r' && (c->pos + 1 >= c->len ||
                                                            c->buf[c->pos + 1] == '\n'))) {
            if (end_field(c, &used, start))
                goto nomem;
            start = used;
            closed = 0;
            c->pos += !at_end;
            if (ch == c->delim)
                continue;
            if (ch == '\r' && c->pos < c->len)
                c->pos++; /* the \n of CRLF */
            if (!at_end)
                c->line++;
            break;
        }
        if (closed) {
            cjx_fault_set(f, CJX_EMALFORMED, "",
                          "line %zu: text after the closing quote of a field", c->line);
            resync(c);
            return -1;
        }
        c->pos++;
        if (ch == '"' && used == start) {
            quoted = 1;
            continue;
        }
        if (reserve(c, used, 1))
            goto nomem;
        c->scratch[used++] = ch;
    }
    for (size_t i = 0; i < c->nfields; i++)
        c->fields[i] = c->scratch + (uintptr_t)c->fields[i];
    return 1;
nomem:
    cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    return -1;
}

void cjx_csv_write_field(FILE *fp, const char *s, int last)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', fp);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', fp);
            fputc(*s, fp);
        }
        fputc('"', fp);
    } else {
        fputs(s, fp);
    }
    fputs(last ? "\r\n" : ",", fp);
}
