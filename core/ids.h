/* ids.h — item identifiers.
 *
 * An item's id is "<credit code>-<outbox sequence>": the publishing
 * institution and the sequence its agent's outbox gave the item. It is known
 * the moment `cjx post` stores the item, and it is the hub's deduplication
 * key, so a resent publish maps to the same id and the same stored entry.
 */
#ifndef CJX_IDS_H
#define CJX_IDS_H

#include <stdint.h>

#include "error.h"

#define CJX_CODE_LEN 18            /* a unified social credit code */
#define CJX_ID_MAX 48
#define CJX_ID_KEY_LEN (CJX_CODE_LEN + 8)

/* Writes "<code>-<seq>" into out. */
void cjx_id_format(char out[CJX_ID_MAX], const char *code, uint64_t outbox_seq);

/* Splits an id into its credit code (NUL-terminated) and outbox sequence.
 * Returns CJX_OK or CJX_ECODE when id is not of that form. */
cjx_err cjx_id_parse(const char *id, char code[CJX_CODE_LEN + 1], uint64_t *outbox_seq);

/* The store key for (code, outbox_seq): 18 code bytes then the sequence as
 * 8 big-endian bytes, so one institution's ids sort together in order. */
void cjx_id_key(uint8_t key[CJX_ID_KEY_LEN], const char *code, uint64_t outbox_seq);

#endif
