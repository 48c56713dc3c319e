/* report_bench.c — how long the plan's reports take at the hub on a state
 * the size of Changzhi's, and how long a publish waits behind one.
 *
 * Starts a real cjx-hub on 127.0.0.1 (plain, no CURVE) and publishes the
 * city of report_fixture.c through the wire protocol, as agents would but
 * without 3,000 agent processes: one DEALER session per institution, Hello
 * as that institution (its Institution makes the registry entry the reports
 * read: kind, size, county), its items as Publish frames with at most
 * WINDOW unacknowledged, Bye once every one is acknowledged; SESSIONS
 * institutions at a time. Any refusal fails the run. It then waits until
 * the hub has expired the postings past their valid_until (a sweep of 256 a
 * second that would otherwise write during the measurements).
 *
 * As the bureau it asks each report of core/report.h for the last year
 * REPEATS times and times the round trip to the Report. Then REPEATS times
 * more, each time publishing one posting as an enterprise right after the
 * request, it times that publish's Ack: whether a report being computed
 * holds up publishing (the hub's report worker builds it beside the event
 * loop; publish_idle is the same publish with no report running). Prints:
 *
 *   dataset … / records year=Y … / load … / expiry … / publish_idle p50_ms=… max_ms=…
 *   report=NAME year=Y rows=R p50_ms=… max_ms=… hub_cpu_ms=… bytes=… publish_during_ms=…
 *          publish_during_max_ms=…
 *
 * (hub_cpu_ms: the hub's CPU time per report, steadier than wall time when
 * others share the cores), each report line followed by what that report
 * found (lines starting "#"); then, as the bureau, searches of the records
 * of three kinds (`cjx search --kind`, the first page of 10):
 *
 *   search=records kind=K matches=N p50_ms=… max_ms=…
 *
 * usage: report_bench BIN_DIR CONFIG_DIR WORK_DIR [REPEATS [ENTERPRISES
 *                     [RECORDS_PER_YEAR [POSTINGS_PER_YEAR]]]]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bench_util.h"
#include "codec.h"
#include "report.h"
#include "report_fixture.h"
#include "validate.h"
#include "wire_session.h"

#define SESSIONS 64                 /* institutions publishing at once */
#define WINDOW 256                  /* unacknowledged publishes per session */
#define LOAD_TIMEOUT_S 300
#define EXPIRY_TIMEOUT_S 180
#define TIME_LIMIT_S 600            /* the whole run (it takes about a minute) */
#define MAX_REPEATS 1000
#define MAX_RECORDS_PER_YEAR 2000000
#define MAX_POSTINGS_PER_YEAR 200000

/* ---- loading the city ---- */

/* Opens a session as in (its registry entry made from it) and waits for
 * Welcome (see wire_welcomed). */
static void *welcomed(void *ctx, const char *ep, const report_institution *in,
                      uint64_t *last_outbox_seq)
{
    Cjx__Institution self;
    report_institution_describe(in, &self);
    return wire_welcomed(ctx, ep, in->code, &self, last_outbox_seq);
}

/* Publishes every institution's items, SESSIONS at a time (wire_load). */
static int load(void *ctx, const char *ep, report_fixture *fx, wire_load_result *res)
{
    wire_source *src = calloc(fx->ninst, sizeof *src);
    Cjx__Institution *self = calloc(fx->ninst, sizeof *self);
    int rc = src && self ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < fx->ninst; i++) {
        report_institution_describe(&fx->inst[i], &self[i]);
        src[i] = (wire_source){fx->inst[i].code, &self[i], fx->inst[i].items, fx->inst[i].nitems};
    }
    if (rc == 0)
        rc = wire_load(ctx, ep, src, fx->ninst, SESSIONS, WINDOW, LOAD_TIMEOUT_S, res);
    free(src);
    free(self);
    return rc;
}

/* ---- what the hub has done ---- */

static uint64_t next_request = 1;

