/* cli_search.c — `cjx search`: postings by keywords (Chinese or English) and
 * filters, ranked, a page at a time, each with why it matched. Asked of the
 * hub, or with --local of the agent's replica, offline. `cjx recommend`
 * (cli_recommend.c) prints its answers the same way.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "filter.h"
#include "json.h"
#include "replica.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx search [WORDS…] [options]\n\n"
            "Open postings matching every word (软件 finds 软件技术专业) and every filter,\n"
            "best first, with why each matched. With --kind of a record (graduate_outcome,\n"
            "training_completion…): the records of that kind you may read (your own, and\n"
            "others' as the hub's sharing policy allows), newest first, by the words in\n"
            "their text and by --county, --major and --publisher; at the hub only.\n\n"
            "  --kind K            job, internship, training_course… or a record kind\n"
            "  --cluster C         an industry cluster: SEMICONDUCTOR_OPTO, INFORMATION_TECH…\n"
            "  --county CODE       a division code or its prefix: 140403 (潞州区), 1404\n"
            "  --major CODE        one of the posting's major codes: 510203\n"
            "  --publisher CODE    the publishing institution's credit code\n"
            "  --pay-min N         jobs paying up to at least N yuan a month\n"
            "  --pay-max N         jobs paying from at most N yuan a month\n"
            "  --deadline-from D   valid until D (YYYY-MM-DD) or later\n"
            "  --deadline-to D     valid until D or earlier\n"
            "  --all               filled, withdrawn and expired postings too\n"
            "  --page N            the page to show, from 1 (default 1)\n"
            "  --per-page N        results a page (default 10, at most 100)\n"
            "  --local             search the agent's replica, without the hub\n"
            "  --json              one JSON object a result: score, why, stored (as cjx get\n"
            "                      prints it)\n");
}

static int parse_cluster(const char *text, Cjx__Cluster *out)
{
    char name[64];
    snprintf(name, sizeof name, "%s%s", strncasecmp(text, "CLUSTER_", 8) ? "CLUSTER_" : "", text);
    for (unsigned i = 0; i < cjx__cluster__descriptor.n_values; i++)
        if (strcasecmp(cjx__cluster__descriptor.values[i].name, name) == 0) {
            *out = (Cjx__Cluster)cjx__cluster__descriptor.values[i].value;
            return 0;
        }
    cli_error("search", "--cluster: unknown cluster \"%s\"", text);
    return -1;
}

/* One result as a line or two for people. */
static void print_hit(size_t n, const Cjx__SearchHit *hit)
{
    Cjx__Stored *st = cjx__stored__unpack(NULL, hit->stored.len, hit->stored.data);
    Cjx__Item *item = st ? cjx__item__unpack(NULL, st->item.len, st->item.data) : NULL;
    if (item && item->body_case == CJX__ITEM__BODY_RECORD) {
        printf("%zu. %s %s · %d · from %s\n   %s", n, st->kind, item->record->ref,
               item->record->year, st->origin, st->id);
        if (hit->why[0])
            printf(" · why: %s", hit->why);
        putchar('\n');
    } else if (!item || item->body_case != CJX__ITEM__BODY_POSTING) {
        printf("%zu. (an entry that does not unpack)\n", n);
    } else {
        const Cjx__Posting *p = item->posting;
        const ProtobufCFieldDescriptor *kind = protobuf_c_message_descriptor_get_field(
            &cjx__posting__descriptor, (unsigned)p->detail_case);
        printf("%zu. %s · %s · %s · until %s", n, p->title, kind ? kind->name : "?",
               p->division_code, p->valid_until);
        if (p->detail_case == CJX__POSTING__DETAIL_JOB && p->job)
            printf(" · %s · %lld–%lld 元/月", p->job->employer_name,
                   (long long)p->job->pay_min_yuan, (long long)p->job->pay_max_yuan);
        if (p->status != CJX__POSTING_STATUS__STATUS_OPEN)
            printf(" · %s", protobuf_c_enum_descriptor_get_value(
                                &cjx__posting_status__descriptor, p->status)->name);
        printf("\n   %s", st->id);
        if (hit->why[0])
            printf(" · why: %s · score %.2f", hit->why, hit->score);
        putchar('\n');
    }
    if (item)
        cjx__item__free_unpacked(item, NULL);
    if (st)
        cjx__stored__free_unpacked(st, NULL);
}

static void print_result(const Cjx__SearchResult *r, const Cjx__SearchRequest *q, int as_json)
{
    for (size_t i = 0; i < r->n_hits; i++) {
        const Cjx__SearchHit *hit = r->hits[i];
        if (!as_json) {
            print_hit(q->offset + i + 1, hit);
            continue;
        }
        json_t *j = json_object();
        json_object_set_new(j, "score", json_real(hit->score));
        json_object_set_new(j, "why", json_string(hit->why));
        json_object_set_new(j, "stored", cjx_stored_json(hit->stored.data, hit->stored.len));
        cli_print_json(j, 0);
    }
    if (!as_json)
        printf("%s%zu of %llu shown (from %u), as of seq %llu\n", r->n_hits ? "\n" : "",
               r->n_hits, (unsigned long long)r->total, q->offset + 1,
               (unsigned long long)r->as_of_seq);
}

