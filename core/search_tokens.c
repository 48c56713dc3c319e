/* search_tokens.c — splitting text into search terms (see search_tokens.h). */
#include "search_tokens.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

static int is_han(int32_t cp)
{
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F);
}

/* The ASCII letter or digit cp stands for (lower-cased; full-width forms
 * too), or 0 when it is none. */
static char word_char(int32_t cp)
{
    if (cp >= 0xFF10 && cp <= 0xFF5A) /* full-width digits and letters */
        cp -= 0xFEE0;
    if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z'))
        return (char)cp;
    if (cp >= 'A' && cp <= 'Z')
        return (char)(cp - 'A' + 'a');
    return 0;
}

void cjx_terms(const char *text, cjx_term_fn fn, void *ctx)
{
    const unsigned char *p = (const unsigned char *)text, *end = p + strlen(text);
    char word[CJX_TERM_MAX];
    size_t wlen = 0;
    const unsigned char *han = NULL; /* the previous Han character, in a run */
    size_t han_len = 0;
    int run = 0;                      /* Han characters in the current run */
    const unsigned char *pending = NULL; /* the run's newest bigram, not told yet */
    size_t pending_len = 0;

    for (;;) {
        size_t len = 1; /* ASCII, most of the bytes, without a call */
        int32_t cp = *p < 0x80 ? *p : cjx_utf8_decode((const char *)p, (size_t)(end - p), &len);
        char w = cp > 0 ? word_char(cp) : 0;
        if (!w && wlen) { /* a word ends */
            fn(word, wlen, 0, ctx);
            wlen = 0;
        }
        int h = cp > 0 && is_han(cp);
        if (!h && run == 1) /* a lone Han character */
            fn((const char *)han, han_len, 0, ctx);
        if (!h && pending) /* the run's last bigram */
            fn((const char *)pending, pending_len, 0, ctx);
        if (!h)
            run = 0, pending = NULL;
        if (!*p)
            break;
        if (w && wlen < sizeof word)
            word[wlen++] = w;
        while (w && cp < 0x80 && p[1] < 0x80 && (w = word_char(p[1]))) { /* an ASCII word's rest */
            if (wlen < sizeof word)
                word[wlen++] = w;
            p++;
        }
        if (h) {
            if (pending) /* a bigram with one after it: odd ones only bridge */
                fn((const char *)pending, pending_len, run % 2 == 1, ctx);
            pending = run ? han : NULL; /* told when it is known whether it is the last */
            pending_len = han_len + len;
            han = p;
            han_len = len;
            run++;
        }
        p += len;
    }
}
