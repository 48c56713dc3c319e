/* import_row.c — one row as one packed item (see import_row.h). The JSON
 * mapping (json.h), pseudonyms (personal.h) and validation (validate.h) are
 * the same that `cjx post` uses; this file only adds what a row needs on top:
 * cells to JSON, refs from natural keys, and faults traced back to columns. */
#include "import_row.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "domain.pb-c.h"
#include "json.h"
#include "personal.h"

/* Sets value (taking the reference) at the dotted path below obj, making
 * the objects on the way. Returns 0 or -1. */
static int set_path(json_t *obj, const char *path, json_t *value)
{
    char seg[CJX_IMPORT_NAME_MAX];
    for (;;) {
        size_t n = strcspn(path, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)n, path);
        if (path[n] == '\0')
            return json_object_set_new(obj, seg, value);
        json_t *next = json_object_get(obj, seg);
        if (!next && json_object_set_new(obj, seg, next = json_object()))
            break;
        obj = next;
        path += n + 1;
    }
    json_decref(value);
    return -1;
}

static int has_path(const json_t *obj, const char *path)
{
    char seg[CJX_IMPORT_NAME_MAX];
    while (obj) {
        size_t n = strcspn(path, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)n, path);
        obj = json_object_get(obj, seg);
        if (path[n] == '\0')
            return obj != NULL;
        path += n + 1;
    }
    return 0;
}

cjx_err cjx_import_row_json(const cjx_import_map *m, const cjx_import_column *cols,
                            char *const *cells, size_t n, json_t **out, size_t *bad,
                            cjx_fault *f)
{
    json_t *item = json_object(), *body = json_object(), *detail = json_object();
    cjx_err rc = CJX_OK;
    *bad = n;
    if (json_object_set_new(item, m->is_record ? "record" : "posting", body) ||
        json_object_set_new(body, m->kind, detail))
        rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == CJX_OK && i < n; i++) {
        json_t *v;
        if (!cells[i][0])
            continue;
        rc = cjx_import_cell(m, cols[i].field, cells[i], &v, f);
        if (rc == CJX_OK && set_path(body, cols[i].path, v))
            rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
        if (rc != CJX_OK)
            *bad = i;
    }
    for (size_t i = 0; rc == CJX_OK && i < m->ndefaults; i++) {
        json_t *v;
        if (has_path(body, m->defaults[i].path))
            continue;
        rc = cjx_import_cell(m, m->defaults[i].field, m->defaults[i].example, &v, f);
        if (rc == CJX_OK && set_path(body, m->defaults[i].path, v))
            rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    }
    if (rc != CJX_OK) {
        json_decref(item);
        return rc;
    }
    *out = item;
    return CJX_OK;
}

int cjx_import_is_item(const json_t *obj)
{
    return json_object_size(obj) == 1 &&
           (json_object_get(obj, "posting") || json_object_get(obj, "record") ||
            json_object_get(obj, "status_change"));
}

/* Writes the value at the dotted path below m as text (empty when not set). */
static void field_text(const ProtobufCMessage *m, const char *path, char *out, size_t cap)
{
    char seg[CJX_IMPORT_NAME_MAX];
    out[0] = '\0';
    while (m) {
        size_t n = strcspn(path, ".");
        snprintf(seg, sizeof seg, "%.*s", (int)n, path);
        const ProtobufCFieldDescriptor *fd =
            protobuf_c_message_descriptor_get_field_by_name(m->descriptor, seg);
        if (!fd || fd->label == PROTOBUF_C_LABEL_REPEATED)
            return;
        const void *p = (const char *)m + fd->offset;
        if (path[n] != '\0') {
            m = fd->type == PROTOBUF_C_TYPE_MESSAGE ? *(ProtobufCMessage *const *)p : NULL;
            path += n + 1;
            continue;
        }
        switch (fd->type) {
        case PROTOBUF_C_TYPE_STRING: snprintf(out, cap, "%s", *(char *const *)p); break;
        case PROTOBUF_C_TYPE_INT64:
        case PROTOBUF_C_TYPE_UINT64: snprintf(out, cap, "%" PRId64, *(const int64_t *)p); break;
        case PROTOBUF_C_TYPE_BOOL: snprintf(out, cap, "%d", *(const protobuf_c_boolean *)p); break;
        default: snprintf(out, cap, "%" PRId32, *(const int32_t *)p); break;
        }
        return;
    }
}

