/* make_seeds.c — writes the binary seeds of corpus/item and corpus/frame
 * from the example items of config/examples, so the stored corpus starts
 * from valid, realistic bytes. Run by hand after the schema or the examples
 * change (the text seeds of corpus/json and corpus/config are kept by hand):
 *
 *   fuzz_make_seeds config tests/fuzz/corpus
 *
 * Each example is mapped as `cjx post` maps it (origin: the institution of
 * its file) and must validate; the frames are the ones agents and the hub
 * exchange around such items.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "json.h"
#include "validate.h"

static const char *out_dir;
static cjx_validator validator;

static void die(const char *what, const char *why)
{
    fprintf(stderr, "fuzz_make_seeds: %s: %s\n", what, why);
    exit(1);
}

/* Writes len bytes to <out_dir>/<sub>/<name>. */
static void put(const char *sub, const char *name, const void *data, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", out_dir, sub, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0)
        die(path, "cannot write");
}

/* Packs frame into <out_dir>/frame/<name>. */
static void put_frame(const char *name, const Cjx__Frame *frame)
{
    size_t len = cjx__frame__get_packed_size(frame);
    uint8_t *buf = malloc(len + 1);
    cjx__frame__pack(frame, buf);
    put("frame", name, buf, len);
    free(buf);
}

/* Maps one JSON line into a packed, valid Item (caller frees data). */
static ProtobufCBinaryData item_from(const char *line, const char *code)
{
    ProtobufCMessage *m = NULL;
    cjx_fault f = {0};
    if (cjx_json_parse_message(line, strlen(line), &cjx__item__descriptor, &m, &f))
        die(line, f.text);
    Cjx__Item *item = (Cjx__Item *)m;
    const char *field;
    char **origin = cjx_item_origin(item, &field);
    if (origin && !**origin)
        *origin = strdup(code);
    if (cjx_validate_item(&validator, item, &f))
        die(f.field, f.text);
    ProtobufCBinaryData b = {cjx__item__get_packed_size(item), NULL};
    b.data = malloc(b.len + 1);
    cjx__item__pack(item, b.data);
    protobuf_c_message_free_unpacked(m, NULL);
    return b;
}

/* A packed Stored entry of item, as the hub logs it. */
static ProtobufCBinaryData stored_of(ProtobufCBinaryData item, uint64_t seq, const char *kind)
{
    Cjx__Stored s = CJX__STORED__INIT;
    s.seq = seq;
    s.id = "12140400405710843M-7";
    s.origin = "12140400405710843M";
    s.outbox_seq = 7;
    s.received_ms = 1795000000000;
    s.item = item;
    s.kind = (char *)kind;
    ProtobufCBinaryData b = {cjx__stored__get_packed_size(&s), NULL};
    b.data = malloc(b.len + 1);
    cjx__stored__pack(&s, b.data);
    return b;
}

