/* agent_config.c — the agent's configuration keys (see agent_config.h). */
#include "agent_config.h"

#include <stddef.h>

#include "codes.h"

#define KEY(name, type, min, max, def, field, help) \
    {"agent", name, type, min, max, def, offsetof(cjx_agent_config, field), help}

const cjx_conf_key cjx_agent_config_keys[] = {
    KEY("credit_code", CJX_CONF_STR, 0, 0, "", credit_code,
        "unified social credit code of the institution this agent speaks for"),
    KEY("name", CJX_CONF_STR, 0, 0, "", name, "the institution's name, for logs"),
    KEY("hub", CJX_CONF_STR, 0, 0, "tcp://127.0.0.1:7450", hub, "the hub's ZeroMQ endpoint"),
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
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

cjx_err cjx_agent_config_load(const char *path, cjx_agent_config *cfg, cjx_fault *f)
{
    if (!path) {
        cjx_config_defaults(cjx_agent_config_keys, cfg);
        return cjx_fault_set(f, CJX_ECONFIG, "credit_code",
                             "no agent configuration: give -c FILE or set CJX_CONFIG");
    }
    cjx_err rc = cjx_config_load(path, cjx_agent_config_keys, cfg, f);
    if (rc)
        return rc;
    rc = cjx_code_uscc(cfg->credit_code);
    if (rc)
        return cjx_fault_set(f, CJX_ECONFIG, "credit_code",
                             "%s: credit_code \"%s\": %s", path, cfg->credit_code,
                             cjx_strerror(rc));
    return CJX_OK;
}