/* A ref from the natural key: "<kind>-" and 16 hex digits of BLAKE2b over
 * the key's values, each ended by a unit separator. */
static char *derive_ref(const cjx_import_map *m, const ProtobufCMessage *body)
{
    crypto_generichash_state st;
    uint8_t h[8];
    char text[CJX_IMPORT_TEXT_MAX * 2], hex[2 * sizeof h + 1];
    crypto_generichash_init(&st, NULL, 0, sizeof h);
    for (size_t i = 0; i < m->nkey; i++) {
        field_text(body, m->key[i], text, sizeof text);
        crypto_generichash_update(&st, (const uint8_t *)text, strlen(text) + 1);
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    size_t len = strlen(m->kind) + 1 + strlen(hex) + 1;
    char *ref = malloc(len);
    if (ref)
        snprintf(ref, len, "%s-%s", m->kind, hex);
    return ref;
}

/* Replaces a string field's value; the schema's default is static. */
static void set_string(char **field, char *value)
{
    if (*field != protobuf_c_empty_string)
        free(*field);
    *field = value;
}

/* The ref of a posting or record, or of a status change. */
static char **ref_of(Cjx__Item *item, ProtobufCMessage **body)
{
    switch (item->body_case) {
    case CJX__ITEM__BODY_POSTING: *body = &item->posting->base; return &item->posting->ref;
    case CJX__ITEM__BODY_RECORD: *body = &item->record->base; return &item->record->ref;
    case CJX__ITEM__BODY_STATUS_CHANGE:
        *body = &item->status_change->base;
        return &item->status_change->ref;
    default: return NULL;
    }
}

/* Names the agent's institution as the origin of an item that names none. */
static cjx_err fill_origin(Cjx__Item *item, const char *code, cjx_fault *f)
{
    const char *field;
    char **origin = cjx_item_origin(item, &field);
    if (origin && !**origin) {
        char *copy = strdup(code);
        if (!copy)
            return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
        set_string(origin, copy);
    }
    return CJX_OK;
}

/* Refuses an item naming another institution than the agent's. */
static cjx_err check_origin(Cjx__Item *item, const char *code, cjx_fault *f)
{
    const char *field;
    char **origin = cjx_item_origin(item, &field);
    if (origin && strcmp(*origin, code))
        return cjx_fault_set(f, CJX_EFORBIDDEN, field, "this agent publishes as %s, not %s",
                             code, *origin);
    return CJX_OK;
}

cjx_err cjx_import_pack_json(const json_t *obj, const cjx_validator *v, const char *credit_code,
                             const uint8_t *pseudonym_key, cjx_import_fill_fn fill, void *ctx,
                             ProtobufCBinaryData *packed, Cjx__Item **item_out, cjx_fault *f)
{
    ProtobufCMessage *msg = NULL;
    cjx_err rc = cjx_json_to_message(obj, &cjx__item__descriptor, &msg, f);
    if (rc != CJX_OK)
        return rc;
    Cjx__Item *item = (Cjx__Item *)msg;
    if (item->body_case == CJX__ITEM__BODY__NOT_SET)
        rc = cjx_fault_set(f, CJX_EKIND, "", "an item is {\"posting\": {…}}, {\"record\": {…}} "
                                             "or {\"status_change\": {…}}");
    else if (cjx_personal_pseudonymize(msg, pseudonym_key))
        rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    if (rc == CJX_OK && fill)
        rc = fill(ctx, item, f);
    if (rc == CJX_OK)
        rc = fill_origin(item, credit_code, f);
    if (rc == CJX_OK)
        rc = cjx_validate_item(v, item, f);
    if (rc == CJX_OK)
        rc = check_origin(item, credit_code, f);
    size_t len = rc == CJX_OK ? cjx__item__get_packed_size(item) : 0;
    if (rc == CJX_OK && len > CJX_MAX_ITEM_BYTES)
        rc = cjx_fault_set(f, CJX_ETOOBIG, "", "the item packs to %zu bytes; the limit is %d",
                           len, CJX_MAX_ITEM_BYTES);
    if (rc == CJX_OK && !(packed->data = malloc(len ? len : 1)))
        rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    if (rc == CJX_OK)
        packed->len = cjx__item__pack(item, packed->data);
    if (rc == CJX_OK && item_out)
        *item_out = item;
    else
        protobuf_c_message_free_unpacked(msg, NULL);
    return rc;
}

/* cjx_import_pack_json's fill for a row: a ref from the natural key when
 * the row gives none. */
static cjx_err fill_ref(void *ctx, Cjx__Item *item, cjx_fault *f)
{
    const cjx_import_ctx *c = ctx;
    ProtobufCMessage *body = NULL;
    char **ref = ref_of(item, &body);
    const char *kind = cjx_item_kind(item);
    if (!ref || **ref || !c->map || !kind || strcmp(kind, c->map->kind) ||
        strcmp(c->map->key[0], "ref") == 0) /* a key of "ref" alone: the row must give it */
        return CJX_OK;
    char *derived = derive_ref(c->map, body);
    if (!derived)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    set_string(ref, derived);
    return CJX_OK;
}

cjx_err cjx_import_make_item(const cjx_import_ctx *c, const json_t *obj, cjx_import_item *out,
                        cjx_fault *f)
{
    Cjx__Item *item = NULL;
    cjx_err rc = cjx_import_pack_json(obj, c->validator, c->credit_code, c->pseudonym_key,
                                      fill_ref, (void *)c, &out->packed, &item, f);
    if (rc != CJX_OK)
        return rc;
    ProtobufCMessage *body;
    const char *ref = *ref_of(item, &body), *kind = cjx_item_kind(item);
    const char *class = item->body_case == CJX__ITEM__BODY_POSTING  ? "posting"
                        : item->body_case == CJX__ITEM__BODY_RECORD ? "record"
                                                                    : "status_change";
    size_t len = strlen(class) + 1 + strlen(ref) + 1;
    out->is_posting = item->body_case == CJX__ITEM__BODY_POSTING;
    snprintf(out->kind, sizeof out->kind, "%s",
             kind && item->body_case != CJX__ITEM__BODY_STATUS_CHANGE ? kind : "");
    if (len > CJX_IMPORT_KEY_MAX)
        rc = cjx_fault_set(f, CJX_ETOOBIG, out->is_posting ? "posting.ref" : "record.ref",
                           "a ref of more than %d bytes", CJX_REF_MAX_BYTES);
    else if (!(out->key = malloc(len)))
        rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    else
        snprintf(out->key, len, "%s/%s", class, ref);
    if (rc == CJX_OK)
        crypto_generichash(out->hash, sizeof out->hash, out->packed.data, out->packed.len,
                           NULL, 0);
    cjx__item__free_unpacked(item, NULL);
    if (rc != CJX_OK) {
        free(out->packed.data);
        out->packed.data = NULL;
    }
    return rc;
}

size_t cjx_import_column_of(const cjx_import_column *cols, size_t n, const char *field)
{
    char path[CJX_IMPORT_NAME_MAX];
    const char *p = strchr(field, '.'); /* below "posting." or "record." */
    size_t len = 0;
    for (p = p ? p + 1 : ""; *p && len < sizeof path - 1; p++) {
        if (*p == '[') /* major_codes[1]: the column holds the list */
            p += strcspn(p, "]");
        else
            path[len++] = *p;
    }
    path[len] = '\0';
    if (len == 0)
        return n;
    for (size_t i = 0; i < n; i++)
        if (strcmp(cols[i].path, path) == 0)
            return i;
    for (size_t i = 0; i < n; i++)
        if (strncmp(cols[i].path, path, len) == 0 && cols[i].path[len] == '.')
            return i;
    return n;
}