int main(int argc, char **argv)
{
    static const struct { const char *file, *code; } examples[] = {
        {"college-items.jsonl", "12140400405710843M"},
        {"enterprise-postings.jsonl", "91140400MA0K7C2D3J"},
        {"bureau-notice.json", "111404000123456783"},
    };
    if (argc != 3)
        die("usage", "fuzz_make_seeds CONFIG_DIR CORPUS_DIR");
    out_dir = argv[2];
    cjx_fault f = {0};
    if (cjx_validator_open(&validator, argv[1], &f))
        die(argv[1], f.text);

    ProtobufCBinaryData first[3] = {{0, NULL}};
    for (size_t e = 0; e < 3; e++) {
        char path[1024], line[8192], name[64];
        snprintf(path, sizeof path, "%s/examples/%s", argv[1], examples[e].file);
        FILE *fp = fopen(path, "r");
        if (!fp)
            die(path, "cannot open");
        for (int n = 1; fgets(line, sizeof line, fp); n++) {
            ProtobufCBinaryData b = item_from(line, examples[e].code);
            snprintf(name, sizeof name, "%.*s-%d.bin", (int)strcspn(examples[e].file, "."),
                     examples[e].file, n);
            put("item", name, b.data, b.len);
            if (!first[e].data)
                first[e] = b;
            else
                free(b.data);
        }
        fclose(fp);
    }

    Cjx__Frame frame = CJX__FRAME__INIT;
    Cjx__Institution inst = CJX__INSTITUTION__INIT;
    inst.credit_code = "12140400405710843M";
    inst.name = "长治职业技术学院";
    inst.kind = CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE;
    Cjx__Hello hello = CJX__HELLO__INIT;
    hello.protocol_version = CJX_PROTOCOL_VERSION;
    hello.credit_code = inst.credit_code;
    hello.software = "cjx-agent 0.1.0";
    hello.institution = &inst;
    frame.msg_case = CJX__FRAME__MSG_HELLO;
    frame.hello = &hello;
    put_frame("hello.bin", &frame);

    Cjx__Publish pub = CJX__PUBLISH__INIT;
    pub.outbox_seq = 7;
    pub.item = first[0];
    frame.msg_case = CJX__FRAME__MSG_PUBLISH;
    frame.publish = &pub;
    put_frame("publish-college.bin", &frame);
    pub.item = first[2];
    put_frame("publish-notice.bin", &frame);

    Cjx__Nack nack = CJX__NACK__INIT;
    nack.outbox_seq = 8;
    nack.reason = CJX_EMAJOR;
    nack.field = "record.programme_record.major_code";
    nack.text = "major code not in the catalogue";
    frame.msg_case = CJX__FRAME__MSG_NACK;
    frame.nack = &nack;
    put_frame("nack.bin", &frame);

    Cjx__FeedMark mark = CJX__FEED_MARK__INIT, *marks[1] = {&mark};
    mark.subscription = "completions";
    mark.last_sent = 41;
    Cjx__Heartbeat hb = CJX__HEARTBEAT__INIT;
    hb.last_seq = 42;
    hb.n_feeds = 1;
    hb.feeds = marks;
    frame.msg_case = CJX__FRAME__MSG_HEARTBEAT;
    frame.heartbeat = &hb;
    put_frame("heartbeat.bin", &frame);

    Cjx__Query q = CJX__QUERY__INIT;
    q.request_id = 3;
    q.kind = "job";
    q.since_seq = 10;
    q.limit = 100;
    frame.msg_case = CJX__FRAME__MSG_QUERY;
    frame.query = &q;
    put_frame("query.bin", &frame);

    char *kinds[] = {"training_completion", "graduate_outcome"};
    char *divisions[] = {"1404"};
    int clusters[] = {CJX__CLUSTER__CLUSTER_INFORMATION_TECH};
    Cjx__Subscription sub = CJX__SUBSCRIPTION__INIT, *subs[1] = {&sub};
    sub.name = "completions";
    sub.n_kinds = 2;
    sub.kinds = kinds;
    sub.n_division_codes = 1;
    sub.division_codes = divisions;
    sub.n_clusters = 1;
    sub.clusters = (Cjx__Cluster *)clusters;
    Cjx__Subscribe sb = CJX__SUBSCRIBE__INIT;
    sb.n_subscriptions = 1;
    sb.subscriptions = subs;
    sb.window = 1024;
    frame.msg_case = CJX__FRAME__MSG_SUBSCRIBE;
    frame.subscribe = &sb;
    put_frame("subscribe.bin", &frame);

    ProtobufCBinaryData st = stored_of(first[1], 43, "job");
    Cjx__Event ev = CJX__EVENT__INIT;
    ev.subscription = "jobs";
    ev.seq = 43;
    ev.prev_seq = 12;
    ev.stored = st;
    frame.msg_case = CJX__FRAME__MSG_EVENT;
    frame.event = &ev;
    put_frame("event.bin", &frame);

    Cjx__Event next = ev, *batch[2] = {&ev, &next};
    next.seq = 44;
    next.prev_seq = 43;
    Cjx__EventBatch eb = CJX__EVENT_BATCH__INIT;
    eb.n_events = 2;
    eb.events = batch;
    frame.msg_case = CJX__FRAME__MSG_EVENT_BATCH;
    frame.event_batch = &eb;
    put_frame("event_batch.bin", &frame);

    ProtobufCBinaryData items[1] = {stored_of(first[2], 44, "notice")};
    Cjx__Result res = CJX__RESULT__INIT;
    res.request_id = 3;
    res.n_items = 1;
    res.items = items;
    res.next_since_seq = 44;
    frame.msg_case = CJX__FRAME__MSG_RESULT;
    frame.result = &res;
    put_frame("result.bin", &frame);

    free(st.data);
    free(items[0].data);
    for (size_t e = 0; e < 3; e++)
        free(first[e].data);
    cjx_validator_close(&validator);
    return 0;
}
