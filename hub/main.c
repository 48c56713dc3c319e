/* main.c — cjx-hub: command line, configuration, signals. */
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "hub.h"
#include "log.h"

#define KEY(name, type, min, max, def, field, help) \
    {"hub", name, type, min, max, def, offsetof(cjx_hub_config, field), help}

const cjx_conf_key cjx_hub_config_keys[] = {
    KEY("listen", CJX_CONF_STR, 0, 0, "tcp://127.0.0.1:7450", listen,
        "ZeroMQ endpoint agents connect to"),
    KEY("data_dir", CJX_CONF_STR, 0, 0, "/var/lib/cjx/hub", data_dir,
        "folder of the hub's LMDB store"),
    KEY("catalog_dir", CJX_CONF_STR, 0, 0, CJX_CONFIG_DIR, catalog_dir,
        "folder holding majors.csv and divisions.csv"),
    KEY("log_level", CJX_CONF_STR, 0, 0, "info", log_level,
        "debug, info, notice, warning or err"),
    KEY("map_size_mb", CJX_CONF_INT, 16, 1 << 24, "4096", map_size_mb,
        "largest size the store may grow to, MiB"),
    KEY("batch_max", CJX_CONF_INT, 1, 1 << 20, "4096", batch_max,
        "most frames applied in one transaction (one sync)"),
    KEY("search_burst_entries", CJX_CONF_INT, 0, 1 << 30, "256", search_burst_entries,
        "a batch of this many log entries is a burst of publishes: the search index waits "
        "while they come (5 s at most) unless a search needs it; 0: it never waits"),
    KEY("max_frame_bytes", CJX_CONF_INT, 1024, 16 << 20, "262144", max_frame_bytes,
        "largest frame accepted; larger ones are refused with too_big"),
    KEY("heartbeat_ms", CJX_CONF_INT, 50, 60000, "1000", heartbeat_ms,
        "heartbeat interval; a peer silent for 3 intervals is dropped"),
    KEY("secret_key_file", CJX_CONF_STR, 0, 0, "", secret_key_file,
        "the hub's CURVE key pair (cjx keygen hub); without it, plain ZeroMQ on loopback only"),
    KEY("operators", CJX_CONF_STR, 0, 0, "", operators,
        "operators' public keys (Z85 or .pub files), comma-separated: they run cjx institution"),
    KEY("publish_rate", CJX_CONF_INT, 0, 1 << 30, "0", publish_rate,
        "publishes a second one institution may send; 0: no limit; over it: refused as limit, resent"),
    KEY("publish_burst", CJX_CONF_INT, 1, 1 << 30, "10000", publish_burst,
        "publishes an institution may send at once before publish_rate applies"),
    KEY("max_sessions", CJX_CONF_INT, 1, 1 << 24, "10000", max_sessions,
        "sessions the hub keeps at once"),
    KEY("max_sessions_per_institution", CJX_CONF_INT, 1, 1 << 16, "32",
        max_sessions_per_institution, "sessions one institution may have at once"),
    KEY("disk_reserve_mb", CJX_CONF_INT, 0, 1 << 30, "256", disk_reserve_mb,
        "with less disk free than this under data_dir (MiB), publishes are refused as limit "
        "and resent later, and the alert disk_low is raised"),
    KEY("http_listen", CJX_CONF_STR, 0, 0, "127.0.0.1:7451", http_listen,
        "HOST:PORT of the HTTP listener (/metrics, /status, /healthz, the dashboard at /); "
        "port 0: any free one; empty: none"),
    KEY("alert_silent_s", CJX_CONF_INT, 1, 1 << 30, "300", alert_silent_s,
        "an institution heard from and then silent this many seconds is an alert"),
    KEY("alert_lag", CJX_CONF_INT, 1, 1 << 30, "10000", alert_lag,
        "a subscription this many log entries behind is an alert"),
    KEY("alert_map_percent", CJX_CONF_INT, 1, 100, "80", alert_map_percent,
        "the store's map this full (percent) is an alert"),
    KEY("report_min_cell", CJX_CONF_INT, 1, 1000, "5", report_min_cell,
        "reports: counts of people under this are shown as <N, and what derives from them as -"),
    KEY("report_warn_high_pct", CJX_CONF_INT, 1, 1000000, "150", report_warn_high_pct,
        "supply-demand: demand over this percentage of supply is flagged as a shortage"),
    KEY("report_warn_low_pct", CJX_CONF_INT, 0, 1000000, "50", report_warn_low_pct,
        "supply-demand: demand under this percentage of supply is flagged as a surplus"),
    KEY("debug_lose_events", CJX_CONF_INT, 0, 1 << 30, "0", debug_lose_events,
        "for tests of gap repair only: every Nth feed event is not sent, as if lost; 0: none"),
    KEY("debug_search_delay_ms", CJX_CONF_INT, 0, 3600000, "0", debug_search_delay_ms,
        "for tests of the search index only: committed entries wait this long to be indexed "
        "(a search waits for them at most 2 s); 0: none"),
    KEY("debug_fail_audited_commits", CJX_CONF_INT, 0, 1 << 30, "0", debug_fail_audited_commits,
        "for tests of the audit only: the first N batches that write audit rows fail to commit, "
        "as if the disk had; 0: none"),
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

/* The [hub] keys and the policy's [publish] and [read] keys, as one table. */
static const cjx_conf_key *all_keys(void)
{
    static cjx_conf_key keys[64];
    if (!keys[0].name) {
        size_t n = 0;
        for (const cjx_conf_key *k = cjx_hub_config_keys; k->name && n < 63; k++)
            keys[n++] = *k;
        for (const cjx_conf_key *k = cjx_hub_policy_keys; k->name && n < 63; k++)
            keys[n++] = *k;
    }
    return keys;
}

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx-hub [-c FILE] [-l ENDPOINT] [-d DIR] [-v]\n"
            "       cjx-hub [-c FILE] [-d DIR] --reindex\n"
            "       cjx-hub --print-config\n"
            "\n"
            "The central hub of cjx: takes publishes from agents, stores them\n"
            "durably in LMDB and acknowledges only after sync.\n"
            "\n"
            "  -c, --config FILE    configuration file (INI, section [hub])\n"
            "  -l, --listen EP      ZeroMQ endpoint, overrides the config\n"
            "  -d, --data-dir DIR   store folder, overrides the config\n"
            "  -v, --verbose        log at debug level\n"
            "      --reindex        rebuild the search index from the store, then stop\n"
            "                       (with the hub stopped)\n"
            "      --print-config   print every setting with its default and exit\n"
            "  -h, --help           this text\n"
            "      --version        print the version\n");
}

