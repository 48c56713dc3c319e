/* personal.c — finding, stripping and pseudonymizing pii_ fields (see
 * personal.h), through the protobuf-c descriptors, so that a personal field
 * added to the schema is handled without a change here. */
#include "personal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol.pb-c.h"
#include "validate.h"

#define MAX_DEPTH 8

/* Calls visit(m) for m and every message inside it. */
static void each_message(ProtobufCMessage *m, int depth,
                         void (*visit)(ProtobufCMessage *, void *), void *ctx)
{
    if (!m || depth > MAX_DEPTH)
        return;
    visit(m, ctx);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char *p = (char *)m + fd->offset;
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(uint32_t *)((char *)m + fd->quantifier_offset) != fd->id)
            continue;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(size_t *)((char *)m + fd->quantifier_offset);
            ProtobufCMessage **v = *(ProtobufCMessage ***)p;
            for (size_t j = 0; j < n; j++)
                each_message(v[j], depth + 1, visit, ctx);
        } else {
            each_message(*(ProtobufCMessage **)p, depth + 1, visit, ctx);
        }
    }
}

/* The string field fd of m, or NULL when it is not a plain string. */
static char **string_of(ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
    if (fd->type != PROTOBUF_C_TYPE_STRING || fd->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return (char **)((char *)m + fd->offset);
}

struct fields_ctx {
    void (*fn)(void *, const char *);
    void *ctx;
    size_t n;
    int strip;
};

static void visit_fields(ProtobufCMessage *m, void *arg)
{
    struct fields_ctx *c = arg;
    for (unsigned i = 0; i < m->descriptor->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &m->descriptor->fields[i];
        char **s = cjx_field_is_personal(fd) ? string_of(m, fd) : NULL;
        if (!s || !*s || !**s)
            continue;
        c->n++;
        if (c->fn)
            c->fn(c->ctx, fd->name);
        if (c->strip) {
            if (*s != protobuf_c_empty_string)
                free(*s);
            *s = (char *)protobuf_c_empty_string;
        }
    }
}

size_t cjx_personal_fields(const ProtobufCMessage *m, void (*fn)(void *, const char *), void *ctx)
{
    struct fields_ctx c = {fn, ctx, 0, 0};
    each_message((ProtobufCMessage *)m, 0, visit_fields, &c);
    return c.n;
}

/* Reads a varint at *p (< end) and moves past it. Returns 0, or -1 when it
 * runs past end or beyond 10 bytes. */
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; *p < end && shift < 70; shift += 7) {
        uint8_t b = *(*p)++;
        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return 0;
    }
    return -1;
}

/* cjx_personal_maybe_packed at depth: the same messages as each_message
 * visits, the same fields as visit_fields counts (a plain string named
 * pii_, not empty). A oneof or message field sent twice makes it say 1
 * where unpacking would keep one: never 0 where it finds some. */
static int maybe_packed(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t len,
                        int depth)
{
    const uint8_t *end = p + len;
    if (depth > MAX_DEPTH)
        return 0;
    while (p < end) {
        uint64_t key, n;
        if (read_varint(&p, end, &key))
            return 1;
        switch (key & 7) {
        case 0: /* varint */
            if (read_varint(&p, end, &n))
                return 1;
            break;
        case 1: /* 64-bit */
            if (end - p < 8)
                return 1;
            p += 8;
            break;
        case 5: /* 32-bit */
            if (end - p < 4)
                return 1;
            p += 4;
            break;
        case 2: { /* length-delimited */
            if (read_varint(&p, end, &n) || n > (uint64_t)(end - p))
                return 1;
            const ProtobufCFieldDescriptor *fd =
                key >> 3 <= UINT32_MAX ? protobuf_c_message_descriptor_get_field(d, (unsigned)(key >> 3))
                                       : NULL;
            if (fd && fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                if (maybe_packed(fd->descriptor, p, (size_t)n, depth + 1))
                    return 1;
            } else if (fd && n > 0 && fd->type == PROTOBUF_C_TYPE_STRING &&
                       fd->label != PROTOBUF_C_LABEL_REPEATED && cjx_field_is_personal(fd)) {
                return 1;
            }
            p += n;
            break;
        }
        default: /* groups: not in the schema */
            return 1;
        }
    }
    return 0;
}

int cjx_personal_maybe_packed(const ProtobufCMessageDescriptor *d, const uint8_t *data,
                              size_t len)
{
    return maybe_packed(d, data, len, 0);
}

size_t cjx_personal_strip(ProtobufCMessage *m)
{
    struct fields_ctx c = {NULL, NULL, 0, 1};
    each_message(m, 0, visit_fields, &c);
    return c.n;
}

struct pseudo_ctx {
    const uint8_t *key;
    int failed;
};

static char **field_named(ProtobufCMessage *m, const char *name)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(m->descriptor, name);
    return fd ? string_of(m, fd) : NULL;
}

static void visit_pseudonym(ProtobufCMessage *m, void *arg)
{
    struct pseudo_ctx *c = arg;
    char **pseudonym = field_named(m, "pseudonym");
    char **id = field_named(m, "pii_id_number"), **name = field_named(m, "pii_name");
    const char *source = id && *id && **id ? *id : name && *name && **name ? *name : NULL;
    if (!pseudonym || (*pseudonym && **pseudonym) || !source)
        return;
    uint8_t mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, c->key, CJX_PSEUDONYM_KEY_LEN);
    crypto_auth_hmacsha256_update(&st, (const uint8_t *)source, strlen(source));
    crypto_auth_hmacsha256_final(&st, mac);
    char *text = malloc(2 + 16 + 1);
    if (!text) {
        c->failed = 1;
        return;
    }
    memcpy(text, "p:", 2);
    for (int i = 0; i < 8; i++)
        sprintf(text + 2 + 2 * i, "%02x", mac[i]);
    if (*pseudonym != protobuf_c_empty_string)
        free(*pseudonym);
    *pseudonym = text;
}

int cjx_personal_pseudonymize(ProtobufCMessage *m, const uint8_t key[CJX_PSEUDONYM_KEY_LEN])
{
    struct pseudo_ctx c = {key, 0};
    each_message(m, 0, visit_pseudonym, &c);
    return c.failed ? -1 : 0;
}

int cjx_personal_redact_stored(const void *data, size_t len, uint8_t **out, size_t *out_len)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, len, data);
    Cjx__Item *item = st ? cjx__item__unpack(NULL, st->item.len, st->item.data) : NULL;
    int rc = -1;
    if (item) {
        rc = 0;
        if (cjx_personal_strip(&item->base)) {
            ProtobufCBinaryData bytes = {cjx__item__get_packed_size(item), NULL};
            bytes.data = malloc(bytes.len ? bytes.len : 1);
            if (bytes.data) {
                cjx__item__pack(item, bytes.data);
                free(st->item.data); /* unpacked with the system allocator */
                st->item = bytes;
                *out_len = cjx__stored__get_packed_size(st);
                *out = malloc(*out_len ? *out_len : 1);
                if (*out)
                    cjx__stored__pack(st, *out);
                rc = *out ? 1 : -1;
            } else {
                rc = -1;
            }
        }
    }
    if (item)
        cjx__item__free_unpacked(item, NULL);
    if (st)
        cjx__stored__free_unpacked(st, NULL);
    return rc;
}
