/* json_write.c — JSON text straight from protobuf-c messages (json_write.h).
 *
 * The feed sinks turn every event into a line. Building a jansson tree for
 * it and dumping the tree cost an agent most of its time (a node, a string
 * copy and a hash insert per field, all freed again), so this file walks the
 * message's descriptors the way json.c's cjx_json_from_message does and
 * prints as it goes. Which fields are written, enum names, base64 and the
 * rounding of floats are json.c's own helpers (json_int.h); what remains
 * here is printing as jansson prints: its escapes, its integers and its
 * reals ("%.17g", always with a '.' or an exponent, exponent without '+' or
 * leading zeros).
 *
 * Memory: the text buffer and the scratch memory protobuf-c unpacks into
 * grow to the largest entry and are then reused, so a writer that lives as
 * long as the agent allocates nothing per event. A failure to grow is
 * sticky until the public call returns, which cuts the text back.
 */
#include "json_int.h"
#include "json_write.h"
#include "utf8.h"

#include <inttypes.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A block of scratch memory; blocks are bump-allocated, newest first. */
typedef struct chunk {
    struct chunk *next;
    size_t size, used;                  /* bytes in data, bytes handed out */
    max_align_t data[];
} chunk;

#define SCRATCH_MIN 16384               /* a Stored entry and its Item, typically */
#define TEXT_MIN 4096

struct cjx_json_writer {
    char *buf;
    size_t len, cap;
    int oom;                            /* a write lacked memory since the last cut */
    chunk *chunks;
    ProtobufCAllocator scratch;
};

static void *scratch_alloc(void *data, size_t n);
static void scratch_free(void *data, void *p)
{
    (void)data;
    (void)p; /* taken back all at once by cjx_json_writer_scratch_reset */
}

cjx_json_writer *cjx_json_writer_new(void)
{
    cjx_json_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->scratch.alloc = scratch_alloc;
    w->scratch.free = scratch_free;
    w->scratch.allocator_data = w;
    return w;
}

static void free_chunks(chunk *c)
{
    while (c) {
        chunk *next = c->next;
        free(c);
        c = next;
    }
}

void cjx_json_writer_destroy(cjx_json_writer **self_p)
{
    if (!self_p || !*self_p)
        return;
    cjx_json_writer *w = *self_p;
    free_chunks(w->chunks);
    free(w->buf);
    free(w);
    *self_p = NULL;
}

void cjx_json_writer_clear(cjx_json_writer *w)
{
    w->len = 0;
    w->oom = 0;
}

const char *cjx_json_writer_data(const cjx_json_writer *w, size_t *len)
{
    *len = w->len;
    return w->buf ? w->buf : "";
}

size_t cjx_json_writer_len(const cjx_json_writer *w)
{
    return w->len;
}

void cjx_json_writer_cut(cjx_json_writer *w, size_t mark)
{
    if (mark < w->len)
        w->len = mark;
    w->oom = 0;
}

int cjx_json_writer_ok(const cjx_json_writer *w)
{
    return !w->oom;
}

/* ---- scratch memory ---- */

