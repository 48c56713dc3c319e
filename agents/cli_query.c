/* cli_query.c — `cjx get` and `cjx list`: reading back what the hub stored,
 * and what is still waiting in the local outbox.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "filter.h"
#include "ids.h"
#include "json.h"
#include "outbox.h"
#include "store.h"

static uint64_t next_request_id = 1;

static void print_kinds(FILE *out)
{
    const ProtobufCMessageDescriptor *ds[] = {&cjx__posting__descriptor,
                                              &cjx__record__descriptor};
    for (size_t d = 0; d < 2; d++) {
        fprintf(out, "  %s kinds:", d ? "record" : "posting");
        for (unsigned i = 0; i < ds[d]->n_fields; i++)
            if (ds[d]->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                fprintf(out, " %s", ds[d]->fields[i].name);
        fputc('\n', out);
    }
}

struct pending_ctx {
    uint64_t seq;
    json_t *found;
};

static int find_pending(void *ctx, uint64_t seq, const void *item, size_t len)
{
    struct pending_ctx *pc = ctx;
    if (seq != pc->seq)
        return 1;
    Cjx__Item *it = cjx__item__unpack(NULL, len, item);
    if (it) {
        pc->found = cjx_json_from_message(&it->base);
        cjx__item__free_unpacked(it, NULL);
    }
    return 1;
}

/* Looks for one of this institution's items still in the local outbox.
 * Returns the JSON to print, or NULL. */
static json_t *pending_item(cli *c, const char *id)
{
    char code[CJX_CODE_LEN + 1];
    uint64_t seq;
    if (cjx_id_parse(id, code, &seq) || strcmp(code, c->cfg.credit_code))
        return NULL;
    cjx_outbox *ob = NULL;
    cjx_fault fault;
    struct pending_ctx pc = {seq, NULL};
    if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault) == CJX_OK)
        cjx_outbox_scan(ob, seq - 1, 1, find_pending, &pc, &fault);
    cjx_outbox_close(&ob);
    if (!pc.found)
        return NULL;
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(id));
    json_object_set_new(j, "status", json_string("pending in the outbox, not yet at the hub"));
    json_object_set_new(j, "item", pc.found);
    return j;
}

