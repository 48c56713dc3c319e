/* report_subsidy.c — §14: 300 yuan per new hire of a small or micro
 * enterprise with a labour contract of at least 6 months, and 300 more
 * when the hire gains a vocational certificate or one skill level within
 * one year of the contract's start; per claim and per enterprise, with
 * duplicate claims caught.
 *
 * A claim is a TrainingCompletion of the year with a contract_start_date.
 * Its enterprise is enterprise_credit_code (else the reporter), small or
 * micro by its census of the year (else by the registry; neither: not
 * eligible). "Within one year": from the contract's start up to the same
 * date a year later, that day included (day 365, or 366 across a 29
 * February; a start on 29 February ends on 28 February). One skill level
 * is any rise of skill_level_after over skill_level_before (SKILL_NONE <
 * level 5 < … < level 1). A hire is (reporter, enterprise, person's
 * pseudonym, contract start): its claims are weighed in log order, and a
 * claim that earns nothing an earlier one of the hire did not already earn
 * is a duplicate (paid nothing, its enterprise listed as non-compliant).
 * Pseudonyms are keyed per agent, so the same person reported by two
 * institutions is not recognised. Lines are claims (the enterprise's
 * record ref, no person) and enterprise totals; the amounts are payments,
 * so nothing is suppressed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define SUBSIDY_YUAN 300

typedef struct claim {
    const cjx_report_entry *e;
    const Cjx__Record *r;
    const char *enterprise, *person;
} claim;

static int by_hire(const void *a, const void *b)
{
    const claim *x = a, *y = b;
    int cmp = strcmp(x->enterprise, y->enterprise);
    if (!cmp)
        cmp = strcmp(x->e->origin, y->e->origin);
    if (!cmp)
        cmp = strcmp(x->person, y->person);
    if (!cmp)
        cmp = strcmp(x->r->training_completion->contract_start_date,
                     y->r->training_completion->contract_start_date);
    return cmp ? cmp : (x->e->seq > y->e->seq) - (x->e->seq < y->e->seq);
}

static int same_hire(const claim *x, const claim *y)
{
    return x->person[0] && strcmp(x->enterprise, y->enterprise) == 0 &&
           strcmp(x->e->origin, y->e->origin) == 0 && strcmp(x->person, y->person) == 0 &&
           strcmp(x->r->training_completion->contract_start_date,
                  y->r->training_completion->contract_start_date) == 0;
}

static int rank(int level)
{
    return level >= 1 && level <= 5 ? 6 - level : 0;
}

/* An enterprise's size by its newest census of the year. */
typedef struct size_of {
    const char *code;
    uint64_t seq;
    int size;
} size_of;

static int by_code_newest(const void *a, const void *b)
{
    const size_of *x = a, *y = b;
    int cmp = strcmp(x->code, y->code);
    return cmp ? cmp : (x->seq < y->seq) - (x->seq > y->seq);
}

/* The sizes of the census of the year, newest first per code; *n. */
static size_of *sizes(cjx_report_ctx *c, size_t *n)
{
    size_of *v = malloc((c->in->nrecords ? c->in->nrecords : 1) * sizeof *v);
    *n = 0;
    if (!v) {
        c->failed = 1;
        return NULL;
    }
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const Cjx__Record *r = cjx_report_record(c, &c->in->records[i],
                                                 CJX__RECORD__DETAIL_ENTERPRISE_CENSUS);
        if (!r || !r->enterprise_census)
            continue;
        const char *ec = r->enterprise_census->enterprise_credit_code;
        v[(*n)++] = (size_of){ec[0] ? ec : c->in->records[i].origin, c->in->records[i].seq,
                              r->enterprise_census->size};
    }
    qsort(v, *n, sizeof *v, by_code_newest);
    return v;
}

/* -1 unknown, 0 no, 1 small or micro: the census of the year, else the
 * registry. */