static void *scratch_alloc(void *data, size_t n)
{
    cjx_json_writer *w = data;
    const size_t align = sizeof(max_align_t);
    if (n > SIZE_MAX / 2)
        return NULL;
    n = (n + align - 1) / align * align;
    chunk *c = w->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = c ? 2 * c->size : SCRATCH_MIN;
        if (size < n)
            size = n;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->next = w->chunks;
        c->size = size;
        c->used = 0;
        w->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

ProtobufCAllocator *cjx_json_writer_scratch(cjx_json_writer *w)
{
    return &w->scratch;
}

/* Empties the scratch memory. When one entry needed more than one block,
 * they become one block of their total size, so the next entry of that size
 * fits without a malloc. */
void cjx_json_writer_scratch_reset(cjx_json_writer *w)
{
    chunk *c = w->chunks;
    if (!c)
        return;
    if (!c->next) {
        c->used = 0;
        return;
    }
    size_t total = 0;
    for (chunk *k = c; k; k = k->next)
        total += k->size;
    free_chunks(c);
    w->chunks = malloc(sizeof *c + total);
    if (w->chunks) {
        w->chunks->next = NULL;
        w->chunks->size = total;
        w->chunks->used = 0;
    }
}

/* ---- the text ---- */

/* Makes room for n more bytes. Returns 1, or 0 (sticky) out of memory. */
static int reserve(cjx_json_writer *w, size_t n)
{
    if (w->oom)
        return 0;
    if (w->cap - w->len >= n)
        return 1;
    if (n > SIZE_MAX / 4 - w->len) {
        w->oom = 1;
        return 0;
    }
    size_t cap = w->cap ? 2 * w->cap : TEXT_MIN;
    if (cap < w->len + n)
        cap = 2 * (w->len + n);
    char *bigger = realloc(w->buf, cap);
    if (!bigger) {
        w->oom = 1;
        return 0;
    }
    w->buf = bigger;
    w->cap = cap;
    return 1;
}

static void put_bytes(cjx_json_writer *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

void cjx_json_put_char(cjx_json_writer *w, char c)
{
    if (reserve(w, 1))
        w->buf[w->len++] = c;
}

static void put_uint(cjx_json_writer *w, int neg, uint64_t u)
{
    char digits[24], *p = digits + sizeof digits;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        *--p = '-';
    put_bytes(w, p, (size_t)(digits + sizeof digits - p));
}

void cjx_json_put_int(cjx_json_writer *w, int64_t x)
{
    put_uint(w, x < 0, x < 0 ? 0 - (uint64_t)x : (uint64_t)x);
}

/* A finite double as jansson's dump writes a real: "%.17g" with the
 * locale's decimal point made '.', ".0" added when neither '.' nor an
 * exponent is there, and the exponent without '+' or leading zeros. */
static void put_real(cjx_json_writer *w, double x)
{
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%.17g", x);
    if (n < 0 || (size_t)n >= sizeof buf - 3) {
        w->oom = 1; /* cannot happen for a finite double */
        return;
    }
    size_t len = (size_t)n;
    const char *point = localeconv()->decimal_point;
    if (point[0] != '.' && point[0]) {
        char *p = strchr(buf, point[0]);
        if (p)
            *p = '.';
    }
    if (!strchr(buf, '.') && !strchr(buf, 'e')) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *start = strchr(buf, 'e');
    if (start) {
        start++;
        char *end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    put_bytes(w, buf, len);
}

/* What a byte below 0x80 becomes in a JSON string: 0 as it is, 'u' for
 * \u00XX, else the letter after the backslash. */
static const char escapes[128] = {
    ['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
    [0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
    [0x06] = 'u', [0x07] = 'u', [0x0B] = 'u', [0x0E] = 'u', [0x0F] = 'u', [0x10] = 'u',
    [0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
    [0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1A] = 'u', [0x1B] = 'u', [0x1C] = 'u',
    [0x1D] = 'u', [0x1E] = 'u', [0x1F] = 'u', ['"'] = '"', ['\\'] = '\\',
};

/* Whether any of the 8 bytes in x needs a look of its own: not ASCII, a
 * control character, '"' or '\\' (bit tricks of "Bit Twiddling Hacks":
 * never a false no). */
static int any_special(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = x ^ (ones * '"'), backslash = x ^ (ones * '\\');
    uint64_t below_space = (x - ones * 0x20) & ~x;
    uint64_t zero_quote = (quote - ones) & ~quote, zero_backslash = (backslash - ones) & ~backslash;
    return ((x | below_space | zero_quote | zero_backslash) & highs) != 0;
}

cjx_err cjx_json_put_string(cjx_json_writer *w, const char *s, int repair)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    /* at worst every byte is a control character: 6 bytes each */
    if (n > SIZE_MAX / 8 || !reserve(w, 6 * n + 2))
        return CJX_ENOMEM;
    const char *p = s, *end = s + n;
    char *o = w->buf + w->len;
    *o++ = '"';
    while (p < end) {
        uint64_t run;
        if (end - p >= 8 && (memcpy(&run, p, 8), !any_special(run))) {
            memcpy(o, p, 8); /* most text needs no escaping: 8 bytes at a time */
            o += 8;
            p += 8;
            continue;
        }
        unsigned char c = (unsigned char)*p;
        if (c < 0x80) {
            char e = escapes[c];
            if (!e) {
                *o++ = (char)c;
            } else if (e != 'u') {
                *o++ = '\\';
                *o++ = e;
            } else {
                memcpy(o, "\\u00", 4);
                o[4] = hex[c >> 4];
                o[5] = hex[c & 15];
                o += 6;
            }
            p++;
            continue;
        }
        size_t len;
        if (cjx_utf8_decode(p, (size_t)(end - p), &len) < 0) {
            if (!repair)
                return CJX_EMALFORMED; /* nothing counted as written yet */
            *o++ = '?';
            p++;
            continue;
        }
        memcpy(o, p, len);
        o += len;
        p += len;
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
    return CJX_OK;
}

/* Whether the n bytes at s go into a JSON string as they are. */
static int plain(const char *s, size_t n)
{
    size_t i = 0;
    for (uint64_t x; i + 8 <= n; i += 8) {
        memcpy(&x, s + i, 8);
        if (any_special(x))
            return 0;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80 || escapes[(unsigned char)s[i]])
            return 0;
    return 1;
}

void cjx_json_put_key(cjx_json_writer *w, const char *key, int first)
{
    /* keys are field names: copied as they are, in one go */
    size_t n = strlen(key);
    if (n < SIZE_MAX / 2 && plain(key, n) && reserve(w, n + 4)) {
        char *o = w->buf + w->len;
        if (!first)
            *o++ = ',';
        *o++ = '"';
        memcpy(o, key, n);
        o += n;
        *o++ = '"';
        *o++ = ':';
        w->len = (size_t)(o - w->buf);
        return;
    }
    if (!first)
        cjx_json_put_char(w, ',');
    cjx_json_put_string(w, key, 1);
    cjx_json_put_char(w, ':');
}

/* ---- messages ---- */

static void put_message(cjx_json_writer *w, const ProtobufCMessage *m);

/* One value of fd's type at src, as json.c's value_json makes it. */
static void put_value(cjx_json_writer *w, const ProtobufCFieldDescriptor *fd, const void *src)
{
    switch (fd->type) {
    case PROTOBUF_C_TYPE_UINT32: case PROTOBUF_C_TYPE_FIXED32:
        put_uint(w, 0, *(const uint32_t *)src);
        return;
    case PROTOBUF_C_TYPE_INT64: case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        cjx_json_put_int(w, *(const int64_t *)src);
        return;
    case PROTOBUF_C_TYPE_UINT64: case PROTOBUF_C_TYPE_FIXED64: {
        /* jansson's integers are signed: above that, a string of digits */
        uint64_t u = *(const uint64_t *)src;
        if (u > INT64_MAX)
            cjx_json_put_char(w, '"');
        put_uint(w, 0, u);
        if (u > INT64_MAX)
            cjx_json_put_char(w, '"');
        return;
    }
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        int is_float = fd->type == PROTOBUF_C_TYPE_FLOAT;
        double v;
        const char *s = cjx_json_real(is_float ? *(const float *)src : *(const double *)src,
                                      is_float, &v);
        if (s)
            cjx_json_put_string(w, s, 1);
        else
            put_real(w, v);
        return;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (*(const protobuf_c_boolean *)src)
            put_bytes(w, "true", 4);
        else
            put_bytes(w, "false", 5);
        return;
    case PROTOBUF_C_TYPE_ENUM: {
        int e = *(const int *)src;
        const char *name = cjx_json_enum_name(fd, e);
        if (name)
            cjx_json_put_string(w, name, 1);
        else
            cjx_json_put_int(w, e);
        return;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *)src;
        cjx_json_put_string(w, s ? s : "", 1); /* not UTF-8: repaired, as json.c does */
        return;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *b = src;
        size_t n = CJX_JSON_BASE64_LEN(b->len);
        if (b->len > SIZE_MAX / 2 || !reserve(w, n + 2))
            return;
        w->buf[w->len++] = '"';
        w->len += cjx_json_base64(w->buf + w->len, b);
        w->buf[w->len++] = '"';
        return;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)src;
        if (sub)
            put_message(w, sub);
        else
            put_bytes(w, "{}", 2);
        return;
    }
    default:
        cjx_json_put_int(w, *(const int32_t *)src);
        return;
    }
}

/* The object for m: its fields in descriptor order, as
 * cjx_json_from_message. */
static void put_message(cjx_json_writer *w, const ProtobufCMessage *m)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *)m;
    int first = 1;
    cjx_json_put_char(w, '{');
    for (unsigned i = 0; i < d->n_fields && !w->oom; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *)(base + fd->quantifier_offset);
            const char *arr = *(char *const *)(base + fd->offset);
            size_t size = cjx_json_type_size(fd->type);
            if (n == 0)
                continue;
            cjx_json_put_key(w, fd->name, first);
            cjx_json_put_char(w, '[');
            for (size_t j = 0; j < n; j++) {
                if (j)
                    cjx_json_put_char(w, ',');
                put_value(w, fd, arr + j * size);
            }
            cjx_json_put_char(w, ']');
        } else {
            if (!cjx_json_present(fd, m))
                continue;
            cjx_json_put_key(w, fd->name, first);
            put_value(w, fd, base + fd->offset);
        }
        first = 0;
    }
    cjx_json_put_char(w, '}');
}

cjx_err cjx_json_write_message(cjx_json_writer *w, const ProtobufCMessage *m)
{
    size_t mark = w->len;
    put_message(w, m);
    if (w->oom) {
        cjx_json_writer_cut(w, mark);
        return CJX_ENOMEM;
    }
    return CJX_OK;
}

cjx_err cjx_json_write_raw(cjx_json_writer *w, const char *s, size_t n)
{
    put_bytes(w, s, n);
    if (w->oom) {
        w->oom = 0;
        return CJX_ENOMEM;
    }
    return CJX_OK;
}
