/* cli_recommend.c — `cjx recommend`: open postings ranked for a graduate of
 * a major (--major), or for the person one of the institution's own records
 * is about (--person, unless that person opted out: PIPL art. 24); and the
 * colleges that fit an enterprise's posting (--posting, the report
 * colleges-for-posting).
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "cli.h"
#include "replica.h"

static void usage(void)
{
    printf("usage: cjx recommend --major CODE [--county CODE] [--page N] [--per-page N]\n"
           "                     [--local] [--json]\n"
           "       cjx recommend --person REF [--county CODE] [options as above]\n"
           "       cjx recommend --posting CODE/REF [--year Y] [--json]\n\n"
           "Open postings for a graduate of a major, best first, each with why: the\n"
           "same major (4 points) or class (first four digits, 2), the county asked\n"
           "for (1), pay up to 10,000 yuan or more (1, less in proportion), closing\n"
           "within 30 days (0.5). --local: over the agent's replica, offline.\n\n"
           "With --person: for the person of this institution's graduate_outcome or\n"
           "internship_placement record REF, by their major, read from the agent's\n"
           "replica (nothing about the person is sent). Refused when the institution\n"
           "recorded a recommendation_opt_out for that person (PIPL art. 24) that has\n"
           "no lifted_date.\n\n"
           "With --posting: the colleges whose programmes graduate students of the\n"
           "posting's majors in year Y (default this year), and how many interns each\n"
           "placed with the posting's enterprise (counts of people under 5 hidden).\n");
}

/* Fills q->major_code from the person of record ref; 0, or the exit
 * status when the recommendation must not be made. */
static int for_person(cli *c, const char *ref, Cjx__SearchRequest *q, cjx_person_subject *subj,
                      int as_json)
{
    cjx_outbox *ob = NULL;
    cjx_fault fault;
    cjx_err err = cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault);
    if (err == CJX_OK)
        err = cjx_replica_person(cjx_outbox_store(ob),
                                 cjx_outbox_store(ob)->dbs[CJX_AGENT_DB_REPLICA],
                                 c->cfg.credit_code, ref, subj, &fault);
    cjx_outbox_close(&ob);
    if (err) {
        cli_error("recommend", "--person %s: %s", ref, fault.text);
        return 1;
    }
    if (subj->opt_out_ref[0]) {
        cli_error("recommend",
                  "--person %s: this person refused recommendations (PIPL art. 24): "
                  "recommendation_opt_out record \"%s\" of %s; nothing recommended",
                  ref, subj->opt_out_ref, subj->opt_out_date);
        return 3;
    }
    q->major_code = subj->major;
    if (!as_json)
        printf("For the person of %s record \"%s\": major %s\n\n", subj->kind, ref, subj->major);
    return 0;
}

int cli_recommend(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"major", required_argument, NULL, 'm'},     {"county", required_argument, NULL, 'd'},
        {"division", required_argument, NULL, 'd'},  {"page", required_argument, NULL, 'P'},
        {"posting", required_argument, NULL, 'p'},   {"year", required_argument, NULL, 'y'},
        {"person", required_argument, NULL, 'r'},    {"per-page", required_argument, NULL, 'n'},
        {"local", no_argument, NULL, 'l'},           {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0},
    };
    Cjx__SearchRequest q = CJX__SEARCH_REQUEST__INIT;
    q.recommend = 1;
    uint64_t page = 1, per_page = 10, year = 0;
    int local = 0, as_json = 0, opt;
    const char *posting = NULL, *person = NULL;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': q.major_code = optarg; break;
        case 'p': posting = optarg; break;
        case 'r': person = optarg; break;
        case 'y':
            if (cli_parse_u64("recommend", "--year", optarg, &year) || year < 1900 || year > 9999) {
                cli_error("recommend", "--year: \"%s\" is not a year", optarg);
                return 2;
            }
            break;
        case 'd': q.division_code = optarg; break;
        case 'P':
        case 'n':
            if (cli_search_paging("recommend", opt == 'P', optarg, &page, &per_page))
                return 2;
            break;
        case 'l': local = 1; break;
        case 'j': as_json = 1; break;
        case 'h': usage(); return 0;
        default: return 2;
        }
    }
    if ((q.major_code[0] != 0) + (posting != NULL) + (person != NULL) != 1 || optind != argc) {
        cli_error("recommend", "one of --major CODE, --person REF or --posting CODE/REF is "
                               "needed (see --help)");
        return 2;
    }
    if (cli_need_config(c, "recommend"))
        return 2;
    if (posting) {
        Cjx__ReportRequest r = CJX__REPORT_REQUEST__INIT;
        time_t now = time(NULL);
        struct tm tm;
        localtime_r(&now, &tm);
        r.name = "colleges-for-posting";
        r.posting = (char *)posting;
        r.year = year ? (int32_t)year : tm.tm_year + 1900;
        return cli_report_run(c, "recommend", &r, as_json ? "json" : "table");
    }
    cjx_person_subject subj;
    int rc = person ? for_person(c, person, &q, &subj, as_json) : 0;
    if (rc)
        return rc;
    q.limit = (uint32_t)per_page;
    q.offset = (uint32_t)((page - 1) * per_page);
    return cli_search_answer(c, &q, local, as_json);
}