/* Postings the hub has expired since it started, into *n. */
static int hub_expired(void *sock, uint64_t *n)
{
    Cjx__StatusRequest rq = CJX__STATUS_REQUEST__INIT;
    rq.request_id = next_request++;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_STATUS_REQUEST;
    fr.status_request = &rq;
    Cjx__Frame *got = wire_ask(sock, &fr, CJX__FRAME__MSG_HUB_STATUS, rq.request_id, "status");
    if (!got)
        return -1;
    *n = got->hub_status->expired;
    cjx__frame__free_unpacked(got, NULL);
    return 0;
}

/* Waits until the hub has expired the fixture's postings past their date.
 * Returns 0 or -1. */
static int wait_expiry(void *sock, const report_fixture *fx)
{
    double start = bench_now_s();
    uint64_t n = 0;
    while (hub_expired(sock, &n) == 0 && n < (uint64_t)fx->expiring &&
           bench_now_s() - start < EXPIRY_TIMEOUT_S)
        usleep(500000);
    printf("expiry postings=%llu of %ld wait_s=%.1f\n", (unsigned long long)n, fx->expiring,
           bench_now_s() - start);
    if (n >= (uint64_t)fx->expiring)
        return 0;
    fprintf(stderr, "report_bench: the hub did not expire the postings past their date\n");
    return -1;
}

/* ---- measuring ---- */

/* The enterprise that publishes while reports run, and its next posting. */
typedef struct prober {
    void *sock;
    const report_institution *in;
    uint64_t next_seq;
    char from[11], until[11];          /* valid from today for a month: never expires here */
    double last_frame_s;               /* when it last sent the hub anything */
} prober;

/* Keeps the prober's session alive while only the bureau's requests run
 * (a heartbeat when it has been silent for a second). Returns 0 or -1. */
static int prober_keepalive(prober *p)
{
    if (bench_now_s() - p->last_frame_s < 1.0)
        return 0;
    p->last_frame_s = bench_now_s();
    return wire_keepalive(p->sock);
}

/* Publishes one more posting (a research call: read by no report) and
 * waits for its Ack; the time from the send to the Ack, in ms, goes to
 * *ms. Sent after a request when report_id is not 0: then the request's
 * Report is awaited too, after the Ack. Returns 0 or -1. */
static int probe(prober *p, void *bureau, uint64_t report_id, double *ms)
{
    char ref[32];
    snprintf(ref, sizeof ref, "PROBE-%llu", (unsigned long long)p->next_seq);
    Cjx__RdCall call = CJX__RD_CALL__INIT;
    call.budget_yuan = 200000;
    call.field = "煤化工废水处理";
    Cjx__Posting post = CJX__POSTING__INIT;
    post.ref = ref;
    post.title = "横向课题：煤化工废水近零排放工艺研究";
    post.division_code = (char *)p->in->division;
    post.valid_from = p->from;
    post.valid_until = p->until;
    post.detail_case = CJX__POSTING__DETAIL_RD_CALL;
    post.rd_call = &call;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_POSTING;
    item.posting = &post;
    uint8_t buf[1024];
    size_t len = cjx__item__get_packed_size(&item);
    if (len > sizeof buf)
        return -1;
    cjx__item__pack(&item, buf);
    uint64_t seq = p->next_seq++;
    double t0 = bench_now_s();
    p->last_frame_s = t0;
    if (cjx_send_publish(p->sock, seq, buf, len, 0) != CJX_OK)
        return -1;
    Cjx__Frame *ack = wire_await(p->sock, CJX__FRAME__MSG_ACK, seq, "the probe's publish");
    *ms = (bench_now_s() - t0) * 1000;
    if (!ack)
        return -1;
    cjx__frame__free_unpacked(ack, NULL);
    if (!report_id)
        return 0;
    Cjx__Frame *r = wire_await(bureau, CJX__FRAME__MSG_REPORT, report_id, "the report");
    if (r)
        cjx__frame__free_unpacked(r, NULL);
    return r ? 0 : -1;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Sorts the n times in ms; the median and the largest go out. */
static void spread(double *ms, int n, double *p50, double *max)
{
    qsort(ms, (size_t)n, sizeof *ms, by_value);
    *p50 = ms[n / 2];
    *max = ms[n - 1];
}

/* CPU time (user and system) process pid has used, in ms; -1 when
 * /proc does not say. Less disturbed than wall time by others' work on
 * the same cores. */
static double cpu_ms(pid_t pid)
{
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    int ok = f && fgets(line, sizeof line, f);
    if (f)
        fclose(f);
    const char *p = ok ? strrchr(line, ')') : NULL; /* the command may hold spaces */
    unsigned long long user, sys;
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user,
                     &sys) != 2)
        return -1;
    return (double)(user + sys) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* Sends ReportRequest d for year (the posting for reports that take one)
 * on the bureau's session; returns its request id, or 0. */