static int sme(const cjx_report_ctx *c, const size_of *v, size_t n, const char *code)
{
    int size = 0;
    size_t lo = 0, hi = n;
    while (lo < hi) { /* the first entry of code: its newest census */
        size_t mid = (lo + hi) / 2;
        if (strcmp(v[mid].code, code) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < n && strcmp(v[lo].code, code) == 0)
        size = v[lo].size;
    if (!size) {
        const Cjx__Institution *in = cjx_report_institution(c, code);
        size = in ? in->size : 0;
    }
    if (!size)
        return -1;
    return size == CJX__ENTERPRISE_SIZE__SIZE_SMALL || size == CJX__ENTERPRISE_SIZE__SIZE_MICRO;
}

/* Whether one claim earns the base and the bonus, and why not. */
static void weigh(const Cjx__TrainingCompletion *t, int is_sme, int *base, int *bonus,
                  const char **why)
{
    *base = *bonus = 0;
    long start = cjx_report_days(t->contract_start_date);
    if (is_sme < 0) {
        *why = "enterprise size unknown (no census)";
        return;
    }
    if (!is_sme) {
        *why = "not a small or micro enterprise";
        return;
    }
    if (t->contract_months < 6 || start < 0) {
        *why = "no contract of 6 months or more";
        return;
    }
    *base = 1;
    int gain = t->certificate_name[0] ||
               rank(t->skill_level_after) > rank(t->skill_level_before);
    long done = cjx_report_days(t->completion_date);
    if (!gain)
        *why = "no certificate or skill level";
    else if (done < start || done > cjx_report_anniversary(t->contract_start_date))
        *why = "certificate or level not within a year of the contract";
    else
        *bonus = 1, *why = "";
}

static void enterprise_total(cjx_report_ctx *c, const char *code, long long hires,
                             long long claims, long long dups, long long base, long long bonus)
{
    char b[3][CJX_REPORT_CELL], st[96];
    snprintf(st, sizeof st, "%lld hires, %lld claims, %lld duplicate", hires, claims, dups);
    const char *row[] = {code, cjx_report_name(c, code), "all", "", "", "",
                         cjx_report_int(b[0], base * SUBSIDY_YUAN),
                         cjx_report_int(b[1], bonus * SUBSIDY_YUAN),
                         cjx_report_int(b[2], (base + bonus) * SUBSIDY_YUAN), st};
    cjx_report_row(c, code, row);
}

cjx_err cjx_report_subsidy(cjx_report_ctx *c)
{
    static const char *const cols[] = {"enterprise", "name", "claim", "contract_start",
                                       "contract_months", "completion_date", "base_yuan",
                                       "bonus_yuan", "amount_yuan", "status", NULL};
    cjx_report_columns(c, cols);
    claim *cs = malloc((c->in->nrecords ? c->in->nrecords : 1) * sizeof *cs);
    if (!cs)
        return CJX_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->in->nrecords; i++) {
        const cjx_report_entry *e = &c->in->records[i];
        const Cjx__Record *r = cjx_report_record(c, e, CJX__RECORD__DETAIL_TRAINING_COMPLETION);
        if (!r || !r->training_completion || !r->training_completion->contract_start_date[0])
            continue;
        const Cjx__TrainingCompletion *t = r->training_completion;
        const char *ent = t->enterprise_credit_code[0] ? t->enterprise_credit_code : e->origin;
        cs[n++] = (claim){e, r, ent, t->trainee ? t->trainee->pseudonym : ""};
        cjx_report_used(c, e);
    }
    qsort(cs, n, sizeof *cs, by_hire);
    size_t nsizes = 0;
    size_of *szs = sizes(c, &nsizes);
    if (!szs) {
        free(cs);
        return CJX_ENOMEM;
    }
    long long hires = 0, claims = 0, dups = 0, base_n = 0, bonus_n = 0;
    long long all_hires = 0, all_dups = 0, all_base = 0, all_bonus = 0;
    int got_base = 0, got_bonus = 0, is_sme = 0;
    for (size_t i = 0; i < n; i++) {
        const Cjx__TrainingCompletion *t = cs[i].r->training_completion;
        int new_enterprise = i == 0 || strcmp(cs[i - 1].enterprise, cs[i].enterprise) != 0;
        if (new_enterprise)
            is_sme = sme(c, szs, nsizes, cs[i].enterprise);
        if (i == 0 || !same_hire(&cs[i - 1], &cs[i]))
            got_base = got_bonus = 0, hires++;
        int base, bonus;
        const char *why;
        weigh(t, is_sme, &base, &bonus, &why);
        int new_base = base && !got_base, new_bonus = bonus && !got_bonus;
        char status[128];
        if ((base || bonus) && !new_base && !new_bonus) {
            snprintf(status, sizeof status, "duplicate claim of this hire");
            cjx_report_flag(c, cs[i].enterprise);
            dups++;
        } else if (!base) {
            snprintf(status, sizeof status, "not eligible: %s", why);
        } else {
            snprintf(status, sizeof status, "%s%s%s", new_bonus ? "eligible: 600" : "eligible: 300",
                     why[0] ? "; no bonus: " : "", why);
        }
        got_base |= base, got_bonus |= bonus;
        base_n += new_base, bonus_n += new_bonus;
        claims++;
        char b[4][CJX_REPORT_CELL];
        const char *row[] = {cs[i].enterprise, cjx_report_name(c, cs[i].enterprise),
                             cs[i].r->ref, t->contract_start_date,
                             cjx_report_int(b[0], t->contract_months), t->completion_date,
                             cjx_report_int(b[1], new_base * SUBSIDY_YUAN),
                             cjx_report_int(b[2], new_bonus * SUBSIDY_YUAN),
                             cjx_report_int(b[3], (new_base + new_bonus) * SUBSIDY_YUAN), status};
        cjx_report_row(c, cs[i].enterprise, row);
        if (i + 1 == n || strcmp(cs[i + 1].enterprise, cs[i].enterprise) != 0) {
            enterprise_total(c, cs[i].enterprise, hires, claims, dups, base_n, bonus_n);
            all_hires += hires, all_dups += dups, all_base += base_n, all_bonus += bonus_n;
            hires = claims = dups = base_n = bonus_n = 0;
        }
    }
    char b[3][CJX_REPORT_CELL], st[96];
    snprintf(st, sizeof st, "%lld hires, %zu claims, %lld duplicate", all_hires, n, all_dups);
    const char *total[] = {"total", "", "all", "", "", "",
                           cjx_report_int(b[0], all_base * SUBSIDY_YUAN),
                           cjx_report_int(b[1], all_bonus * SUBSIDY_YUAN),
                           cjx_report_int(b[2], (all_base + all_bonus) * SUBSIDY_YUAN), st};
    cjx_report_row(c, "", total);
    cjx_report_note(c, "a claim is a training completion of %d with a contract start; a hire "
                    "is the reporter, enterprise, person (pseudonym) and contract start; "
                    "within a year = up to the contract start's anniversary, included",
                    c->in->year);
    free(cs);
    free(szs);
    return CJX_OK;
}
