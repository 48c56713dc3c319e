/* metrics.c — the hub's status as Prometheus metrics (text exposition
 * format 0.0.4), for GET /metrics.
 *
 * Names follow Prometheus conventions: a cjx_ prefix, base units (seconds,
 * bytes), counters ending in _total; institutions are labelled by their
 * credit code (cjx_institution_info carries the name and kind). Rates are
 * for Prometheus to compute: rate(cjx_publish_total[1m]).
 */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub.h"
#include "utf8.h"

/* Writes s as a label value: UTF-8 (bytes that are not become '?'),
 * backslash, double quote and newline escaped. */
static void label_value(FILE *out, const char *text)
{
    char repaired[1024];
    cjx_utf8_repair(repaired, sizeof repaired, text);
    for (const char *s = repaired; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', out), fputc(*s, out);
        else if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* One sample: name{label="value",…} value; labels as name/value pairs,
 * NULL-terminated. */
static void sample(FILE *out, const char *name, double value, const char *const *labels)
{
    fputs(name, out);
    for (size_t i = 0; labels && labels[i]; i += 2) {
        fprintf(out, "%s%s=\"", i ? "," : "{", labels[i]);
        label_value(out, labels[i + 1]);
        fputc('"', out);
        if (!labels[i + 2])
            fputc('}', out);
    }
    fprintf(out, " %.15g\n", value);
}

static void scalar(FILE *out, const char *name, const char *type, const char *help, double v)
{
    family(out, name, type, help);
    sample(out, name, v, NULL);
}

/* A counter family from named rates, labelled label=name. */
static void named_counter(FILE *out, const char *name, const char *help, const char *label,
                          Cjx__NamedRate *const *rates, size_t n)
{
    family(out, name, "counter", help);
    for (size_t i = 0; i < n; i++)
        sample(out, name, (double)rates[i]->rate->total,
               (const char *const[]){label, rates[i]->name, NULL});
}

static uint64_t total_of(Cjx__NamedRate *const *rates, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rates[i]->name, name) == 0)
            return rates[i]->rate->total;
    return 0;
}

/* cjx_refused_total for every reason, 0 included: a series that appears
 * only at its first increment hides that increment from rate(). */
static void refusals(FILE *out, const Cjx__HubStatus *st)
{
    family(out, "cjx_refused_total", "counter", "Frames refused, by reason.");
    for (int r = 1; r < CJX_ERR_COUNT; r++)
        sample(out, "cjx_refused_total",
               (double)total_of(st->refused_by_reason, st->n_refused_by_reason, cjx_err_name(r)),
               (const char *const[]){"reason", cjx_err_name(r), NULL});
}

