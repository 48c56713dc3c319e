/* config.c — table-driven INI loading on top of inih (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdlib.h>
#include <string.h>

/* Sections are followed here rather than taken from inih, for two reasons:
 * inih keeps only the first 49 bytes of a section's name, too few for
 * "[subscription NAME]" with a NAME of up to CJX_CONF_NAMEMAX bytes, and it
 * calls no handler for a header, so a group's section without keys would go
 * unseen. read_line sees every line before inih does and reads headers the
 * way inih does (follow_header); on_entry checks that inih's section is a
 * prefix of the one followed here, so the two cannot silently disagree. */
struct load_ctx {
    FILE *fp;
    const cjx_conf_key *keys;
    const cjx_conf_group *groups;   /* NULL or NULL-section-terminated */
    void *target;
    cjx_fault *fault;
    cjx_err rc;
    int rc_line;                    /* the line that set rc */
    int line;                       /* lines read so far */
    int too_long;                   /* the first line that did not fit, or 0 */
    int longest;                    /* the longest line that fits, in bytes */
    char section[CJX_CONF_STRMAX];  /* the current section, whole */
    const cjx_conf_group *group;    /* the current section's group, or NULL */
    char *instance;                 /* the instance its keys go to, or NULL */
    int after_key;                  /* a key was read since the header: inih
                                     * takes an indented line for more of its
                                     * value, even one starting with '[' */
};

#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"

/* Starts an instance of g named name for the header just read. Returns
 * CJX_OK or CJX_ECONFIG with the reason in ctx->fault. */
static cjx_err open_instance(struct load_ctx *ctx, const cjx_conf_group *g,
                             const char *name)
{
    char *array = (char *)ctx->target + g->offset;
    size_t *count = (size_t *)((char *)ctx->target + g->count_offset);
    size_t len = strlen(name);
    if (len == 0)
        return cjx_fault_set(ctx->fault, CJX_ECONFIG, ctx->section,
                             "section [%s] needs a name: [%s NAME]", ctx->section,
                             g->section);
    if (len > CJX_CONF_NAMEMAX)
        return cjx_fault_set(ctx->fault, CJX_ECONFIG, ctx->section,
                             "[%s NAME]: name longer than %d bytes", g->section,
                             CJX_CONF_NAMEMAX);
    if (strspn(name, NAME_CHARS) != len)
        return cjx_fault_set(ctx->fault, CJX_ECONFIG, ctx->section,
                             "[%s NAME]: \"%s\" may hold only letters, digits, '_', '.' "
                             "and '-'", g->section, name);
    for (size_t i = 0; i < *count; i++)
        if (strcmp(array + i * g->size + g->name_offset, name) == 0)
            return cjx_fault_set(ctx->fault, CJX_ECONFIG, ctx->section,
                                 "section [%s] given twice", ctx->section);
    if (*count == g->max)
        return cjx_fault_set(ctx->fault, CJX_ECONFIG, ctx->section,
                             "more than %zu [%s NAME] sections", g->max, g->section);
    char *inst = array + *count * g->size;
    cjx_config_defaults(g->keys, inst);
    memcpy(inst + g->name_offset, name, len + 1);
    (*count)++;
    ctx->group = g;
    ctx->instance = inst;
    return CJX_OK;
}

/* Reads line as inih 55 does and, when it is a section header, makes it the
 * current section (and opens a group's instance). Returns CJX_OK, or
 * CJX_ECONFIG for a group header that is refused. */