/* Asks the hub; *out is its answer. */
static int ask_hub(cli *c, Cjx__SearchRequest *q, Cjx__Frame **reply)
{
    const char *cmd = q->recommend ? "recommend" : "search";
    cli_link *l = cli_link_open(c, cmd);
    if (!l)
        return 1;
    q->request_id = 1;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_SEARCH_REQUEST;
    fr.search_request = q;
    int rc = 1;
    if (cli_link_call(l, &fr, q->request_id, reply) != 0)
        cli_error(cmd, "the hub did not answer");
    else if ((*reply)->msg_case == CJX__FRAME__MSG_NACK)
        cli_error(cmd, "refused by the hub: %s", (*reply)->nack->text);
    else
        rc = (*reply)->msg_case == CJX__FRAME__MSG_SEARCH_RESULT ? 0 : 1;
    cli_link_close(&l);
    return rc;
}

static int ask_replica(cli *c, const Cjx__SearchRequest *q, Cjx__SearchResult **out)
{
    cjx_outbox *ob = NULL;
    cjx_fault fault;
    cjx_err err = cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault);
    if (err == CJX_OK)
        err = cjx_replica_search(cjx_outbox_store(ob), cjx_outbox_store(ob)->dbs[CJX_AGENT_DB_REPLICA],
                                 q, out, &fault);
    cjx_outbox_close(&ob);
    if (err)
        cli_error(q->recommend ? "recommend" : "search", "%s", fault.text);
    return err ? 1 : 0;
}

int cli_search_paging(const char *cmd, int is_page, const char *text, uint64_t *page,
                      uint64_t *per_page)
{
    const char *opt = is_page ? "--page" : "--per-page";
    uint64_t *v = is_page ? page : per_page;
    if (cli_parse_u64(cmd, opt, text, v))
        return 2;
    if (*v >= 1 && (is_page || *v <= 100))
        return 0;
    cli_error(cmd, is_page ? "%s: pages are counted from 1" : "%s: 1 to 100", opt);
    return 2;
}

/* Asks the hub or the replica and prints the answer. */
int cli_search_answer(cli *c, Cjx__SearchRequest *q, int local, int as_json)
{
    Cjx__Frame *reply = NULL;
    Cjx__SearchResult *mine = NULL;
    int rc = local ? ask_replica(c, q, &mine) : ask_hub(c, q, &reply);
    if (rc == 0)
        print_result(local ? mine : reply->search_result, q, as_json);
    if (mine)
        cjx__search_result__free_unpacked(mine, NULL);
    if (reply)
        cjx__frame__free_unpacked(reply, NULL);
    return rc;
}

int cli_search(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},      {"cluster", required_argument, NULL, 'C'},
        {"county", required_argument, NULL, 'd'},    {"division", required_argument, NULL, 'd'},
        {"major", required_argument, NULL, 'm'},     {"publisher", required_argument, NULL, 'p'},
        {"pay-min", required_argument, NULL, 'a'},   {"pay-max", required_argument, NULL, 'b'},
        {"deadline-from", required_argument, NULL, 'f'},
        {"deadline-to", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'A'},             {"page", required_argument, NULL, 'P'},
        {"per-page", required_argument, NULL, 'n'},  {"local", no_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},            {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    Cjx__SearchRequest q = CJX__SEARCH_REQUEST__INIT;
    uint64_t page = 1, per_page = 10, pay;
    int local = 0, as_json = 0, opt;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'k': q.kind = optarg; break;
        case 'C': if (parse_cluster(optarg, &q.cluster)) return 2; break;
        case 'd': q.division_code = optarg; break;
        case 'm': q.major_code = optarg; break;
        case 'p': q.publisher = optarg; break;
        case 'a':
        case 'b':
            if (cli_parse_u64("search", opt == 'a' ? "--pay-min" : "--pay-max", optarg, &pay))
                return 2;
            *(opt == 'a' ? &q.pay_min : &q.pay_max) = (int64_t)pay;
            break;
        case 'f': q.valid_until_from = optarg; break;
        case 't': q.valid_until_to = optarg; break;
        case 'A': q.any_status = 1; break;
        case 'P':
        case 'n':
            if (cli_search_paging("search", opt == 'P', optarg, &page, &per_page))
                return 2;
            break;
        case 'l': local = 1; break;
        case 'j': as_json = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    char text[1024] = "";
    for (int i = optind; i < argc; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s", i > optind ? " " : "",
                 argv[i]);
    q.text = text;
    q.limit = (uint32_t)per_page;
    q.offset = (uint32_t)((page - 1) * per_page);
    if (local && cjx_kind_is_record(q.kind)) {
        cli_error("search", "--local searches postings; records are searched at the hub");
        return 2;
    }
    if (cli_need_config(c, "search"))
        return 2;
    return cli_search_answer(c, &q, local, as_json);
}
