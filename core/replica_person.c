/* replica_person.c — the person one of the agent's own records is about,
 * for a recommendation made for that person (`cjx recommend --person`),
 * and the opt-out (PIPL art. 24) the institution recorded for them.
 *
 * Both come from the agent's replica, which holds every record of its own
 * institution: the record by its ref, then every recommendation_opt_out
 * record of the institution not lifted since, compared by pseudonym
 * (pseudonyms are keyed per institution, so one institution's opt-outs
 * cover its own records).
 * Nothing about the person is sent anywhere: the hub is then asked only
 * for postings for the person's major.
 */
#include <stdio.h>
#include <string.h>

#include "replica.h"

/* The person and major of a record that can be the subject of a
 * recommendation; NULL when the record has none. */
static const Cjx__Person *subject_of(const Cjx__Record *r, const char **major)
{
    switch (r->detail_case) {
    case CJX__RECORD__DETAIL_GRADUATE_OUTCOME:
        *major = r->graduate_outcome->major_code;
        return r->graduate_outcome->graduate;
    case CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT:
        *major = r->internship_placement->major_code;
        return r->internship_placement->student;
    default:
        return NULL;
    }
}

/* The Record of a replica value (8 bytes of seq, then a packed Stored);
 * NULL when it is not a record. The caller frees *st and *item. */
static const Cjx__Record *record_of(const MDB_val *v, Cjx__Stored **st, Cjx__Item **item)
{
    *item = NULL;
    *st = v->mv_size > 8 ? cjx__stored__unpack(NULL, v->mv_size - 8, (const uint8_t *)v->mv_data + 8)
                         : NULL;
    if (*st)
        *item = cjx__item__unpack(NULL, (*st)->item.len, (*st)->item.data);
    return *item && (*item)->body_case == CJX__ITEM__BODY_RECORD ? (*item)->record : NULL;
}

static void release(Cjx__Stored *st, Cjx__Item *item)
{
    if (item)
        cjx__item__free_unpacked(item, NULL);
    if (st)
        cjx__stored__free_unpacked(st, NULL);
}

/* Looks through the institution's records (keys from prefix, plen bytes)
 * for an opt-out of pseudonym. */
static int find_opt_out(MDB_txn *txn, MDB_dbi db, const uint8_t *prefix, size_t plen,
                        const char *pseudonym, cjx_person_subject *out)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, db, &cur);
    if (rc)
        return rc;
    MDB_val k = {plen, (void *)prefix}, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
         rc == 0 && k.mv_size >= plen && memcmp(k.mv_data, prefix, plen) == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        Cjx__Stored *st;
        Cjx__Item *item;
        const Cjx__Record *r = record_of(&v, &st, &item);
        if (r && r->detail_case == CJX__RECORD__DETAIL_RECOMMENDATION_OPT_OUT &&
            !r->recommendation_opt_out->lifted_date[0] && r->recommendation_opt_out->person &&
            strcmp(r->recommendation_opt_out->person->pseudonym, pseudonym) == 0) {
            snprintf(out->opt_out_ref, sizeof out->opt_out_ref, "%s", r->ref);
            snprintf(out->opt_out_date, sizeof out->opt_out_date, "%s",
                     r->recommendation_opt_out->opt_out_date);
            release(st, item);
            break;
        }
        release(st, item);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

cjx_err cjx_replica_person(cjx_store *s, MDB_dbi db, const char *own, const char *ref,
                           cjx_person_subject *out, cjx_fault *f)
{
    memset(out, 0, sizeof *out);
    Cjx__Record wanted = CJX__RECORD__INIT;
    Cjx__Item as_item = CJX__ITEM__INIT;
    wanted.ref = (char *)ref;
    as_item.body_case = CJX__ITEM__BODY_RECORD;
    as_item.record = &wanted;
    uint8_t key[CJX_STATE_KEY_MAX];
    size_t klen = cjx_state_key(key, own, &as_item);
    if (!klen)
        return cjx_fault_set(f, CJX_ELENGTH, "ref", "longer than %d bytes", CJX_REF_MAX_BYTES);

    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
    if (rc)
        return cjx_store_fault(f, rc, "reading the replica");
    MDB_val k = {klen, key}, v;
    Cjx__Stored *st = NULL;
    Cjx__Item *item = NULL;
    cjx_err err = CJX_OK;
    rc = mdb_get(txn, db, &k, &v);
    const Cjx__Record *r = rc ? NULL : record_of(&v, &st, &item);
    const char *major = NULL, *kind = st ? st->kind : "damaged entry";
    const Cjx__Person *p = r ? subject_of(r, &major) : NULL;
    if (rc == MDB_NOTFOUND)
        err = cjx_fault_set(f, CJX_ENOTFOUND, "ref",
                            "no record \"%s\" of this institution in the agent's replica", ref);
    else if (rc)
        err = cjx_store_fault(f, rc, "reading the replica");
    else if (!p)
        err = cjx_fault_set(f, CJX_EKIND, "ref",
                            "record \"%s\" is a %s: a recommendation is for the person of a "
                            "graduate_outcome or internship_placement record", ref, kind);
    else if (!p->pseudonym[0] || !major[0])
        err = cjx_fault_set(f, CJX_EREQUIRED, p->pseudonym[0] ? "major_code" : "pseudonym",
                            "record \"%s\" does not say it", ref);
    if (err == CJX_OK) {
        snprintf(out->kind, sizeof out->kind, "%s", kind);
        snprintf(out->major, sizeof out->major, "%s", major);
        rc = find_opt_out(txn, db, key, CJX_CODE_LEN + 1, p->pseudonym, out);
        if (rc)
            err = cjx_store_fault(f, rc, "reading the replica");
    }
    release(st, item);
    mdb_txn_abort(txn);
    return err;
}
