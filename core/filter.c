/* filter.c — matching stored items against subscriptions (see filter.h). */
#include "filter.h"

#include <string.h>

#include "domain.pb-c.h"

static int in_list(char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return 1;
    return 0;
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* What the deep filters found in one item. */
typedef struct seen {
    int division, major, cluster;
} seen;

static void check_string(const Cjx__Subscription *sub, const char *name, const char *v,
                         seen *s)
{
    if (!v[0])
        return;
    if (has_suffix(name, "division_code")) {
        for (size_t i = 0; i < sub->n_division_codes; i++)
            if (strncmp(v, sub->division_codes[i], strlen(sub->division_codes[i])) == 0)
                s->division = 1;
    } else if (strcmp(name, "major_code") == 0 || strcmp(name, "major_codes") == 0) {
        s->major |= in_list(sub->major_codes, sub->n_major_codes, v);
    }
}

/* Walks every set field of m, recording what the subscription's deep
 * filters find. */
static void walk(const Cjx__Subscription *sub, const ProtobufCMessage *m, seen *s, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    if (depth > 8)
        return;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        const char *p = (const char *)m + fd->offset;
        if ((fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            *(const uint32_t *)((const char *)m + fd->quantifier_offset) != fd->id)
            continue;
        size_t n = 1;
        if (fd->label == PROTOBUF_C_LABEL_REPEATED) {
            n = *(const size_t *)((const char *)m + fd->quantifier_offset);
            p = *(const char *const *)p;
        }
        for (size_t j = 0; j < n; j++) {
            if (fd->type == PROTOBUF_C_TYPE_STRING) {
                const char *v = ((char *const *)p)[j];
                check_string(sub, fd->name, v ? v : "", s);
            } else if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
                const ProtobufCMessage *sm = ((ProtobufCMessage *const *)p)[j];
                if (sm)
                    walk(sub, sm, s, depth + 1);
            } else if (fd->type == PROTOBUF_C_TYPE_ENUM && strcmp(fd->name, "cluster") == 0) {
                int v = ((const int *)p)[j];
                for (size_t k = 0; k < sub->n_clusters; k++)
                    s->cluster |= (int)sub->clusters[k] == v;
            }
        }
    }
}

int cjx_filter_is_shallow(const Cjx__Subscription *sub)
{
    return !sub->n_clusters && !sub->n_division_codes && !sub->n_major_codes;
}

int cjx_filter_match(const Cjx__Subscription *sub, const Cjx__Stored *st)
{
    if (sub->n_kinds && !in_list(sub->kinds, sub->n_kinds, st->kind))
        return 0;
    if (sub->n_publishers && !in_list(sub->publishers, sub->n_publishers, st->origin))
        return 0;
    if (cjx_filter_is_shallow(sub))
        return 1;
    Cjx__Item *item = cjx__item__unpack(NULL, st->item.len, st->item.data);
    if (!item)
        return 0;
    seen s = {0, 0, 0};
    walk(sub, &item->base, &s, 0);
    cjx__item__free_unpacked(item, NULL);
    return (!sub->n_division_codes || s.division) && (!sub->n_major_codes || s.major) &&
           (!sub->n_clusters || s.cluster);
}

/* True when kind names a member of the detail oneof of d. */
static int is_detail_of(const ProtobufCMessageDescriptor *d, const char *kind)
{
    for (unsigned i = 0; i < d->n_fields; i++)
        if ((d->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF) &&
            strcmp(d->fields[i].name, kind) == 0)
            return 1;
    return 0;
}

int cjx_kind_is_known(const char *kind)
{
    return is_detail_of(&cjx__posting__descriptor, kind) ||
           is_detail_of(&cjx__record__descriptor, kind) || strcmp(kind, "institution") == 0;
}

int cjx_kind_is_record(const char *kind)
{
    return is_detail_of(&cjx__record__descriptor, kind);
}
