/* agent_config.h — the settings of one institution's agent.
 *
 * cjx-agent and the cjx tool read the same file: the tool needs the
 * institution's credit code, the outbox folder and the hub's address.
 */
#ifndef CJX_AGENT_CONFIG_H
#define CJX_AGENT_CONFIG_H

#include "config.h"

typedef struct cjx_agent_config {
    char credit_code[CJX_CONF_STRMAX];
    char name[CJX_CONF_STRMAX];
    char hub[CJX_CONF_STRMAX];
    char data_dir[CJX_CONF_STRMAX];
    char catalog_dir[CJX_CONF_STRMAX];
    char log_level[CJX_CONF_STRMAX];
    long long window;
    long long heartbeat_ms;
    long long map_size_mb;
} cjx_agent_config;

extern const cjx_conf_key cjx_agent_config_keys[];

/* Loads path (or only the defaults when path is NULL) and checks that the
 * credit code is valid. Returns CJX_OK or CJX_ECONFIG/CJX_EIO with f set. */
cjx_err cjx_agent_config_load(const char *path, cjx_agent_config *cfg, cjx_fault *f);

#endif
