/* ids.c — formatting and parsing item ids (see ids.h). */
#include "ids.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

void cjx_id_format(char out[CJX_ID_MAX], const char *code, uint64_t outbox_seq)
{
    /* by hand: the hub spells one for every record it logs, and snprintf
     * was 3% of its loop's time */
    char digits[20];
    size_t nd = 0;
    do
        digits[nd++] = (char)('0' + outbox_seq % 10);
    while ((outbox_seq /= 10) != 0);
    size_t n = strnlen(code, CJX_ID_MAX - 2 - sizeof digits); /* always room for the rest */
    memcpy(out, code, n);
    out[n++] = '-';
    while (nd)
        out[n++] = digits[--nd];
    out[n] = '\0';
}

cjx_err cjx_id_parse(const char *id, char code[CJX_CODE_LEN + 1], uint64_t *outbox_seq)
{
    if (strlen(id) < CJX_CODE_LEN + 2 || id[CJX_CODE_LEN] != '-')
        return CJX_ECODE;
    const char *digits = id + CJX_CODE_LEN + 1;
    if (*digits < '1' || *digits > '9')
        return CJX_ECODE;
    char *end;
    errno = 0;
    unsigned long long seq = strtoull(digits, &end, 10);
    if (errno || *end != '\0')
        return CJX_ECODE;
    memcpy(code, id, CJX_CODE_LEN);
    code[CJX_CODE_LEN] = '\0';
    *outbox_seq = seq;
    return CJX_OK;
}

void cjx_id_key(uint8_t key[CJX_ID_KEY_LEN], const char *code, uint64_t outbox_seq)
{
    memset(key, 0, CJX_CODE_LEN);
    memcpy(key, code, strnlen(code, CJX_CODE_LEN));
    cjx_be64_put(key + CJX_CODE_LEN, outbox_seq);
}
