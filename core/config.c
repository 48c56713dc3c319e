/* config.c — table-driven INI loading on top of inih (see config.h). */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

/* inih reads each line into a buffer of INI_MAX_LINE bytes (200 in Debian's
 * build) and parses the rest of a longer line as if it were the next line:
 * errors then name the wrong line, and the tail of a long value can even be
 * taken for a key. So lines are read here: one that does not fit is handed
 * to inih as "[", which it refuses, and its number is noted. */
struct reader {
    FILE *fp;
    int line;          /* lines read so far */
    int too_long;      /* the first line that did not fit, or 0 */
    int longest;       /* the longest line that fits, in bytes */
};

static char *read_line(char *buf, int size, void *stream)
{
    struct reader *r = stream;
    if (!fgets(buf, size, r->fp))
        return NULL;
    r->line++;
    r->longest = size - 1;
    size_t len = strlen(buf);
    if ((int)len < size - 1 || buf[len - 1] == '\n')
        return buf;
    int c = getc(r->fp);
    if (c == '\n' || c == EOF)
        return buf; /* it just fits */
    while (c != '\n' && c != EOF)
        c = getc(r->fp);
    if (!r->too_long)
        r->too_long = r->line;
    return strcpy(buf, "[");
}

struct load_ctx {
    const cjx_conf_key *keys;
    void *target;
    const char *path;
    cjx_fault *fault;
    cjx_err rc;
    int line;                   /* the line that set rc */
    const struct reader *reader;
};

/* Stores text as the value of key k. Returns CJX_OK or CJX_ECONFIG with a
 * reason in f. */
static cjx_err set_value(const cjx_conf_key *k, void *target, const char *text,
                         cjx_fault *f)
{
    char *slot = (char *)target + k->offset;
    if (k->type == CJX_CONF_STR) {
        if (strlen(text) >= CJX_CONF_STRMAX)
            return cjx_fault_set(f, CJX_ECONFIG, k->name,
                                 "value longer than %d bytes", CJX_CONF_STRMAX - 1);
        strcpy(slot, text);
        return CJX_OK;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return cjx_fault_set(f, CJX_ECONFIG, k->name, "\"%s\" is not an integer", text);
    if (v < k->min || v > k->max)
        return cjx_fault_set(f, CJX_ECONFIG, k->name, "%lld is outside %lld..%lld",
                             v, k->min, k->max);
    memcpy(slot, &v, sizeof v);
    return CJX_OK;
}

void cjx_config_defaults(const cjx_conf_key *keys, void *target)
{
    for (const cjx_conf_key *k = keys; k->name; k++) {
        cjx_fault ignored;
        cjx_err rc = set_value(k, target, k->def, &ignored);
        (void)rc; /* defaults are ours; a bad one is caught by the unit test */
    }
}

static int on_entry(void *user, const char *section, const char *name,
                    const char *value)
{
    struct load_ctx *ctx = user;
    if (ctx->rc != CJX_OK)
        return 0;
    for (const cjx_conf_key *k = ctx->keys; k->name; k++) {
        if (strcmp(k->section, section) || strcmp(k->name, name))
            continue;
        ctx->rc = set_value(k, ctx->target, value, ctx->fault);
        ctx->line = ctx->reader->line;
        return ctx->rc == CJX_OK;
    }
    ctx->rc = cjx_fault_set(ctx->fault, CJX_ECONFIG, name,
                            "unknown key \"%s\" in section [%s]", name, section);
    ctx->line = ctx->reader->line;
    return 0;
}

cjx_err cjx_config_load(const char *path, const cjx_conf_key *keys, void *target,
                        cjx_fault *f)
{
    cjx_config_defaults(keys, target);
    FILE *fp = fopen(path, "r");
    if (!fp)
        return cjx_fault_set(f, CJX_EIO, "", "%s: cannot open: %s", path, strerror(errno));
    struct reader r = {fp, 0, 0, 0};
    struct load_ctx ctx = {keys, target, path, f, CJX_OK, 0, &r};
    int line = ini_parse_stream(read_line, &r, on_entry, &ctx);
    fclose(fp);
    if (line == -2)
        return cjx_fault_set(f, CJX_ENOMEM, "", "%s: out of memory", path);
    if (line > 0) {
        /* inih returns the first bad line; a malformed one may come before
         * the line whose key was refused. f's text and field are copied out
         * first: they are also where the result goes. */
        char why[sizeof f->text], key[sizeof f->field] = "";
        if (ctx.rc != CJX_OK && ctx.line == line) {
            snprintf(why, sizeof why, "%s", f->text);
            snprintf(key, sizeof key, "%s", f->field);
        } else if (line == r.too_long) {
            snprintf(why, sizeof why, "line longer than %d bytes", r.longest);
        } else {
            snprintf(why, sizeof why, "malformed line");
        }
        return cjx_fault_set(f, CJX_ECONFIG, key, "%s:%d: %s", path, line, why);
    }
    return CJX_OK;
}

void cjx_config_print_help(const cjx_conf_key *keys, FILE *out)
{
    const char *section = NULL;
    for (const cjx_conf_key *k = keys; k->name; k++) {
        if (!section || strcmp(section, k->section)) {
            section = k->section;
            fprintf(out, "%s[%s]\n", k == keys ? "" : "\n", section);
        }
        fprintf(out, "# %s", k->help);
        if (k->type == CJX_CONF_INT)
            fprintf(out, " (%lld..%lld)", k->min, k->max);
        fprintf(out, "\n%s = %s\n", k->name, k->def);
    }
}