static uint64_t request_report(void *bureau, const cjx_report_def *d, int year,
                               const char *posting)
{
    Cjx__ReportRequest rq = CJX__REPORT_REQUEST__INIT;
    rq.request_id = next_request++;
    rq.name = (char *)d->name;
    rq.year = year;
    rq.posting = (char *)posting;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_REPORT_REQUEST;
    fr.report_request = &rq;
    return wire_send(bureau, &fr) ? 0 : rq.request_id;
}

/* What a report found, as "#" lines: what it used, whom it flags, its last
 * line (the total, where it has one) and its notes. */
static void describe(const Cjx__Report *r)
{
    printf("#   used %llu:", (unsigned long long)r->records_used);
    for (size_t i = 0; i < r->n_kinds_used; i++)
        printf(" %s=%llu", r->kinds_used[i]->kind, (unsigned long long)r->kinds_used[i]->count);
    printf("; non_compliant=%zu unreported=%zu\n", r->n_non_compliant, r->n_unreported);
    if (r->n_rows) {
        const Cjx__ReportRow *last = r->rows[r->n_rows - 1];
        printf("#   last row:");
        for (size_t i = 0; i < last->n_cells && i < r->n_columns; i++)
            printf(" %s=%s", r->columns[i], last->cells[i]);
        printf("\n");
    }
    for (size_t i = 0; i < r->n_notes; i++)
        printf("#   note: %s\n", r->notes[i]);
}

/* Times report d for year, repeats times alone (and the CPU time the hub
 * at pid spends on them) and repeats times with a publish behind it, and
 * prints its line. Returns 0 or -1. */
static int measure(void *bureau, prober *pr, pid_t hub, const cjx_report_def *d, int year,
                   const char *posting, int repeats)
{
    double *alone = calloc((size_t)repeats, sizeof *alone);
    double *during = calloc((size_t)repeats, sizeof *during);
    Cjx__Frame *first = NULL;
    int rc = alone && during && wire_keepalive(bureau) == 0 && prober_keepalive(pr) == 0 ? 0 : -1;
    double cpu0 = cpu_ms(hub);
    for (int i = 0; rc == 0 && i < repeats; i++) {
        double t0 = bench_now_s();
        uint64_t id = request_report(bureau, d, year, posting);
        Cjx__Frame *fr = id ? wire_await(bureau, CJX__FRAME__MSG_REPORT, id, d->name) : NULL;
        alone[i] = (bench_now_s() - t0) * 1000;
        if (!fr)
            rc = -1;
        else if (!first)
            first = fr;
        else
            cjx__frame__free_unpacked(fr, NULL);
        if (rc == 0)
            rc = prober_keepalive(pr);
    }
    double cpu = (cpu_ms(hub) - cpu0) / repeats;
    for (int i = 0; rc == 0 && i < repeats; i++) {
        uint64_t id = request_report(bureau, d, year, posting);
        rc = id ? probe(pr, bureau, id, &during[i]) : -1;
    }
    if (rc == 0) {
        double p50, max, during_p50, during_max;
        spread(alone, repeats, &p50, &max);
        spread(during, repeats, &during_p50, &during_max);
        printf("report=%s year=%d rows=%zu p50_ms=%.1f max_ms=%.1f hub_cpu_ms=%.0f bytes=%zu "
               "publish_during_ms=%.1f publish_during_max_ms=%.1f\n",
               d->name, year, first->report->n_rows, p50, max, cpu0 < 0 ? -1 : cpu,
               cjx__frame__get_packed_size(first), during_p50, during_max);
        describe(first->report);
        fflush(stdout);
    }
    if (first)
        cjx__frame__free_unpacked(first, NULL);
    free(alone);
    free(during);
    return rc;
}

