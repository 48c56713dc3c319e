/* report_fixture.h — a city the size of Changzhi for the report benchmark:
 * its colleges and schools, its enterprises and a bureau, and what each of
 * them publishes over two years (records, postings and status changes),
 * packed and checked as the hub will check them, ready to be sent over the
 * wire in the institution's own session.
 *
 * The data give every report of core/report.h real work: censuses of
 * enterprises of every size (some short of the §11 ratios, some failing
 * §13, some missing), programmes with practice hours either side of 50%,
 * graduate outcomes of every destination (some reported again), internship
 * and teacher placements (rotating or not, one school with none), training
 * completions of SMEs' new hires (with and without a contract, a
 * certificate or a skill level, a few claimed twice), and postings of each
 * kind a report reads, spread over both years (most of them past their
 * date by now, so the hub expires them; some filled or withdrawn).
 */
#ifndef CJX_BENCH_REPORT_FIXTURE_H
#define CJX_BENCH_REPORT_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#include "domain.pb-c.h"

#define REPORT_FIRST_YEAR 2025
#define REPORT_YEARS 2
#define REPORT_SCHOOLS 13
#define REPORT_RECORD_KINDS 7       /* Record details, field numbers 20–26 */
#define REPORT_POSTING_KINDS 12     /* Posting details, field numbers 20–31 */

/* How big a city to make. */
typedef struct report_size {
    int enterprises;            /* 1–999999 */
    long records_per_year;      /* every record kind together */
    long postings_per_year;
} report_size;

/* One institution: who it says it is in its Hello, and the packed items it
 * publishes, in order (outbox sequence = index + 1). */
typedef struct report_institution {
    char code[19];
    char name[128];
    char division[8];
    char industry[8];
    Cjx__InstitutionKind kind;
    Cjx__EnterpriseSize size;   /* enterprises */
    int above_scale;
    Cjx__Cluster cluster;       /* enterprises: their sector's; else unspecified */
    ProtobufCBinaryData *items; /* owned */
    size_t nitems, cap;
} report_institution;

typedef struct report_fixture {
    report_institution *inst;   /* the schools, then the enterprises */
    size_t ninst;
    report_institution bureau;  /* asks for the reports; publishes nothing */
    /* counts by year and detail (its field number - 20); records[y][REPORT_RECORD_KINDS]: all */
    long records[REPORT_YEARS][REPORT_RECORD_KINDS + 1];
    long postings[REPORT_YEARS][REPORT_POSTING_KINDS];
    long status_changes;        /* fills and withdrawals */
    long expiring;              /* postings valid until before today: the hub expires them */
    size_t items, bytes;
    char sample_posting[96];    /* "CODE/REF" of a job posting, for colleges-for-posting */
} report_fixture;

/* Builds the city of size sz into *fx, checking every item with the
 * catalogues of conf_dir; today ("YYYY-MM-DD", the hub's date) decides
 * which postings may still be filled or withdrawn. Returns 0, or -1 with
 * the reason on stderr (then *fx is freed). */
int report_fixture_build(report_fixture *fx, const report_size *sz, const char *conf_dir,
                         const char *today);

/* Frees what report_fixture_build allocated; accepts a zeroed fixture. */
void report_fixture_free(report_fixture *fx);

/* Packs the Hello description of in into *out (its strings point into in). */
void report_institution_describe(const report_institution *in, Cjx__Institution *out);

#endif
