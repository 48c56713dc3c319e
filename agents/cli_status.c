/* cli_status.c — `cjx status`: the hub's status for operators (as a table,
 * or with --json exactly what the hub's HTTP /status serves), and with
 * --local what this agent's own store says: its outbox, feeds, replica and
 * imports.
 */
#define _XOPEN_SOURCE 700 /* wcwidth */
#include <ctype.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cli.h"
#include "json.h"
#include "outbox.h"
#include "store.h"

/* The agent's subscriptions as its feed state records them. */
static json_t *feeds_json(cjx_outbox *ob)
{
    json_t *feeds = json_object();
    cjx_store *st = cjx_outbox_store(ob);
    MDB_txn *txn;
    MDB_cursor *cur;
    if (mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn))
        return feeds;
    if (mdb_cursor_open(txn, st->dbs[CJX_AGENT_DB_FEEDS], &cur) == 0) {
        MDB_val k, v;
        for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            Cjx__FeedState *fs = cjx__feed_state__unpack(NULL, v.mv_size, v.mv_data);
            if (!fs)
                continue;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)k.mv_size, (const char *)k.mv_data);
            json_object_set_new(feeds, name, cjx_json_from_message(&fs->base));
            cjx__feed_state__free_unpacked(fs, NULL);
        }
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return feeds;
}

/* --local: what the agent's store holds. */
static int local_status(cli *c)
{
    cjx_outbox *ob = NULL;
    cjx_outbox_stats st;
    cjx_fault fault;
    if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault) != CJX_OK ||
        cjx_outbox_stat(ob, &st, &fault) != CJX_OK) {
        cli_error("status", "%s: %s", c->cfg.data_dir, fault.text);
        cjx_outbox_close(&ob);
        return 1;
    }
    json_t *out = json_object();
    json_object_set_new(out, "outbox",
                        json_pack("{s:I,s:I,s:I}", "pending", (json_int_t)st.pending, "refused",
                                  (json_int_t)st.refused, "next_seq", (json_int_t)st.next_seq));
    json_object_set_new(out, "feeds", feeds_json(ob));
    json_object_set_new(out, "replica", cli_replica_status(ob));
    json_object_set_new(out, "import", cli_import_status(ob));
    cjx_outbox_close(&ob);
    cli_print_json(out, 1);
    return 0;
}

/* ---- the hub's status as text ---- */

/* Prints s padded with spaces to width columns, counting a Chinese
 * character as two (wcwidth); longer text is printed whole. */
static void column(const char *s, int width)
{
    mbstate_t ps;
    memset(&ps, 0, sizeof ps);
    int cols = 0;
    for (const char *p = s; *p;) {
        wchar_t wc;
        size_t n = mbrtowc(&wc, p, strlen(p), &ps);
        if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
            cols++;
            p++;
            memset(&ps, 0, sizeof ps);
            continue;
        }
        int w = wcwidth(wc);
        cols += w > 0 ? w : 0;
        p += n;
    }
    fputs(s, stdout);
    for (; cols < width; cols++)
        putchar(' ');
    putchar(' ');
}

static void age(char *out, size_t cap, int64_t now_ms, int64_t then_ms)
{
    int64_t s = (now_ms - then_ms) / 1000;
    if (!then_ms)
        snprintf(out, cap, "never");
    else if (s < 120)
        snprintf(out, cap, "%lld s ago", (long long)(s > 0 ? s : 0));
    else if (s < 7200)
        snprintf(out, cap, "%lld min ago", (long long)(s / 60));
    else
        snprintf(out, cap, "%lld h ago", (long long)(s / 3600));
}

/* "INSTITUTION_VOCATIONAL_GROUP" → "vocational group" */
static const char *kind_text(char out[32], int kind)
{
    const ProtobufCEnumValue *v =
        protobuf_c_enum_descriptor_get_value(&cjx__institution_kind__descriptor, kind);
    if (!v || !kind)
        return "-";
    snprintf(out, 32, "%s", v->name + strlen("INSTITUTION_"));
    for (char *p = out; *p; p++)
        *p = *p == '_' ? ' ' : (char)tolower((unsigned char)*p);
    return out;
}

/* 1536 → "1.5 KiB" */
static const char *bytes_text(char out[32], uint64_t n)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    size_t u = 0;
    for (; v >= 1024 && u + 1 < sizeof units / sizeof units[0]; u++)
        v /= 1024;
    snprintf(out, 32, u ? "%.1f %s" : "%.0f %s", v, units[u]);
    return out;
}

/* One row of the rates table: what, then the minute, the hour, the total. */
static void rate_row(int indent, const char *what, const Cjx__Rate *r)
{
    if (!r)
        return;
    printf("  %*s", indent, "");
    column(what, 28 - indent);
    printf("%11llu %11llu %13llu\n", (unsigned long long)r->last_minute,
           (unsigned long long)r->last_hour, (unsigned long long)r->total);
}

/* The rows of named rates under a total, by name (institutions by name when
 * the status knows it). */
static void named_rows(const Cjx__HubStatus *st, Cjx__NamedRate *const *rates, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *what = rates[i]->name;
        for (size_t j = 0; j < st->n_institutions; j++)
            if (strcmp(st->institutions[j]->credit_code, what) == 0 &&
                st->institutions[j]->name[0])
                what = st->institutions[j]->name;
        rate_row(2, what, rates[i]->rate);
    }
}