/* Times a search of the records of kind (`cjx search --kind`, read by the
 * hub's report worker) as the bureau, repeats times, and prints its line.
 * Returns 0 or -1. */
static int measure_record_search(void *bureau, const char *kind, int repeats)
{
    double *ms = calloc((size_t)repeats, sizeof *ms), p50, max;
    uint64_t total = 0;
    int rc = ms && wire_keepalive(bureau) == 0 ? 0 : -1;
    for (int i = 0; rc == 0 && i < repeats; i++) {
        Cjx__SearchRequest rq = CJX__SEARCH_REQUEST__INIT;
        rq.request_id = next_request++;
        rq.kind = (char *)kind;
        rq.limit = 10;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_SEARCH_REQUEST;
        fr.search_request = &rq;
        double t0 = bench_now_s();
        Cjx__Frame *got = wire_ask(bureau, &fr, CJX__FRAME__MSG_SEARCH_RESULT, rq.request_id, kind);
        ms[i] = (bench_now_s() - t0) * 1000;
        if (!got)
            rc = -1;
        else
            total = got->search_result->total, cjx__frame__free_unpacked(got, NULL);
    }
    if (rc == 0) {
        spread(ms, repeats, &p50, &max);
        printf("search=records kind=%s matches=%llu p50_ms=%.1f max_ms=%.1f\n", kind,
               (unsigned long long)total, p50, max);
        fflush(stdout);
    }
    free(ms);
    return rc;
}

/* The probe's publish with no report running, n times. */
static int publish_idle(prober *pr, int n)
{
    double *ms = calloc((size_t)n, sizeof *ms), p50, max;
    int rc = ms && prober_keepalive(pr) == 0 ? 0 : -1;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = probe(pr, NULL, 0, &ms[i]);
    if (rc == 0) {
        spread(ms, n, &p50, &max);
        printf("publish_idle p50_ms=%.1f max_ms=%.1f\n", p50, max);
    }
    free(ms);
    return rc;
}

/* ---- the run ---- */

/* The name of detail field number `number` of message d ("job"…). */
static const char *detail_name(const ProtobufCMessageDescriptor *d, unsigned number)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(d, number);
    return f ? f->name : "?";
}

static void print_dataset(const report_fixture *fx, double build_s)
{
    long records = 0, postings = 0;
    for (int y = 0; y < REPORT_YEARS; y++) {
        long all = fx->records[y][REPORT_RECORD_KINDS];
        records += all;
        printf("records year=%d all=%ld", REPORT_FIRST_YEAR + y, all);
        for (unsigned k = 0; k < REPORT_RECORD_KINDS; k++)
            if (fx->records[y][k])
                printf(" %s=%ld",
                       detail_name(&cjx__record__descriptor,
                                   CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT + k),
                       fx->records[y][k]);
        printf(" | postings");
        for (unsigned k = 0; k < REPORT_POSTING_KINDS; k++)
            if (fx->postings[y][k]) {
                printf(" %s=%ld",
                       detail_name(&cjx__posting__descriptor, CJX__POSTING__DETAIL_JOB + k),
                       fx->postings[y][k]);
                postings += fx->postings[y][k];
            }
        printf("\n");
    }
    printf("dataset schools=%d enterprises=%zu records=%ld postings=%ld status_changes=%ld "
           "items=%zu mb=%.1f build_s=%.1f\n",
           REPORT_SCHOOLS, fx->ninst - REPORT_SCHOOLS, records, postings, fx->status_changes,
           fx->items, fx->bytes / 1048576.0, build_s);
}

/* Today and a month on, as the hub dates postings (its local time). */
static void local_dates(char today[11], char month_on[11])
{
    time_t now = time(NULL), later = now + 30 * 86400;
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, 11, "%Y-%m-%d", &tm);
    localtime_r(&later, &tm);
    strftime(month_on, 11, "%Y-%m-%d", &tm);
}

/* Loads the city into the hub at ep (process hub) and measures every
 * report. */