static cjx_err follow_header(struct load_ctx *ctx, const char *line)
{
    const char *s = line;
    if (ctx->line == 1 && strncmp(s, "\xEF\xBB\xBF", 3) == 0)
        s += 3; /* a byte order mark */
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '[' || (ctx->after_key && s > line))
        return CJX_OK; /* not a header, or more of a key's value */
    const char *e = s + 1;
    for (int was_space = 0; *e && *e != ']' && !(was_space && *e == ';'); e++)
        was_space = isspace((unsigned char)*e);
    if (*e != ']')
        return CJX_OK; /* inih refuses the line and keeps the section */
    snprintf(ctx->section, sizeof ctx->section, "%.*s", (int)(e - s - 1), s + 1);
    ctx->after_key = 0;
    ctx->group = NULL;
    ctx->instance = NULL;
    if (ctx->rc != CJX_OK)
        return CJX_OK;
    for (const cjx_conf_group *g = ctx->groups; g && g->section; g++) {
        size_t n = strlen(g->section);
        if (strncmp(ctx->section, g->section, n) == 0 &&
            (ctx->section[n] == '\0' || ctx->section[n] == ' '))
            return open_instance(ctx, g, ctx->section + n + (ctx->section[n] != '\0'));
    }
    return CJX_OK;
}

/* inih reads each line into a buffer of INI_MAX_LINE bytes (200 in Debian's
 * build) and parses the rest of a longer line as if it were the next line:
 * errors then name the wrong line, and the tail of a long value can even be
 * taken for a key. So lines are read here: one that does not fit is handed
 * to inih as "[", which it refuses, and its number is noted. A group header
 * that is refused is handed over as "[" too, with the reason in ctx. */
static char *read_line(char *buf, int size, void *stream)
{
    struct load_ctx *ctx = stream;
    if (!fgets(buf, size, ctx->fp))
        return NULL;
    ctx->line++;
    ctx->longest = size - 1;
    size_t len = strlen(buf);
    if ((int)len == size - 1 && buf[len - 1] != '\n') {
        int c = getc(ctx->fp);
        if (c != '\n' && c != EOF) {
            while (c != '\n' && c != EOF)
                c = getc(ctx->fp);
            if (!ctx->too_long)
                ctx->too_long = ctx->line;
            return strcpy(buf, "[");
        }
        /* it just fits */
    }
    cjx_err rc = follow_header(ctx, buf);
    if (rc == CJX_OK)
        return buf;
    ctx->rc = rc;
    ctx->rc_line = ctx->line;
    return strcpy(buf, "[");
}

/* Stores text as the value of key k in the struct at base; field names the
 * key in a fault. Returns CJX_OK or CJX_ECONFIG with a reason in f. */
static cjx_err set_value(const cjx_conf_key *k, void *base, const char *text,
                         const char *field, cjx_fault *f)
{
    char *slot = (char *)base + k->offset;
    if (k->type == CJX_CONF_STR) {
        if (strlen(text) >= CJX_CONF_STRMAX)
            return cjx_fault_set(f, CJX_ECONFIG, field, "value longer than %d bytes",
                                 CJX_CONF_STRMAX - 1);
        strcpy(slot, text);
        return CJX_OK;
    }
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end != '\0')
        return cjx_fault_set(f, CJX_ECONFIG, field, "\"%s\" is not an integer", text);
    if (v < k->min || v > k->max)
        return cjx_fault_set(f, CJX_ECONFIG, field, "%lld is outside %lld..%lld", v, k->min,
                             k->max);
    memcpy(slot, &v, sizeof v);
    return CJX_OK;
}

void cjx_config_defaults(const cjx_conf_key *keys, void *target)
{
    for (const cjx_conf_key *k = keys; k->name; k++) {
        cjx_fault ignored;
        cjx_err rc = set_value(k, target, k->def, k->name, &ignored);
        (void)rc; /* defaults are ours; a bad one is caught by the unit test */
    }
}

/* Sets name = value of the current section. Returns CJX_OK or CJX_ECONFIG
 * with the reason in ctx->fault. */
static cjx_err set_entry(struct load_ctx *ctx, const char *section, const char *name,
                         const char *value)
{
    if (strncmp(ctx->section, section, strlen(section)) != 0)
        return cjx_fault_set(ctx->fault, CJX_ECONFIG, "",
                             "section [%s] read as [%s]", ctx->section, section);
    if (ctx->group) {
        char field[sizeof ctx->fault->field]; /* "subscription jobs.kinds" */
        snprintf(field, sizeof field, "%.80s.%.40s", ctx->section, name);
        for (const cjx_conf_key *k = ctx->group->keys; k->name; k++)
            if (strcmp(k->name, name) == 0)
                return set_value(k, ctx->instance, value, field, ctx->fault);
        return cjx_fault_set(ctx->fault, CJX_ECONFIG, field,
                             "unknown key \"%s\" in section [%s]", name, ctx->section);
    }
    for (const cjx_conf_key *k = ctx->keys; k->name; k++)
        if (strcmp(k->section, ctx->section) == 0 && strcmp(k->name, name) == 0)
            return set_value(k, ctx->target, value, k->name, ctx->fault);
    return cjx_fault_set(ctx->fault, CJX_ECONFIG, name, "unknown key \"%s\" in section [%s]",
                         name, ctx->section);
}

