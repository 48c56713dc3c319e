/* utf8.c — reading and repairing UTF-8 (see utf8.h). */
#include "utf8.h"

#include <string.h>

int32_t cjx_utf8_decode(const char *s, size_t avail, size_t *len)
{
    static const int32_t least[] = {0, 0, 0x80, 0x800, 0x10000};
    const unsigned char *p = (const unsigned char *)s;
    /* the leading one bits of the first byte (never all of the word) */
    unsigned ones = (unsigned)__builtin_clz(~((unsigned)p[0] << 24));
    *len = 1;
    if (ones == 0)
        return p[0];
    if (ones == 1 || ones > 4 || ones > avail)
        return -1;
    int32_t cp = (int32_t)(p[0] & (0x7Fu >> ones));
    for (unsigned i = 1; i < ones; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return -1;
        cp = cp << 6 | (p[i] & 0x3F);
    }
    if (cp < least[ones] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return -1;
    *len = ones;
    return cp;
}

int cjx_utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if (cjx_utf8_decode(s + i, len - i, &n) < 0)
            return 0;
    return 1;
}

void cjx_utf8_repair(char *out, size_t cap, const char *s)
{
    size_t avail = strlen(s), o = 0;
    for (size_t i = 0, n; i < avail && cap; i += n) {
        int ok = cjx_utf8_decode(s + i, avail - i, &n) >= 0;
        if (o + (ok ? n : 1) >= cap)
            break;
        if (ok)
            memcpy(out + o, s + i, n);
        else
            out[o] = '?';
        o += ok ? n : 1;
    }
    if (cap)
        out[o] = '\0';
}
