/* import_env.c — what an agent's configuration gives every import: the
 * catalogues, the pseudonym key, the mapping folder, the encoding and the
 * policy (see import.h). Shared by cjx-agent's inbox and `cjx import`. */
#include <sodium.h>
#include <string.h>

#include "agent_config.h"
#include "import.h"

cjx_err cjx_import_env_open(cjx_import_env *env, const cjx_agent_config *cfg, cjx_outbox *ob,
                            cjx_fault *f)
{
    memset(env, 0, sizeof *env);
    cjx_err rc = cjx_validator_open(&env->validator, cfg->catalog_dir, f);
    if (rc != CJX_OK)
        return rc;
    rc = cjx_outbox_pseudonym_key(ob, env->pseudonym_key, f);
    if (rc != CJX_OK) {
        cjx_validator_close(&env->validator);
        return rc;
    }
    cjx_import_options *o = &env->options;
    o->mapping_dir = cfg->import_mapping_dir;
    o->default_kind = cfg->import_kind;
    o->validator = &env->validator;
    o->credit_code = cfg->credit_code;
    o->pseudonym_key = env->pseudonym_key;
    cjx_encoding_by_name(cfg->import_encoding, &o->encoding); /* checked at load */
    env->policy.valid_rows = strcmp(cfg->import_policy, "valid_rows") == 0;
    env->policy.complete = cfg->import_complete != 0;
    env->policy.withdraw_max_percent = (int)cfg->import_withdraw_max_percent;
    return CJX_OK;
}

void cjx_import_env_close(cjx_import_env *env)
{
    cjx_validator_close(&env->validator);
    sodium_memzero(env->pseudonym_key, sizeof env->pseudonym_key);
}
