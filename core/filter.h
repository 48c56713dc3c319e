/* filter.h — does a stored item match a subscription?
 *
 * Kind and publisher are read from the stored entry itself; the other
 * filters look into the item, generically: any field named "*division_code"
 * (prefix match), "major_code" or "major_codes", and "cluster" anywhere in
 * it, so a field added to the schema under those names is filtered on
 * without a change here.
 */
#ifndef CJX_FILTER_H
#define CJX_FILTER_H

#include "protocol.pb-c.h"

/* Returns 1 when st matches every filter of sub that is given, else 0. An
 * item that does not decode matches nothing. */
int cjx_filter_match(const Cjx__Subscription *sub, const Cjx__Stored *st);

/* True when sub filters only on kind and publisher, which need no decoding
 * of the item. */
int cjx_filter_is_shallow(const Cjx__Subscription *sub);

/* True when kind names a detail of Posting or Record in the schema ("job",
 * "graduate_outcome"…). */
int cjx_kind_is_known(const char *kind);

/* True when kind names a detail of Record ("graduate_outcome"…). */
int cjx_kind_is_record(const char *kind);

#endif