int cli_get(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"local", no_argument, NULL, 'l'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int pretty = 0, local = 0, opt;
    while ((opt = getopt_long(argc, argv, "lph", opts, NULL)) != -1) {
        switch (opt) {
        case 'l': local = 1; break;
        case 'p': pretty = 1; break;
        case 'h':
            printf("usage: cjx get [--pretty] ID\n"
                   "       cjx get --local [--pretty] ID|CREDITCODE/REF\n\n"
                   "Prints the item with that id as the hub stored it, or, for this\n"
                   "institution's own items not yet acknowledged, as it waits in the outbox.\n"
                   "With --local, answers from the agent's replica without the hub: the\n"
                   "current version of a registry entry, open posting or own record, by id\n"
                   "or by its publisher and ref.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        cli_error("get", "give exactly one id (CREDITCODE-N); `cjx get --help`");
        return 2;
    }
    if (cli_need_config(c, "get"))
        return 2;
    const char *id = argv[optind];
    if (local)
        return cli_get_local(c, id, pretty);
    char code[CJX_CODE_LEN + 1];
    uint64_t oseq;
    if (cjx_id_parse(id, code, &oseq) != CJX_OK) {
        cli_error("get", "\"%s\" is not an item id (CREDITCODE-N)", id);
        return 2;
    }
    int rc = 1;
    cli_link *l = cli_link_open(c, "get");
    Cjx__Frame *reply = NULL;
    if (l) {
        Cjx__Query q = CJX__QUERY__INIT;
        q.request_id = next_request_id++;
        q.id = (char *)id;
        Cjx__Frame fr = CJX__FRAME__INIT;
        fr.msg_case = CJX__FRAME__MSG_QUERY;
        fr.query = &q;
        if (cli_link_call(l, &fr, q.request_id, &reply) != 0)
            cli_error("get", "no answer from the hub within %d ms", c->timeout_ms);
    }
    if (reply && reply->msg_case == CJX__FRAME__MSG_RESULT && reply->result->n_items == 1) {
        json_t *j = cjx_stored_json(reply->result->items[0].data, reply->result->items[0].len);
        if (j) {
            cli_print_json(j, pretty);
            rc = 0;
        }
    } else {
        json_t *j = pending_item(c, id);
        if (j) {
            cli_print_json(j, pretty);
            rc = 0;
        } else if (reply && reply->msg_case == CJX__FRAME__MSG_NACK) {
            cli_error("get", "%s", reply->nack->text);
        }
    }
    if (reply)
        cjx__frame__free_unpacked(reply, NULL);
    cli_link_close(&l);
    return rc;
}

int cli_list(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"since", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"local", no_argument, NULL, 'l'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *kind = "";
    uint64_t since = 0, limit = UINT64_MAX;
    int pretty = 0, local = 0, opt;
    while ((opt = getopt_long(argc, argv, "k:s:n:lph", opts, NULL)) != -1) {
        switch (opt) {
        case 'l': local = 1; break;
        case 'k': kind = optarg; break;
        case 's': if (cli_parse_u64("list", "--since", optarg, &since)) return 2; break;
        case 'n': if (cli_parse_u64("list", "--limit", optarg, &limit)) return 2; break;
        case 'p': pretty = 1; break;
        case 'h':
            printf("usage: cjx list [--local] [--kind KIND] [--since SEQ] [--limit N] "
                   "[--pretty]\n\n"
                   "Prints the items stored at the hub with sequence above SEQ, oldest\n"
                   "first, one JSON object per line. With --local, prints the agent's\n"
                   "replica instead, without the hub: the registry, the open postings and\n"
                   "this institution's own records, current versions, by publisher.\n"
                   "KIND \"institution\" selects the registry.\n\n");
            print_kinds(stdout);
            return 0;
        default: return 2;
        }
    }
    if (optind != argc) {
        cli_error("list", "unexpected argument \"%s\"", argv[optind]);
        return 2;
    }
    if (kind[0] && !cjx_kind_is_known(kind)) {
        cli_error("list", "--kind: unknown kind \"%s\"; the kinds are:", kind);
        print_kinds(stderr);
        return 2;
    }
    if (cli_need_config(c, "list"))
        return 2;
    if (local)
        return cli_list_local(c, kind, since, limit, pretty);
    cli_link *l = cli_link_open(c, "list");
    if (!l)
        return 1;
    int rc = 0;
    while (limit > 0) {
        Cjx__Query q = CJX__QUERY__INIT;
        q.request_id = next_request_id++;
        q.kind = (char *)kind;
        q.since_seq = since;
        q.limit = limit < 1000 ? (uint32_t)limit : 1000;
        Cjx__Frame fr = CJX__FRAME__INIT, *reply = NULL;
        fr.msg_case = CJX__FRAME__MSG_QUERY;
        fr.query = &q;
        if (cli_link_call(l, &fr, q.request_id, &reply) != 0) {
            cli_error("list", "no answer from the hub within %d ms", c->timeout_ms);
            rc = 1;
            break;
        }
        if (reply->msg_case != CJX__FRAME__MSG_RESULT) {
            cli_error("list", "%s", reply->msg_case == CJX__FRAME__MSG_NACK ? reply->nack->text
                                                                          : "unexpected reply");
            cjx__frame__free_unpacked(reply, NULL);
            rc = 1;
            break;
        }
        Cjx__Result *res = reply->result;
        for (size_t i = 0; i < res->n_items; i++) {
            json_t *j = cjx_stored_json(res->items[i].data, res->items[i].len);
            if (j)
                cli_print_json(j, pretty);
        }
        limit -= res->n_items < limit ? res->n_items : limit;
        since = res->next_since_seq;
        int more = res->more && res->n_items > 0;
        cjx__frame__free_unpacked(reply, NULL);
        if (!more)
            break;
    }
    cli_link_close(&l);
    return rc;
}