static void institution_line(const Cjx__HubStatus *st, const Cjx__InstitutionStatus *in)
{
    char seen[32], subs[256] = "", backlog[24], kind[32];
    age(seen, sizeof seen, st->now_ms, in->last_seen_ms);
    snprintf(backlog, sizeof backlog, "%llu", (unsigned long long)in->outbox_backlog);
    size_t used = 0;
    for (size_t j = 0; j < in->n_subscriptions && used < sizeof subs; j++)
        used += (size_t)snprintf(subs + used, sizeof subs - used, "%s%s %llu%s", j ? ", " : "",
                                 in->subscriptions[j]->name,
                                 (unsigned long long)in->subscriptions[j]->lag,
                                 in->subscriptions[j]->connected ? "" : " (away)");
    printf("  ");
    column(in->name[0] ? in->name : "(not registered)", 28);
    column(in->credit_code, 18);
    column(kind_text(kind, in->kind), 16);
    column(in->connected ? "connected" : "disconnected", 12);
    column(seen, 12);
    column(backlog, 7);
    column(subs[0] ? subs : "-", 20);
    printf("%s\n", in->last_error);
}

static void print_status(const Cjx__HubStatus *st)
{
    setlocale(LC_CTYPE, "C.UTF-8");
    long long up = (st->now_ms - st->started_ms) / 1000;
    printf("cjx-hub %s, up %lld h %02lld min, %u sessions\n", st->version, up / 3600,
           up / 60 % 60, st->sessions);
    const Cjx__StoreStatus *s = st->store;
    char used[32], map[32], file[32], disk[32], search[32];
    if (s)
        printf("store: %s of %s used (%.1f%%), file %s on disk, %s of disk free, "
               "%llu log entries (seq %llu to %llu); search index %s, %llu entries behind\n",
               bytes_text(used, s->used_bytes), bytes_text(map, s->map_bytes),
               s->map_bytes ? 100.0 * (double)s->used_bytes / (double)s->map_bytes : 0.0,
               bytes_text(file, s->file_bytes), bytes_text(disk, s->disk_free_bytes),
               (unsigned long long)s->log_entries,
               (unsigned long long)s->oldest_seq, (unsigned long long)s->newest_seq,
               bytes_text(search, s->search_file_bytes),
               (unsigned long long)(s->newest_seq > s->search_indexed_seq
                                        ? s->newest_seq - s->search_indexed_seq : 0));
    printf("\nalerts:%s\n", st->n_alerts ? "" : " none");
    for (size_t i = 0; i < st->n_alerts; i++)
        printf("  ! %-15s %s\n", st->alerts[i]->name, st->alerts[i]->text);
    printf("\n  %-28s %11s %11s %13s\n", "", "last minute", "last hour", "since start");
    rate_row(0, "published", st->published);
    named_rows(st, st->published_by_kind, st->n_published_by_kind);
    rate_row(0, "delivered", st->delivered);
    rate_row(0, "refused", st->refused);
    named_rows(st, st->refused_by_reason, st->n_refused_by_reason);
    if (st->n_refused_by_institution)
        printf("  refused, by institution:\n");
    named_rows(st, st->refused_by_institution, st->n_refused_by_institution);
    printf("\ninstitutions (%zu):\n  ", st->n_institutions);
    static const char *const heads[] = {"name", "credit code", "kind", "state", "last seen",
                                        "backlog", "subscriptions: lag"};
    static const int widths[] = {28, 18, 16, 12, 12, 7, 20};
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++)
        column(heads[i], widths[i]);
    printf("last error\n");
    for (size_t i = 0; i < st->n_institutions; i++)
        institution_line(st, st->institutions[i]);
}

int cli_status(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"local", no_argument, NULL, 'l'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int local = 0, as_json = 0, opt;
    while ((opt = getopt_long(argc, argv, "ljh", opts, NULL)) != -1) {
        switch (opt) {
        case 'l': local = 1; break;
        case 'j': as_json = 1; break;
        case 'h':
            printf("usage: cjx status [--json] | --local\n\n"
                   "The hub's status (operators; any institution when the hub runs without "
                   "CURVE):\nversion and uptime, alerts, publish, delivery and refusal rates, "
                   "every\ninstitution (connected, last seen, outbox backlog, subscription lag, "
                   "last\nerror) and the store. The hub's HTTP /status serves the same JSON.\n\n"
                   "  --json    print it as JSON, for scripts\n"
                   "  --local   instead, this agent's own store as JSON: outbox (pending,\n"
                   "            refused), feeds, replica, the last imported file; the hub\n"
                   "            is not asked\n");
            return 0;
        default: return 2;
        }
    }
    if (cli_need_config(c, "status"))
        return 2;
    if (local)
        return local_status(c);

    cli_link *l = cli_link_open(c, "status");
    if (!l)
        return 1;
    Cjx__StatusRequest q = CJX__STATUS_REQUEST__INIT;
    q.request_id = 1;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_STATUS_REQUEST;
    fr.status_request = &q;
    Cjx__Frame *reply = NULL;
    int rc = 1;
    if (cli_link_call(l, &fr, q.request_id, &reply) != 0) {
        cli_error("status", "the hub did not answer");
    } else if (reply->msg_case == CJX__FRAME__MSG_NACK) {
        cli_error("status", "refused by the hub: %s", reply->nack->text);
    } else if (reply->msg_case != CJX__FRAME__MSG_HUB_STATUS) {
        cli_error("status", "the hub answered with %s, not a status",
                  protobuf_c_message_descriptor_get_field(&cjx__frame__descriptor, reply->msg_case)->name);
    } else {
        Cjx__HubStatus *st = reply->hub_status;
        st->request_id = 0; /* not part of the status: /status has none */
        if (as_json)
            cli_print_json(cjx_json_from_message(&st->base), 1);
        else
            print_status(st);
        rc = 0;
    }
    if (reply)
        cjx__frame__free_unpacked(reply, NULL);
    cli_link_close(&l);
    return rc;
}
