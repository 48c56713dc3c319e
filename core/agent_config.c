/* agent_config.c — the agent's configuration keys, its [subscription NAME]
 * sections, and the wire Subscription built from one (see agent_config.h). */
#include "agent_config.h"

#include <assert.h>
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codes.h"
#include "filter.h"
#include "import_csv.h"

#define KEY(name, type, min, max, def, field, help) \
    {"agent", name, type, min, max, def, offsetof(cjx_agent_config, field), help}

const cjx_conf_key cjx_agent_config_keys[] = {
    KEY("credit_code", CJX_CONF_STR, 0, 0, "", credit_code,
        "unified social credit code of the institution this agent speaks for"),
    KEY("name", CJX_CONF_STR, 0, 0, "", name, "the institution's name, for the registry and logs"),
    KEY("kind", CJX_CONF_STR, 0, 0, "", kind,
        "college, school, enterprise, bureau or vocational_group, for the registry; "
        "empty: from the credit code (91-93 enterprise, 11 bureau, 12 and 52 college)"),
    KEY("hub", CJX_CONF_STR, 0, 0, "tcp://127.0.0.1:7450", hub, "the hub's ZeroMQ endpoint"),
    KEY("secret_key_file", CJX_CONF_STR, 0, 0, "", secret_key_file,
        "this institution's CURVE key pair (cjx keygen); empty: plain, for a loopback hub"),
    KEY("hub_public_key", CJX_CONF_STR, 0, 0, "", hub_public_key,
        "the hub's public key: 40 characters of Z85, or its .pub file"),
    KEY("data_dir", CJX_CONF_STR, 0, 0, "/var/lib/cjx/agent", data_dir,
        "folder of the agent's LMDB store (the outbox)"),
    KEY("catalog_dir", CJX_CONF_STR, 0, 0, CJX_CONFIG_DIR, catalog_dir,
        "folder holding majors.csv and divisions.csv"),
    KEY("log_level", CJX_CONF_STR, 0, 0, "info", log_level,
        "debug, info, notice, warning or err"),
    KEY("window", CJX_CONF_INT, 1, 65536, "4096", window,
        "most publishes in flight (sent, not yet acknowledged)"),
    KEY("heartbeat_ms", CJX_CONF_INT, 50, 60000, "1000", heartbeat_ms,
        "heartbeat interval until the hub says its own"),
    KEY("map_size_mb", CJX_CONF_INT, 1, 1 << 20, "1024", map_size_mb,
        "largest size the outbox may grow to, MiB"),
    KEY("feed_window", CJX_CONF_INT, 1, 4096, "4096", feed_window,
        "most events of one subscription delivered and not yet acknowledged"),
    KEY("search_burst_entries", CJX_CONF_INT, 0, 1 << 30, "256", search_burst_entries,
        "this many events applied to the replica at once are a burst: its search index "
        "waits while they come (5 s at most; a local search indexes them first); 0: never"),
    KEY("inbox_dir", CJX_CONF_STR, 0, 0, "", inbox_dir,
        "folder watched for exported files (CSV, JSON Lines, JSON) to import; done/, "
        "failed/ and .work/ are made inside it; empty: no inbox"),
    KEY("import_policy", CJX_CONF_STR, 0, 0, "all_or_nothing", import_policy,
        "a file with refused rows: all_or_nothing stores none of it, valid_rows stores "
        "its valid rows; either way it goes to failed/ with NAME.errors.csv"),
    KEY("import_complete", CJX_CONF_INT, 0, 1, "0", import_complete,
        "1: each file holds every open posting of its kind, so postings an earlier "
        "file of that kind imported and this one lacks are withdrawn"),
    KEY("import_withdraw_max_percent", CJX_CONF_INT, 1, 100, "50", import_withdraw_max_percent,
        "a complete export that would withdraw more than this share of its kind's imported "
        "postings (or holds no row) withdraws none, and says so"),
    KEY("import_settle_ms", CJX_CONF_INT, 0, 600000, "2000", import_settle_ms,
        "a file written in the inbox (not renamed in) is imported once its size and time "
        "have not changed for this long, ms"),
    KEY("import_encoding", CJX_CONF_STR, 0, 0, "auto", import_encoding,
        "auto (a BOM or valid UTF-8 is UTF-8, else GB18030), utf-8 or gb18030"),
    KEY("import_kind", CJX_CONF_STR, 0, 0, "", import_kind,
        "kind of the files whose name does not start with one (job.csv, 招聘岗位-3月.csv)"),
    KEY("import_mapping_dir", CJX_CONF_STR, 0, 0, "", import_mapping_dir,
        "folder of the column mappings, KIND.ini; empty: the import folder of catalog_dir"),
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

#define SUB_SECTION "subscription"

#define SUB_KEY(name, field, help) \
    {SUB_SECTION, name, CJX_CONF_STR, 0, 0, "", offsetof(cjx_subscription_config, field), help}

static const cjx_conf_key subscription_keys[] = {
    SUB_KEY("kinds", kinds, "kinds of item, comma-separated: job, internship…"),
    SUB_KEY("clusters", clusters, "industry clusters: information_tech, semiconductor_opto…"),
    SUB_KEY("divisions", divisions, "division code prefixes of 2 to 6 digits: 1404, 140403…"),
    SUB_KEY("majors", majors, "major codes: 510101, 520101K…"),
    SUB_KEY("publishers", publishers, "credit codes of the publishing institutions"),
    SUB_KEY("sink_file", sink_file, "file the events are appended to, one JSON line each"),
    SUB_KEY("sink_command", sink_command, "command run for each event, the event on stdin"),
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

const cjx_conf_group cjx_agent_config_groups[] = {
    {SUB_SECTION, subscription_keys, sizeof(cjx_subscription_config), CJX_MAX_SUBSCRIPTIONS,
     offsetof(cjx_agent_config, subs), offsetof(cjx_agent_config, nsubs),
     offsetof(cjx_subscription_config, name)},
    {NULL, NULL, 0, 0, 0, 0, 0},
};

/* ---- checks of one list entry: NULL when good, else why not ---- */

static const char *check_kind(const char *entry, int *value)
{
    (void)value;
    return cjx_kind_is_known(entry) ? NULL : "not a kind of posting or record";
}

/* Finds a value of enum d other than 0 by its name, whole or without the
 * prefix, in any case ("information_tech" for CLUSTER_INFORMATION_TECH).
 * Returns 0 when found. */
static int enum_by_name(const ProtobufCEnumDescriptor *d, const char *prefix, const char *entry,
                        int *value)
{
    size_t plen = strlen(prefix);
    for (unsigned i = 0; i < d->n_values; i++) {
        const char *name = d->values[i].name;
        if (d->values[i].value == 0)
            continue;
        if (strcasecmp(entry, name) == 0 ||
            (strncmp(name, prefix, plen) == 0 && strcasecmp(entry, name + plen) == 0)) {
            *value = d->values[i].value;
            return 0;
        }
    }
    return -1;
}

void cjx_agent_config_institution(const cjx_agent_config *cfg, Cjx__Institution *in)
{
    cjx__institution__init(in);
    in->credit_code = (char *)cfg->credit_code;
    in->name = (char *)cfg->name;
    in->kind = (Cjx__InstitutionKind)cfg->institution_kind;
}

int cjx_default_institution_kind(const char *code)
{
    if (code[0] == '9' && code[1] >= '1' && code[1] <= '3')
        return CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE;
    if (code[0] == '1' && code[1] == '1')
        return CJX__INSTITUTION_KIND__INSTITUTION_BUREAU;
    if ((code[0] == '1' || code[0] == '5') && code[1] == '2')
        return CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE;
    return CJX__INSTITUTION_KIND__INSTITUTION_UNSPECIFIED;
}

int cjx_institution_kind(const char *text, int *value)
{
    return enum_by_name(&cjx__institution_kind__descriptor, "INSTITUTION_", text, value);
}

static const char *check_cluster(const char *entry, int *value)
{
    return enum_by_name(&cjx__cluster__descriptor, "CLUSTER_", entry, value) ? "not a cluster"
                                                                             : NULL;
}

/* True when s is min to max digits. */
static int digits(const char *s, size_t min, size_t max)
{
    size_t n = strspn(s, "0123456789");
    return s[n] == '\0' && n >= min && n <= max;
}

static const char *check_division(const char *entry, int *value)
{
    (void)value;
    return digits(entry, 2, 6) ? NULL : "not a division code prefix of 2 to 6 digits";
}

static const char *check_major(const char *entry, int *value)
{
    (void)value;
    char code[8];
    size_t len = strlen(entry);
    if (len == 7 && entry[6] == 'K') { /* a major set up under state control */
        memcpy(code, entry, 6);
        code[6] = '\0';
        entry = code;
    }
    return digits(entry, 6, 6) ? NULL : "not a major code of 6 digits and an optional K";
}

static const char *check_publisher(const char *entry, int *value)
{
    (void)value;
    cjx_err rc = cjx_code_uscc(entry);
    return rc == CJX_OK ? NULL : cjx_strerror(rc);
}

/* A subscription's lists: the key (in the file and in
 * cjx_subscription_config), the repeated field of Cjx__Subscription it
 * fills, and the check of one entry (which writes an enum field's value). */
static const struct list {
    const char *key;
    size_t offset;
    const char *field;
    const char *(*check)(const char *entry, int *value);
} lists[] = {
    {"kinds", offsetof(cjx_subscription_config, kinds), "kinds", check_kind},
    {"clusters", offsetof(cjx_subscription_config, clusters), "clusters", check_cluster},
    {"divisions", offsetof(cjx_subscription_config, divisions), "division_codes",
     check_division},
    {"majors", offsetof(cjx_subscription_config, majors), "major_codes", check_major},
    {"publishers", offsetof(cjx_subscription_config, publishers), "publishers",
     check_publisher},
};

/* Splits the comma-separated text of l in sc into sub's repeated field,
 * trimming blanks and skipping empty entries. Entries go in as they pass, so
 * on failure sub holds what was added and is still freed whole by
 * cjx__subscription__free_unpacked. Returns CJX_OK, CJX_ENOMEM or
 * CJX_ECONFIG naming the entry. */
static cjx_err fill_list(const cjx_subscription_config *sc, const struct list *l,
                         Cjx__Subscription *sub, cjx_fault *f)
{
    const ProtobufCFieldDescriptor *fd =
        protobuf_c_message_descriptor_get_field_by_name(&cjx__subscription__descriptor,
                                                        l->field);
    assert(fd && fd->label == PROTOBUF_C_LABEL_REPEATED &&
           (fd->type == PROTOBUF_C_TYPE_STRING || fd->type == PROTOBUF_C_TYPE_ENUM));
    size_t *n = (size_t *)((char *)sub + fd->quantifier_offset);
    void **array = (void **)((char *)sub + fd->offset);
    const char *text = (const char *)sc + l->offset;
    size_t most = 1;
    for (const char *p = text; *p; p++)
        most += *p == ',';
    for (const char *p = text;; p++) {
        const char *start = p, *end = p + strcspn(p, ",");
        p = end;
        while (start < end && isspace((unsigned char)*start))
            start++;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        if (end > start) {
            char entry[CJX_CONF_STRMAX];
            snprintf(entry, sizeof entry, "%.*s", (int)(end - start), start);
            int value = 0;
            const char *why = l->check(entry, &value);
            if (why) {
                char field[sizeof f->field];
                snprintf(field, sizeof field, SUB_SECTION " %.64s.%s", sc->name, l->key);
                return cjx_fault_set(f, CJX_ECONFIG, field, "[" SUB_SECTION " %s] %s: \"%.64s\": %s",
                                     sc->name, l->key, entry, why);
            }
            if (!*array && !(*array = calloc(most, fd->type == PROTOBUF_C_TYPE_ENUM
                                                       ? sizeof(int) : sizeof(char *))))
                return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
            if (fd->type == PROTOBUF_C_TYPE_ENUM) {
                ((int *)*array)[(*n)++] = value;
            } else {
                char *copy = strdup(entry);
                if (!copy)
                    return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
                ((char **)*array)[(*n)++] = copy;
            }
        }
        if (!*p)
            return CJX_OK;
    }
}

cjx_err cjx_subscription_build(const cjx_subscription_config *sc, Cjx__Subscription **out,
                               cjx_fault *f)
{
    Cjx__Subscription *sub = malloc(sizeof *sub);
    if (!sub)
        return cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    cjx__subscription__init(sub);
    cjx_err rc = CJX_OK;
    if (sc->name[0] && !(sub->name = strdup(sc->name)))
        rc = cjx_fault_set(f, CJX_ENOMEM, "", "out of memory");
    for (size_t i = 0; rc == CJX_OK && i < sizeof lists / sizeof lists[0]; i++)
        rc = fill_list(sc, &lists[i], sub, f);
    if (rc != CJX_OK) {
        cjx__subscription__free_unpacked(sub, NULL);
        return rc;
    }
    *out = sub;
    return CJX_OK;
}

/* Checks one loaded subscription: it has a sink and its lists build.
 * Returns CJX_OK, CJX_ENOMEM or CJX_ECONFIG with "path: reason" in f. */
static cjx_err check_subscription(const char *path, const cjx_subscription_config *sc,
                                  cjx_fault *f)
{
    if (!sc->sink_file[0] && !sc->sink_command[0]) {
        char section[sizeof f->field];
        snprintf(section, sizeof section, SUB_SECTION " %.64s", sc->name);
        return cjx_fault_set(f, CJX_ECONFIG, section,
                             "%s: [%s] has no sink: give sink_file or sink_command", path,
                             section);
    }
    Cjx__Subscription *sub = NULL;
    cjx_err rc = cjx_subscription_build(sc, &sub, f);
    if (rc == CJX_OK) {
        cjx__subscription__free_unpacked(sub, NULL);
        return CJX_OK;
    }
    /* f's text and field are copied out first: they are also where the
     * result goes */
    char why[sizeof f->text], field[sizeof f->field];
    snprintf(why, sizeof why, "%s", f->text);
    snprintf(field, sizeof field, "%s", f->field);
    return cjx_fault_set(f, rc, field, "%s: %s", path, why);
}

/* Checks the import settings and fills in the mapping folder. */
static cjx_err check_import(const char *path, cjx_agent_config *cfg, cjx_fault *f)
{
    cjx_encoding enc;
    if (strcmp(cfg->import_policy, "all_or_nothing") && strcmp(cfg->import_policy, "valid_rows"))
        return cjx_fault_set(f, CJX_ECONFIG, "import_policy",
                             "%s: import_policy \"%s\": not all_or_nothing or valid_rows", path,
                             cfg->import_policy);
    if (cjx_encoding_by_name(cfg->import_encoding, &enc))
        return cjx_fault_set(f, CJX_ECONFIG, "import_encoding",
                             "%s: import_encoding \"%s\": not auto, utf-8 or gb18030", path,
                             cfg->import_encoding);
    if (cfg->import_kind[0] && !cjx_kind_is_known(cfg->import_kind))
        return cjx_fault_set(f, CJX_ECONFIG, "import_kind",
                             "%s: import_kind \"%s\": not a kind of posting or record", path,
                             cfg->import_kind);
    if (!cfg->import_mapping_dir[0] &&
        snprintf(cfg->import_mapping_dir, sizeof cfg->import_mapping_dir, "%s/import",
                 cfg->catalog_dir) >= (int)sizeof cfg->import_mapping_dir)
        return cjx_fault_set(f, CJX_ECONFIG, "catalog_dir", "%s: catalog_dir is too long", path);
    return CJX_OK;
}

cjx_err cjx_agent_config_load(const char *path, cjx_agent_config *cfg, cjx_fault *f)
{
    if (!path) {
        cjx_config_defaults(cjx_agent_config_keys, cfg);
        cfg->nsubs = 0;
        return cjx_fault_set(f, CJX_ECONFIG, "credit_code",
                             "no agent configuration: give -c FILE or set CJX_CONFIG");
    }
    cjx_err rc = cjx_config_load_groups(path, cjx_agent_config_keys, cjx_agent_config_groups, cfg, f);
    if (rc)
        return rc;
    rc = cjx_code_uscc(cfg->credit_code);
    if (rc)
        return cjx_fault_set(f, CJX_ECONFIG, "credit_code",
                             "%s: credit_code \"%s\": %s", path, cfg->credit_code,
                             cjx_strerror(rc));
    cfg->institution_kind = cjx_default_institution_kind(cfg->credit_code);
    if (cfg->kind[0] && cjx_institution_kind(cfg->kind, &cfg->institution_kind))
        return cjx_fault_set(f, CJX_ECONFIG, "kind",
                             "%s: kind \"%s\": not college, school, enterprise, bureau or "
                             "vocational_group", path, cfg->kind);
    for (size_t i = 0; i < cfg->nsubs; i++) {
        rc = check_subscription(path, &cfg->subs[i], f);
        if (rc)
            return rc;
    }
    return check_import(path, cfg, f);
}
