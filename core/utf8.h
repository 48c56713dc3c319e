/* utf8.h — reading UTF-8, and keeping text that may not be UTF-8 (cut in
 * the middle of a character, or in another encoding) from breaking what
 * must be: JSON, Prometheus labels. */
#ifndef CJX_UTF8_H
#define CJX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes the character at s (at most avail bytes); *len gets its length.
 * Returns the code point, or -1 (with *len 1) for a byte that does not
 * start a well-formed, shortest-form character. */
int32_t cjx_utf8_decode(const char *s, size_t avail, size_t *len);

/* True when the len bytes at s are all well-formed UTF-8. */
int cjx_utf8_valid(const char *s, size_t len);

/* Copies s into out (cap bytes, NUL-terminated), whole characters only,
 * each byte that is not part of one replaced by '?'. */
void cjx_utf8_repair(char *out, size_t cap, const char *s);

#endif
