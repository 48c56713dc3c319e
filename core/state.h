/* state.h — the current state the log adds up to, as hub and replicas both
 * keep it: its keys, who may see an entry, and the digest that shows two
 * copies agree.
 *
 * Every posting, record and registry entry has a state key: the origin's
 * credit code (CJX_CODE_LEN bytes, NUL-padded), a class byte ('i' registry,
 * 'p' posting, 'r' record) and the item's ref. A later log entry with the
 * same key replaces the earlier one (an update, a fill, a withdrawal, an
 * expiry). An institution's view is the registry, every open posting and its
 * own records (docs/protocol.md, "State and replicas").
 */
#ifndef CJX_STATE_H
#define CJX_STATE_H

#include <sodium.h>
#include <stddef.h>
#include <stdint.h>

#include "domain.pb-c.h"
#include "ids.h"
#include "protocol.pb-c.h"

#define CJX_REF_MAX_BYTES 256          /* 64 code points of UTF-8 */
#define CJX_STATE_KEY_MAX (CJX_CODE_LEN + 1 + CJX_REF_MAX_BYTES)
#define CJX_DIGEST_LEN 32

enum { CJX_CLASS_INSTITUTION = 'i', CJX_CLASS_POSTING = 'p', CJX_CLASS_RECORD = 'r' };

/* Writes the state key of item, published by origin, into key; returns its
 * length, or 0 when the item has no key (no body, or a ref too long). A
 * status change has the key of the posting it changes. */
size_t cjx_state_key(uint8_t key[CJX_STATE_KEY_MAX], const char *origin, const Cjx__Item *item);

/* The class byte of a stored entry's kind: registry, posting or record. */
int cjx_state_class(const char *kind);

/* True when viewer may see an entry of class cls from origin that is open
 * (postings that are filled, withdrawn or expired are open to no one). */
int cjx_state_visible(const char *viewer, int cls, const char *origin, int open);

/* True when the replica of viewer is sent the log entry st: every registry
 * and posting entry (closings too, so the posting leaves the replica) and
 * the viewer's own records. */
int cjx_state_streams(const char *viewer, const Cjx__Stored *st);

/* Writes the key as text for people: "<code>/<class>/<ref>". */
void cjx_state_key_text(char *out, size_t cap, const uint8_t *key, size_t len);

/* A digest of a view: BLAKE2b-256 over its entries in key order, each as
 * (key length, key, entry length, packed Stored), lengths 8 bytes
 * big-endian. Hub and replica feed the same entries and get the same bytes. */
typedef struct cjx_digest {
    crypto_generichash_state state;
    uint64_t entries;
} cjx_digest;

void cjx_digest_init(cjx_digest *d);
void cjx_digest_add(cjx_digest *d, const void *key, size_t klen, const void *entry, size_t elen);
void cjx_digest_final(cjx_digest *d, uint8_t out[CJX_DIGEST_LEN]);

/* Writes out as lower-case hex (2 * CJX_DIGEST_LEN + 1 bytes). */
void cjx_digest_hex(char out[2 * CJX_DIGEST_LEN + 1], const uint8_t digest[CJX_DIGEST_LEN]);

#endif
