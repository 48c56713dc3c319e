/* state.c — state keys, visibility and digests (see state.h). */
#include "state.h"

#include <stdio.h>
#include <string.h>

#include "filter.h"
#include "store.h"

size_t cjx_state_key(uint8_t key[CJX_STATE_KEY_MAX], const char *origin, const Cjx__Item *item)
{
    const char *ref;
    int cls;
    switch (item ? item->body_case : CJX__ITEM__BODY__NOT_SET) {
    case CJX__ITEM__BODY_POSTING:
        cls = CJX_CLASS_POSTING, ref = item->posting->ref;
        break;
    case CJX__ITEM__BODY_STATUS_CHANGE:
        cls = CJX_CLASS_POSTING, ref = item->status_change->ref;
        break;
    case CJX__ITEM__BODY_RECORD:
        cls = CJX_CLASS_RECORD, ref = item->record->ref;
        break;
    case CJX__ITEM__BODY_INSTITUTION:
        cls = CJX_CLASS_INSTITUTION, ref = "";
        break;
    default:
        return 0;
    }
    size_t n = strlen(ref);
    if (n > CJX_REF_MAX_BYTES)
        return 0;
    memset(key, 0, CJX_CODE_LEN);
    memcpy(key, origin, strnlen(origin, CJX_CODE_LEN));
    key[CJX_CODE_LEN] = (uint8_t)cls;
    memcpy(key + CJX_CODE_LEN + 1, ref, n);
    return CJX_CODE_LEN + 1 + n;
}

int cjx_state_class(const char *kind)
{
    if (strcmp(kind, "institution") == 0)
        return CJX_CLASS_INSTITUTION;
    return cjx_kind_is_record(kind) ? CJX_CLASS_RECORD : CJX_CLASS_POSTING;
}

int cjx_state_visible(const char *viewer, int cls, const char *origin, int open)
{
    switch (cls) {
    case CJX_CLASS_INSTITUTION:
        return 1;
    case CJX_CLASS_POSTING:
        return open;
    default:
        return strncmp(viewer, origin, CJX_CODE_LEN) == 0;
    }
}

int cjx_state_streams(const char *viewer, const Cjx__Stored *st)
{
    return cjx_state_class(st->kind) != CJX_CLASS_RECORD ||
           strncmp(viewer, st->origin, CJX_CODE_LEN) == 0;
}

void cjx_state_key_text(char *out, size_t cap, const uint8_t *key, size_t len)
{
    if (len < CJX_CODE_LEN + 1) {
        snprintf(out, cap, "?");
        return;
    }
    snprintf(out, cap, "%.*s/%c/%.*s", (int)strnlen((const char *)key, CJX_CODE_LEN), key,
             key[CJX_CODE_LEN], (int)(len - CJX_CODE_LEN - 1), key + CJX_CODE_LEN + 1);
}

void cjx_digest_init(cjx_digest *d)
{
    crypto_generichash_init(&d->state, NULL, 0, CJX_DIGEST_LEN);
    d->entries = 0;
}

void cjx_digest_add(cjx_digest *d, const void *key, size_t klen, const void *entry, size_t elen)
{
    uint8_t n[8];
    cjx_be64_put(n, klen);
    crypto_generichash_update(&d->state, n, 8);
    crypto_generichash_update(&d->state, key, klen);
    cjx_be64_put(n, elen);
    crypto_generichash_update(&d->state, n, 8);
    crypto_generichash_update(&d->state, entry, elen);
    d->entries++;
}

void cjx_digest_final(cjx_digest *d, uint8_t out[CJX_DIGEST_LEN])
{
    crypto_generichash_final(&d->state, out, CJX_DIGEST_LEN);
}

void cjx_digest_hex(char out[2 * CJX_DIGEST_LEN + 1], const uint8_t digest[CJX_DIGEST_LEN])
{
    for (int i = 0; i < CJX_DIGEST_LEN; i++)
        sprintf(out + 2 * i, "%02x", digest[i]);
}