static int run(void *ctx, const char *ep, pid_t hub, report_fixture *fx, int repeats)
{
    wire_load_result res = {0};
    int rc = load(ctx, ep, fx, &res);
    printf("load institutions=%zu items=%ld seconds=%.1f items_per_s=%.0f refused=%ld\n",
           res.institutions, res.acked + res.refused, res.seconds,
           (double)(res.acked + res.refused) / (res.seconds > 0 ? res.seconds : 1), res.refused);
    fflush(stdout);
    if (res.refused) {
        fprintf(stderr, "report_bench: the hub refused %ld of the city's items; the first: %s\n",
                res.refused, res.first_refusal);
        return -1;
    }
    if (rc || res.acked != (long)fx->items) {
        fprintf(stderr, "report_bench: %ld of %zu items acknowledged\n", res.acked, fx->items);
        return -1;
    }
    void *bureau = welcomed(ctx, ep, &fx->bureau, NULL);
    rc = bureau ? wait_expiry(bureau, fx) : -1;
    /* opened only now: the wait is longer than the hub keeps a silent session */
    prober pr = {.in = &fx->inst[REPORT_SCHOOLS]};
    pr.sock = rc == 0 ? welcomed(ctx, ep, pr.in, &pr.next_seq) : NULL;
    pr.next_seq++;
    pr.last_frame_s = bench_now_s();
    local_dates(pr.from, pr.until);
    if (rc == 0)
        rc = pr.sock ? publish_idle(&pr, 2 * repeats < 10 ? 10 : 2 * repeats) : -1;
    int year = REPORT_FIRST_YEAR + REPORT_YEARS - 1;
    for (const cjx_report_def *d = cjx_reports; rc == 0 && d->name; d++)
        rc = measure(bureau, &pr, hub, d, year, fx->sample_posting, repeats);
    static const char *const searched[] = {"internship_placement", "graduate_outcome",
                                           "training_completion"};
    for (size_t i = 0; rc == 0 && i < sizeof searched / sizeof searched[0]; i++)
        rc = measure_record_search(bureau, searched[i], repeats);
    if (pr.sock)
        wire_close(pr.sock);
    if (bureau)
        wire_close(bureau);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: report_bench BIN_DIR CONFIG_DIR WORK_DIR [REPEATS [ENTERPRISES "
                        "[RECORDS_PER_YEAR [POSTINGS_PER_YEAR]]]]\n");
        return 2;
    }
    const char *bin = argv[1], *conf = argv[2], *work = argv[3];
    int repeats = argc > 4 ? atoi(argv[4]) : 5;
    report_size sz = {argc > 5 ? atoi(argv[5]) : 3000, argc > 6 ? atol(argv[6]) : 50000,
                      argc > 7 ? atol(argv[7]) : 3000};
    if (repeats < 1 || repeats > MAX_REPEATS || sz.enterprises < 1 || sz.enterprises > 999999 ||
        sz.records_per_year < 0 || sz.records_per_year > MAX_RECORDS_PER_YEAR ||
        sz.postings_per_year < 0 || sz.postings_per_year > MAX_POSTINGS_PER_YEAR) {
        fprintf(stderr, "report_bench: REPEATS 1–%d, ENTERPRISES 1–999999, RECORDS_PER_YEAR "
                "0–%d, POSTINGS_PER_YEAR 0–%d\n", MAX_REPEATS, MAX_RECORDS_PER_YEAR,
                MAX_POSTINGS_PER_YEAR);
        return 2;
    }
    bench_guard(TIME_LIMIT_S);
    char today[11], unused[11];
    local_dates(today, unused);
    report_fixture fx;
    double t0 = bench_now_s();
    if (report_fixture_build(&fx, &sz, conf, today))
        return 1;
    print_dataset(&fx, bench_now_s() - t0);
    char ep[256];
    pid_t hub = bench_start_hub(bin, conf, work, ep, sizeof ep);
    int rc = 1;
    if (hub > 0) {
        void *ctx = zmq_ctx_new();
        rc = run(ctx, ep, hub, &fx, repeats) ? 1 : 0;
        zmq_ctx_term(ctx);
        bench_stop(hub);
    }
    report_fixture_free(&fx);
    return rc;
}
