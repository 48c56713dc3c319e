/* search_tokens.h — the terms search indexes and looks for.
 *
 * Words of Latin letters and digits, lower-cased (full-width ones read as
 * their ASCII twins), and Chinese as overlapping character bigrams, as
 * Lucene's CJK analyzer does: 软件技术专业 gives 软件 件技 技术 术专 专业, so a
 * query for 软件 finds it. A Han character standing alone is a term by
 * itself. Punctuation and everything else separate terms.
 */
#ifndef CJX_SEARCH_TOKENS_H
#define CJX_SEARCH_TOKENS_H

#include <stddef.h>

#define CJX_TERM_MAX 64                /* bytes; longer words are cut */

/* Called once per term, in text order; term is not NUL-terminated. bridge
 * is set for the bigrams a run of Han characters does not need to be
 * covered (the second of 软件开发's 软件 件开 开发, every other one but
 * the last): a query may let them go unmatched. */
typedef void (*cjx_term_fn)(const char *term, size_t len, int bridge, void *ctx);

void cjx_terms(const char *text, cjx_term_fn fn, void *ctx);

#endif