static int on_entry(void *user, const char *section, const char *name,
                    const char *value)
{
    struct load_ctx *ctx = user;
    ctx->after_key = 1;
    if (ctx->rc != CJX_OK)
        return 0;
    ctx->rc = set_entry(ctx, section, name, value);
    if (ctx->rc != CJX_OK)
        ctx->rc_line = ctx->line;
    return ctx->rc == CJX_OK;
}

cjx_err cjx_config_load(const char *path, const cjx_conf_key *keys, void *target,
                        cjx_fault *f)
{
    return cjx_config_load_groups(path, keys, NULL, target, f);
}

cjx_err cjx_config_load_groups(const char *path, const cjx_conf_key *keys,
                               const cjx_conf_group *groups, void *target, cjx_fault *f)
{
    cjx_config_defaults(keys, target);
    for (const cjx_conf_group *g = groups; g && g->section; g++) {
        memset((char *)target + g->offset, 0, g->size * g->max);
        *(size_t *)((char *)target + g->count_offset) = 0;
    }
    FILE *fp = fopen(path, "r");
    if (!fp)
        return cjx_fault_set(f, CJX_EIO, "", "%s: cannot open: %s", path, strerror(errno));
    struct load_ctx ctx = {.fp = fp, .keys = keys, .groups = groups, .target = target,
                           .fault = f, .rc = CJX_OK};
    int line = ini_parse_stream(read_line, &ctx, on_entry, &ctx);
    fclose(fp);
    if (line == -2)
        return cjx_fault_set(f, CJX_ENOMEM, "", "%s: out of memory", path);
    if (line > 0) {
        /* inih returns the first bad line; a malformed one may come before
         * the line whose key was refused. f's text and field are copied out
         * first: they are also where the result goes. */
        char why[sizeof f->text], key[sizeof f->field] = "";
        if (ctx.rc != CJX_OK && ctx.rc_line == line) {
            snprintf(why, sizeof why, "%s", f->text);
            snprintf(key, sizeof key, "%s", f->field);
        } else if (line == ctx.too_long) {
            snprintf(why, sizeof why, "line longer than %d bytes", ctx.longest);
        } else {
            snprintf(why, sizeof why, "malformed line");
        }
        return cjx_fault_set(f, CJX_ECONFIG, key, "%s:%d: %s", path, line, why);
    }
    return CJX_OK;
}

static void print_key(const cjx_conf_key *k, const char *prefix, FILE *out)
{
    fprintf(out, "# %s", k->help);
    if (k->type == CJX_CONF_INT)
        fprintf(out, " (%lld..%lld)", k->min, k->max);
    fprintf(out, "\n%s%s = %s\n", prefix, k->name, k->def);
}

void cjx_config_print_help(const cjx_conf_key *keys, const cjx_conf_group *groups, FILE *out)
{
    const char *section = NULL;
    for (const cjx_conf_key *k = keys; k->name; k++) {
        if (!section || strcmp(section, k->section)) {
            section = k->section;
            fprintf(out, "%s[%s]\n", k == keys ? "" : "\n", section);
        }
        print_key(k, "", out);
    }
    for (const cjx_conf_group *g = groups; g && g->section; g++) {
        fprintf(out, "\n# up to %zu sections [%s NAME], NAME of [A-Za-z0-9_.-]:\n#[%s NAME]\n",
                g->max, g->section, g->section);
        for (const cjx_conf_key *k = g->keys; k->name; k++)
            print_key(k, "#", out);
    }
}