/* cjx_publish_total for every kind of posting and record, 0 included. */
static void publishes(FILE *out, const Cjx__HubStatus *st)
{
    family(out, "cjx_publish_total", "counter", "Items stored, by kind (duplicates not counted).");
    const ProtobufCMessageDescriptor *ds[] = {&cjx__posting__descriptor,
                                              &cjx__record__descriptor};
    for (size_t d = 0; d < 2; d++)
        for (unsigned i = 0; i < ds[d]->n_fields; i++)
            if (ds[d]->fields[i].flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
                sample(out, "cjx_publish_total",
                       (double)total_of(st->published_by_kind, st->n_published_by_kind,
                                        ds[d]->fields[i].name),
                       (const char *const[]){"kind", ds[d]->fields[i].name, NULL});
    sample(out, "cjx_publish_total",
           (double)total_of(st->published_by_kind, st->n_published_by_kind, "status_change"),
           (const char *const[]){"kind", "status_change", NULL});
}

static void institutions(FILE *out, const Cjx__HubStatus *st)
{
    family(out, "cjx_institution_info", "gauge",
           "An institution the hub knows (registry or activity): its name and kind.");
    for (size_t i = 0; i < st->n_institutions; i++) {
        const Cjx__InstitutionStatus *in = st->institutions[i];
        sample(out, "cjx_institution_info", 1,
               (const char *const[]){"institution", in->credit_code, "name", in->name,
                                     "kind", cjx_policy_kind_name(in->kind), NULL});
    }
    family(out, "cjx_institution_connected", "gauge",
           "1 while a session of the institution is open.");
    for (size_t i = 0; i < st->n_institutions; i++)
        sample(out, "cjx_institution_connected", st->institutions[i]->connected,
               (const char *const[]){"institution", st->institutions[i]->credit_code, NULL});
    family(out, "cjx_institution_last_seen_timestamp_seconds", "gauge",
           "When the institution was last heard from, Unix time (since the hub started).");
    for (size_t i = 0; i < st->n_institutions; i++)
        if (st->institutions[i]->last_seen_ms)
            sample(out, "cjx_institution_last_seen_timestamp_seconds",
                   (double)st->institutions[i]->last_seen_ms / 1000,
                   (const char *const[]){"institution", st->institutions[i]->credit_code, NULL});
    family(out, "cjx_agent_outbox_backlog", "gauge",
           "Items the institution's agent holds that the hub has not acknowledged yet.");
    for (size_t i = 0; i < st->n_institutions; i++)
        sample(out, "cjx_agent_outbox_backlog", (double)st->institutions[i]->outbox_backlog,
               (const char *const[]){"institution", st->institutions[i]->credit_code, NULL});
    family(out, "cjx_subscriber_lag", "gauge",
           "Log entries after what the subscription has acknowledged.");
    for (size_t i = 0; i < st->n_institutions; i++)
        for (size_t j = 0; j < st->institutions[i]->n_subscriptions; j++)
            sample(out, "cjx_subscriber_lag", (double)st->institutions[i]->subscriptions[j]->lag,
                   (const char *const[]){"institution", st->institutions[i]->credit_code,
                                         "subscription",
                                         st->institutions[i]->subscriptions[j]->name, NULL});
}

char *cjx_hub_metrics(const Cjx__HubStatus *st)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return NULL;
    family(out, "cjx_hub_info", "gauge", "The hub's version.");
    sample(out, "cjx_hub_info", 1, (const char *const[]){"version", st->version, NULL});
    scalar(out, "cjx_hub_start_time_seconds", "gauge", "When the hub started, Unix time.",
           (double)st->started_ms / 1000);
    scalar(out, "cjx_sessions", "gauge", "Sessions open now.", st->sessions);

    publishes(out, st);
    scalar(out, "cjx_duplicates_total", "counter",
           "Publishes of items already stored, acknowledged again.", (double)st->duplicates);
    scalar(out, "cjx_batches_total", "counter", "Batches applied (one LMDB sync each).",
           (double)st->batches);
    scalar(out, "cjx_prevalidated_total", "counter",
           "Publishes whose items were found valid beside the loop, while it committed "
           "(not validated again).",
           (double)st->prevalidated);
    scalar(out, "cjx_delivered_total", "counter", "Feed events sent to subscribers.",
           (double)(st->delivered ? st->delivered->total : 0));
    scalar(out, "cjx_expired_total", "counter", "Postings closed at their valid_until.",
           (double)st->expired);
    refusals(out, st);
    named_counter(out, "cjx_institution_refused_total", "Frames refused, by institution.",
                  "institution", st->refused_by_institution, st->n_refused_by_institution);

    institutions(out, st);

    const Cjx__StoreStatus *s = st->store;
    scalar(out, "cjx_store_file_bytes", "gauge", "Size of the store's data.mdb.",
           s ? (double)s->file_bytes : 0);
    scalar(out, "cjx_store_disk_free_bytes", "gauge",
           "Disk free under the store's folder; below disk_reserve_mb publishes are refused.",
           s ? (double)s->disk_free_bytes : 0);
    scalar(out, "cjx_store_map_bytes", "gauge", "The store's map size: the most it may grow to.",
           s ? (double)s->map_bytes : 0);
    scalar(out, "cjx_store_used_bytes", "gauge",
           "How far into its map the store has grown (LMDB's last page; free pages included).",
           s ? (double)s->used_bytes : 0);
    scalar(out, "cjx_log_entries", "gauge", "Entries in the log.", s ? (double)s->log_entries : 0);
    scalar(out, "cjx_search_file_bytes", "gauge", "Size of the search index's data.mdb.",
           s ? (double)s->search_file_bytes : 0);
    scalar(out, "cjx_search_lag", "gauge",
           "Log entries committed and not yet in the search index.",
           s && s->newest_seq > s->search_indexed_seq
               ? (double)(s->newest_seq - s->search_indexed_seq) : 0);
    scalar(out, "cjx_search_deferred_total", "counter",
           "Times indexing waited for a burst of publishes to end.",
           s ? (double)s->search_deferred : 0);
    scalar(out, "cjx_log_oldest_seq", "gauge", "The oldest sequence in the log.",
           s ? (double)s->oldest_seq : 0);
    scalar(out, "cjx_log_newest_seq", "gauge", "The newest sequence in the log.",
           s ? (double)s->newest_seq : 0);

    static const char *const alert_names[] = {"agent_silent", "subscriber_lag", "map_full",
                                              "disk_low"};
    family(out, "cjx_alerts", "gauge", "Alerts raised now, by name (see /status for the text).");
    for (size_t a = 0; a < sizeof alert_names / sizeof alert_names[0]; a++) {
        size_t n = 0;
        for (size_t i = 0; i < st->n_alerts; i++)
            n += strcmp(st->alerts[i]->name, alert_names[a]) == 0;
        sample(out, "cjx_alerts", (double)n, (const char *const[]){"name", alert_names[a], NULL});
    }
    if (fclose(out) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
