/* agent_config.h — the settings of one institution's agent.
 *
 * cjx-agent and the cjx tool read the same file: the tool needs the
 * institution's credit code, the outbox folder and the hub's address.
 */
#ifndef CJX_AGENT_CONFIG_H
#define CJX_AGENT_CONFIG_H

#include "config.h"
#include "protocol.pb-c.h"

#define CJX_MAX_SUBSCRIPTIONS 16

/* One [subscription NAME] section (NAME: 1 to 64 of [A-Za-z0-9_.-], once
 * per file): what the agent wants from the hub and where it puts it. Lists
 * are comma-separated as written in the file; an empty list filters on
 * nothing. */
typedef struct cjx_subscription_config {
    char name[CJX_CONF_STRMAX];          /* from the section header */
    char kinds[CJX_CONF_STRMAX];         /* job, internship, training_completion… */
    char clusters[CJX_CONF_STRMAX];      /* CLUSTER_INFORMATION_TECH or information_tech… */
    char divisions[CJX_CONF_STRMAX];     /* division code prefixes: 1404, 140403… */
    char majors[CJX_CONF_STRMAX];        /* major codes */
    char publishers[CJX_CONF_STRMAX];    /* credit codes */
    char sink_file[CJX_CONF_STRMAX];     /* append JSON lines here */
    char sink_command[CJX_CONF_STRMAX];  /* run per event, the event on stdin */
} cjx_subscription_config;

typedef struct cjx_agent_config {
    char credit_code[CJX_CONF_STRMAX];
    char name[CJX_CONF_STRMAX];
    char kind[CJX_CONF_STRMAX];          /* as written */
    int institution_kind;                /* InstitutionKind, from kind */
    char hub[CJX_CONF_STRMAX];
    char secret_key_file[CJX_CONF_STRMAX]; /* this institution's CURVE key pair */
    char hub_public_key[CJX_CONF_STRMAX];  /* Z85, or a .pub file */
    char data_dir[CJX_CONF_STRMAX];
    char catalog_dir[CJX_CONF_STRMAX];
    char log_level[CJX_CONF_STRMAX];
    long long window;
    long long heartbeat_ms;
    long long map_size_mb;
    long long feed_window;               /* unacknowledged events per subscription */
    long long search_burst_entries;      /* a replica batch this big: indexing waits; 0: never */
    char inbox_dir[CJX_CONF_STRMAX];     /* watched for exported files; "": none */
    char import_policy[CJX_CONF_STRMAX]; /* all_or_nothing or valid_rows */
    long long import_complete;           /* exports hold every open posting */
    long long import_withdraw_max_percent; /* complete exports withdraw at most this share */
    long long import_settle_ms;          /* written files are taken once still this long */
    char import_encoding[CJX_CONF_STRMAX]; /* auto, utf-8, gb18030 */
    char import_kind[CJX_CONF_STRMAX];   /* kind of files whose name says none */
    char import_mapping_dir[CJX_CONF_STRMAX]; /* "": <catalog_dir>/import */
    cjx_subscription_config subs[CJX_MAX_SUBSCRIPTIONS];
    size_t nsubs;
} cjx_agent_config;

extern const cjx_conf_key cjx_agent_config_keys[];
extern const cjx_conf_group cjx_agent_config_groups[];   /* [subscription NAME] */

/* Loads path (or only the defaults, and no subscriptions, when path is
 * NULL) and checks that the credit code is valid, that every
 * subscription has a sink and builds (cjx_subscription_build), and the
 * import settings (policy, encoding, kind); an empty import_mapping_dir
 * becomes <catalog_dir>/import. Returns
 * CJX_OK or CJX_ECONFIG/CJX_EIO/CJX_ENOMEM with f set; a subscription's
 * fault names it in f->field ("subscription jobs", "subscription jobs.kinds"). */
cjx_err cjx_agent_config_load(const char *path, cjx_agent_config *cfg, cjx_fault *f);

/* Fills *in (pointing into cfg) with the institution cfg describes, as a
 * Hello carries it for the registry. */
void cjx_agent_config_institution(const cjx_agent_config *cfg, Cjx__Institution *in);

/* The kind a credit code's registration authority and type suggest (GB
 * 32100: 9 market regulation, 1 government organs and public institutions,
 * 5 civil affairs): 91-93 enterprise, 11 bureau, 12 and 52 college; a
 * default for a configuration that does not say. 0 when none fits. */
int cjx_default_institution_kind(const char *code);

/* An InstitutionKind by name, whole or without "INSTITUTION_", in any case
 * ("college"). Returns 0, or -1 for anything else (and UNSPECIFIED). */
int cjx_institution_kind(const char *text, int *value);

/* Builds the wire Subscription for sc, checking every list entry (entries
 * are trimmed, empty ones skipped): known kinds; Cluster names, whole or
 * without "CLUSTER_", in any case, not CLUSTER_UNSPECIFIED; division code
 * prefixes of 2 to 6 digits; major codes of 6 digits and an optional K;
 * valid credit codes. Sinks are not checked. On success *out is a new
 * message the caller frees with cjx__subscription__free_unpacked(*out,
 * NULL); *out is written only on success. Returns CJX_OK, CJX_ENOMEM or
 * CJX_ECONFIG with "subscription NAME.key" in f->field and the entry and
 * why in f->text. */
cjx_err cjx_subscription_build(const cjx_subscription_config *sc, Cjx__Subscription **out,
                               cjx_fault *f);

#endif