int main(int argc, char **argv)
{
    cjx_frames_in_heap(32 << 20); /* the feeds' frames of a pump, queued for many agents */
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"listen", required_argument, NULL, 'l'},
        {"data-dir", required_argument, NULL, 'd'},
        {"verbose", no_argument, NULL, 'v'},
        {"print-config", no_argument, NULL, 'P'},
        {"reindex", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *listen = NULL, *data_dir = NULL;
    int verbose = 0, reindex = 0, c;
    while ((c = getopt_long(argc, argv, "c:l:d:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'l': listen = optarg; break;
        case 'd': data_dir = optarg; break;
        case 'v': verbose = 1; break;
        case 'R': reindex = 1; break;
        case 'P': cjx_config_print_help(all_keys(), NULL, stdout); return 0;
        case 'h': usage(stdout); return 0;
        case 'V': printf("cjx-hub %s\n", CJX_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    static cjx_hub hub;
    cjx_fault fault = {0};
    if (config) {
        if (cjx_config_load(config, all_keys(), &hub.cfg, &fault) != CJX_OK) {
            fprintf(stderr, "cjx-hub: %s\n", fault.text);
            return 2;
        }
    } else {
        cjx_config_defaults(all_keys(), &hub.cfg);
    }
    if (listen)
        snprintf(hub.cfg.listen, sizeof hub.cfg.listen, "%s", listen);
    if (data_dir)
        snprintf(hub.cfg.data_dir, sizeof hub.cfg.data_dir, "%s", data_dir);
    if (cjx_log_setup("hub", hub.cfg.log_level, verbose) != 0)
        return 2;

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int rc = 1;
    hub.reindex_only = reindex;
    if (cjx_hub_open(&hub, &fault) != CJX_OK)
        fprintf(stderr, "cjx-hub: %s%s%s\n", fault.field[0] ? fault.field : "",
                fault.field[0] ? ": " : "", fault.text);
    else
        rc = reindex ? 0 : cjx_hub_run(&hub, &stop_flag);
    cjx_hub_close(&hub);
    return rc;
}
