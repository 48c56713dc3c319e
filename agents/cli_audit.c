/* cli_audit.c — `cjx audit`: an operator reads the hub's audit log of
 * personal data deliveries, or has the hub verify its hash chain.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static json_t *entry_json(const Cjx__AuditEntry *e)
{
    char when[40];
    time_t t = (time_t)(e->time_ms / 1000);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    json_t *fields = json_array();
    for (size_t i = 0; i < e->n_fields; i++)
        json_array_append_new(fields, json_string(e->fields[i]));
    return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:o}", "seq", (json_int_t)e->seq,
                     "time", when, "receiver", e->receiver, "record", e->record_id,
                     "record_seq", (json_int_t)e->record_seq, "kind", e->kind, "rule", e->rule,
                     "fields", fields);
}

int cli_audit(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"since", required_argument, NULL, 's'},
        {"limit", required_argument, NULL, 'n'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    uint64_t since = 0, limit = UINT64_MAX;
    int pretty = 0, opt;
    while ((opt = getopt_long(argc, argv, "s:n:ph", opts, NULL)) != -1) {
        switch (opt) {
        case 's': if (cli_parse_u64("audit", "--since", optarg, &since)) return 2; break;
        case 'n': if (cli_parse_u64("audit", "--limit", optarg, &limit)) return 2; break;
        case 'p': pretty = 1; break;
        case 'h':
            printf("usage: cjx audit [--since SEQ] [--limit N] [--pretty]\n"
                   "       cjx audit verify\n\n"
                   "Lists the hub's audit log: every delivery of personal fields, to whom,\n"
                   "which record, when and under which policy rule, one JSON object per line.\n"
                   "`verify` has the hub check the log's hash chain; exits 1 when an entry was\n"
                   "changed, removed or moved. Operators only (any client of a hub without\n"
                   "CURVE keys).\n");
            return 0;
        default: return 2;
        }
    }
    int verify = optind < argc && strcmp(argv[optind], "verify") == 0;
    if (limit == 0)
        return 0;
    if (optind + verify != argc) {
        cli_error("audit", "unexpected argument \"%s\"", argv[optind + verify]);
        return 2;
    }
    if (cli_need_config(c, "audit"))
        return 2;
    cli_link *l = cli_link_open(c, "audit");
    if (!l)
        return 1;
    int rc = 0;
    for (uint64_t request = 1;; request++) {
        Cjx__AuditQuery q = CJX__AUDIT_QUERY__INIT;
        q.request_id = request;
        q.since_seq = since;
        q.limit = limit < 1000 ? (uint32_t)limit : 1000;
        q.verify = verify;
        Cjx__Frame fr = CJX__FRAME__INIT, *reply = NULL;
        fr.msg_case = CJX__FRAME__MSG_AUDIT_QUERY;
        fr.audit_query = &q;
        if (cli_link_call(l, &fr, request, &reply) != 0) {
            cli_error("audit", "no answer from the hub within %d ms", c->timeout_ms);
            rc = 1;
            break;
        }
        if (reply->msg_case != CJX__FRAME__MSG_AUDIT_RESULT) {
            cli_error("audit", "%s", reply->msg_case == CJX__FRAME__MSG_NACK ? reply->nack->text
                                                                           : "unexpected reply");
            cjx__frame__free_unpacked(reply, NULL);
            rc = 1;
            break;
        }
        const Cjx__AuditResult *res = reply->audit_result;
        if (verify) {
            cli_print_json(json_pack("{s:b, s:I, s:I, s:s}", "intact", !res->broken_seq,
                                     "checked", (json_int_t)res->checked, "broken_seq",
                                     (json_int_t)res->broken_seq, "text", res->text),
                           pretty);
            rc = res->broken_seq ? 1 : 0;
        }
        for (size_t i = 0; i < res->n_entries; i++) {
            cli_print_json(entry_json(res->entries[i]), pretty);
            since = res->entries[i]->seq;
        }
        limit -= res->n_entries < limit ? res->n_entries : limit;
        int more = !verify && res->more && res->n_entries && limit;
        cjx__frame__free_unpacked(reply, NULL);
        if (!more)
            break;
    }
    cli_link_close(&l);
    return rc;
}
