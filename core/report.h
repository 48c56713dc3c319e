/* report.h — the plan's reports (`cjx report`, docs/reports.md): each
 * checks one rule of the plan against the current state of records,
 * postings and the registry, and answers with a table (a cjx.Report).
 *
 * The hub (hub/report.c) gathers the state entries a report needs, once,
 * into a cjx_report_input and calls cjx_report_compute; the computation of
 * each report lives in its own file (report_census.c, report_practice.c,
 * report_rotating.c, report_employment.c, report_supply.c,
 * report_subsidy.c) and needs no hub, so unit tests feed it entries made
 * from JSON. Counts of people under the input's min_cell are written "<N"
 * and the figures derived from them "-" (cjx_report_people).
 */
#ifndef CJX_REPORT_H
#define CJX_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "domain.pb-c.h"
#include "error.h"
#include "protocol.pb-c.h"

/* One current state entry: a record, a posting or a registry entry. */
typedef struct cjx_report_entry {
    uint64_t seq;                      /* its log entry */
    int64_t received_ms;
    const char *origin;                /* credit code of the publisher */
    const Cjx__Item *item;
} cjx_report_entry;

typedef struct cjx_report_input {
    int year;                          /* Record.year of the records to use */
    int min_cell;                      /* counts of people under it are suppressed */
    int warn_high_pct, warn_low_pct;   /* supply-demand: demand/supply over, under */
    const cjx_report_entry *records;   /* of the kinds the report reads; other years too */
    size_t nrecords;
    const cjx_report_entry *postings;  /* every posting, any status (reports that read them) */
    size_t npostings;
    const cjx_report_entry *registry;  /* the registry's institutions */
    size_t nregistry;
    const char *posting;               /* colleges-for-posting: "CODE/REF" */
    const char *asker;                 /* who asks; NULL or "" for one who sees all */
} cjx_report_input;

typedef struct cjx_report_ctx cjx_report_ctx;

/* A report: its name, the plan's section, what it needs, how it computes. */
typedef struct cjx_report_def {
    const char *name, *section, *title;
    unsigned records;                  /* record kinds read: bit (detail case - 20) */
    int postings;                      /* reads postings */
    int all_years;                     /* reads records of every year (trends) */
    cjx_err (*run)(cjx_report_ctx *c);
    int unrestricted;                  /* its lines are for whoever asks (no policy cut) */
} cjx_report_def;

#define CJX_REPORT_BIT(detail) (1u << ((detail) - CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT))

/* The reports, ended by a NULL name. */
extern const cjx_report_def cjx_reports[];

/* The report called name, or NULL. */
const cjx_report_def *cjx_report_find(const char *name);

/* Computes d over in. On success *out is the report (caller frees it with
 * cjx__report__free_unpacked(*out, NULL)); CJX_ENOMEM otherwise. */
cjx_err cjx_report_compute(const cjx_report_def *d, const cjx_report_input *in,
                           Cjx__Report **out);

/* Keeps only what institution code may see of r: its own rows (totals and
 * lines about no one institution go), its own entries of non_compliant and
 * unreported; sets scope. */
void cjx_report_restrict(Cjx__Report *r, const char *code);

/* ---- for the reports' computations ---- */

struct cjx_report_ctx {
    const cjx_report_input *in;
    Cjx__Report *r;
    int failed;                        /* out of memory somewhere: the report is dropped */
    const cjx_report_entry **reg;      /* the registry by credit code */
    size_t nreg;
};

/* Sets the columns (a NULL-terminated list). */
void cjx_report_columns(cjx_report_ctx *c, const char *const *names);
/* Adds a row of n_columns cells about institution inst ("" for none). */
void cjx_report_row(cjx_report_ctx *c, const char *inst, const char *const *cells);
void cjx_report_note(cjx_report_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds code to non_compliant, or to unreported, once. */
void cjx_report_flag(cjx_report_ctx *c, const char *code);
void cjx_report_unreported(cjx_report_ctx *c, const char *code);
/* Counts e as used (under its kind), and its time for newest_ms. */
void cjx_report_used(cjx_report_ctx *c, const cjx_report_entry *e);

/* The registry entry of code, or NULL. */
const Cjx__Institution *cjx_report_institution(const cjx_report_ctx *c, const char *code);
/* Its name, or "". */
const char *cjx_report_name(const cjx_report_ctx *c, const char *code);

/* The record of e when it is of detail case `detail` and of the input's
 * year, else NULL. */
const Cjx__Record *cjx_report_record(const cjx_report_ctx *c, const cjx_report_entry *e,
                                     int detail);

/* A programme (school, major, graduation year) as its newest
 * programme_record states it. */
typedef struct cjx_report_programme {
    const char *school;                /* school_credit_code, or the reporter's */
    const cjx_report_entry *e;
    const Cjx__ProgrammeRecord *p;
} cjx_report_programme;

/* The programmes of the input's records (of its year only, with
 * this_year), each once, by school, major and graduation year: an array
 * the caller frees, *n long; NULL when memory ran out. */
cjx_report_programme *cjx_report_programmes(const cjx_report_ctx *c, int this_year,
                                            size_t *n);

/* Cells. Each writes into buf (at least CJX_REPORT_CELL bytes) and returns it. */
#define CJX_REPORT_CELL 48
char *cjx_report_int(char *buf, long long v);
/* A count of people: "<min_cell" when 0 < n < min_cell. */
char *cjx_report_people(const cjx_report_ctx *c, char *buf, long long n);
/* True when n people are too few to show (0 < n < min_cell). */
int cjx_report_small(const cjx_report_ctx *c, long long n);
/* 100·num/den with `decimals` decimals, rounded half up; "-" when den is 0. */
char *cjx_report_pct(char *buf, long long num, long long den, int decimals);

/* Days from 0001-01-01 of a date "YYYY-MM-DD"; -1 when it is not one. */
long cjx_report_days(const char *date);
/* The same date one calendar year later (29 February → 28 February), as
 * days; -1 when date is not one. */
long cjx_report_anniversary(const char *date);

/* The computations (report_*.c). */
cjx_err cjx_report_internship_ratio(cjx_report_ctx *c);
cjx_err cjx_report_teacher_practice(cjx_report_ctx *c);
cjx_err cjx_report_training_fund(cjx_report_ctx *c);
cjx_err cjx_report_practice_hours(cjx_report_ctx *c);
cjx_err cjx_report_rotating_posts(cjx_report_ctx *c);
cjx_err cjx_report_employment_quality(cjx_report_ctx *c);
cjx_err cjx_report_supply_demand(cjx_report_ctx *c);
cjx_err cjx_report_subsidy(cjx_report_ctx *c);
cjx_err cjx_report_colleges_for_posting(cjx_report_ctx *c);

#endif
