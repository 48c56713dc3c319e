/* error.c — names and sentences for cjx_err, and the fault helper. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *text;
} errors[CJX_ERR_COUNT] = {
    [CJX_OK] = {"ok", "success"},
    [CJX_EMALFORMED] = {"malformed", "malformed input"},
    [CJX_ETOOBIG] = {"too_big", "message too large"},
    [CJX_EKIND] = {"kind", "unknown or missing kind"},
    [CJX_EREQUIRED] = {"required", "required field missing"},
    [CJX_ELENGTH] = {"length", "value too long"},
    [CJX_ERANGE] = {"range", "value out of range"},
    [CJX_ECHECKCHAR] = {"check_char", "wrong check character"},
    [CJX_ECODE] = {"code", "malformed code"},
    [CJX_EDIVISION] = {"division", "unknown division code"},
    [CJX_EMAJOR] = {"major", "major code not in the catalogue"},
    [CJX_EDATE] = {"date", "invalid date"},
    [CJX_EWORDING] = {"wording", "discriminatory wording"},
    [CJX_ENOSESSION] = {"no_session", "no session: send Hello first"},
    [CJX_EPROTOCOL] = {"protocol", "protocol error"},
    [CJX_EVERSION] = {"version", "version mismatch"},
    [CJX_ENOTFOUND] = {"not_found", "not found"},
    [CJX_ESTORE] = {"store", "store error"},
    [CJX_EIO] = {"io", "input/output error"},
    [CJX_ENOMEM] = {"nomem", "out of memory"},
    [CJX_ECONFIG] = {"config", "bad configuration"},
    [CJX_EINVAL] = {"invalid", "invalid argument"},
    [CJX_ETIMEOUT] = {"timeout", "timed out"},
    [CJX_EFIELD] = {"field", "unknown field"},
    [CJX_EFORBIDDEN] = {"forbidden", "not allowed for this institution"},
    [CJX_ELIMIT] = {"limit", "a limit of the hub was reached; retry later"},
};

const char *cjx_err_name(int err)
{
    if (err < 0 || err >= CJX_ERR_COUNT || !errors[err].name)
        return "unknown";
    return errors[err].name;
}

const char *cjx_strerror(int err)
{
    if (err < 0 || err >= CJX_ERR_COUNT || !errors[err].text)
        return "unknown error";
    return errors[err].text;
}

cjx_err cjx_fault_set(cjx_fault *f, cjx_err code, const char *field,
                      const char *fmt, ...)
{
    if (!f)
        return code;
    f->code = code;
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->text, sizeof f->text, fmt, ap);
    va_end(ap);
    return code;
}
