/* import_map.c — loading a kind's column mapping, checking its paths against
 * the schema, and tying a file's headers to fields (see import_map.h). */
#include "import_map.h"

#include <dirent.h>
#include <ini.h>
#include <stdio.h>
#include <string.h>

#include "domain.pb-c.h"
#include "filter.h"

#define MAX_DEPTH 4

const ProtobufCFieldDescriptor *cjx_import_resolve(const cjx_import_map *m, const char *path)
{
    const ProtobufCMessageDescriptor *d = m->body;
    const ProtobufCFieldDescriptor *fd = NULL;
    char seg[CJX_IMPORT_NAME_MAX];
    const char *p = path;
    for (int depth = 0; depth < MAX_DEPTH; depth++) {
        size_t n = strcspn(p, ".");
        if (n == 0 || n >= sizeof seg || !d)
            return NULL;
        memcpy(seg, p, n);
        seg[n] = '\0';
        fd = protobuf_c_message_descriptor_get_field_by_name(d, seg);
        if (!fd)
            return NULL;
        /* another kind's detail cannot be filled from this kind's file */
        if (depth == 0 && (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && strcmp(seg, m->kind))
            return NULL;
        if (p[n] == '\0')
            break;
        if (fd->type != PROTOBUF_C_TYPE_MESSAGE || fd->label == PROTOBUF_C_LABEL_REPEATED)
            return NULL;
        d = fd->descriptor;
        p += n + 1;
    }
    if (!fd || fd->type == PROTOBUF_C_TYPE_MESSAGE || fd->type == PROTOBUF_C_TYPE_BYTES)
        return NULL;
    if (fd->label == PROTOBUF_C_LABEL_REPEATED && fd->type != PROTOBUF_C_TYPE_STRING)
        return NULL;
    return fd;
}

struct load {
    cjx_import_map *m;
    cjx_fault *f;
    const char *path;
    int values_only;
};

/* Copies text into a field of cap bytes; -1 when it does not fit. */
static int copy(char *dst, size_t cap, const char *text, size_t n)
{
    if (n >= cap)
        return -1;
    memcpy(dst, text, n);
    dst[n] = '\0';
    return 0;
}

/* "field | example": splits into c->path (trimmed) and c->example. */
static const char *add_column(struct load *l, const char *name, const char *value)
{
    cjx_import_map *m = l->m;
    if (m->ncols == CJX_IMPORT_MAX_COLUMNS)
        return "too many columns";
    cjx_import_column *c = &m->cols[m->ncols];
    memset(c, 0, sizeof *c);
    const char *bar = strchr(value, '|');
    size_t plen = bar ? (size_t)(bar - value) : strlen(value);
    while (plen && value[plen - 1] == ' ')
        plen--;
    const char *ex = bar ? bar + 1 + strspn(bar + 1, " ") : "";
    if (copy(c->name, sizeof c->name, name, strlen(name)) ||
        copy(c->path, sizeof c->path, value, plen) ||
        copy(c->example, sizeof c->example, ex, strlen(ex)))
        return "too long";
    for (size_t i = 0; i < m->ncols; i++) {
        if (strcmp(m->cols[i].name, c->name) == 0)
            return "column named twice";
        c->alias |= strcmp(m->cols[i].path, c->path) == 0;
    }
    m->ncols++;
    return NULL;
}

static const char *add_key(cjx_import_map *m, const char *value)
{
    for (const char *p = value; *p;) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, " ,");
        if (n == 0)
            break;
        if (m->nkey == CJX_IMPORT_MAX_KEY)
            return "too many key fields";
        if (copy(m->key[m->nkey], sizeof m->key[0], p, n))
            return "too long";
        m->nkey++;
        p += n;
    }
    return NULL;
}

static const char *on_setting(struct load *l, const char *section, const char *name,
                              const char *value)
{
    cjx_import_map *m = l->m;
    if (l->values_only || strcmp(section, "values") == 0) {
        if (strcmp(section, "values"))
            return NULL;
        if (m->nvalues == CJX_IMPORT_MAX_VALUES)
            return "too many values";
        if (copy(m->values[m->nvalues][0], 64, name, strlen(name)) ||
            copy(m->values[m->nvalues][1], 64, value, strlen(value)))
            return "too long";
        m->nvalues++;
        return NULL;
    }
    if (strcmp(section, "import") == 0) {
        if (strcmp(name, "kind") == 0)
            return strcmp(value, m->kind) ? "not the kind the file is named for" : NULL;
        if (strcmp(name, "name") == 0)
            return copy(m->name, sizeof m->name, value, strlen(value)) ? "too long" : NULL;
        if (strcmp(name, "key") == 0)
            return add_key(m, value);
        return "unknown key in [import]";
    }
    if (strcmp(section, "columns") == 0)
        return add_column(l, name, value);
    if (strcmp(section, "defaults") == 0) {
        if (m->ndefaults == CJX_IMPORT_MAX_DEFAULTS)
            return "too many defaults";
        cjx_import_column *d = &m->defaults[m->ndefaults++];
        memset(d, 0, sizeof *d);
        if (copy(d->path, sizeof d->path, name, strlen(name)) ||
            copy(d->example, sizeof d->example, value, strlen(value)))
            return "too long";
        return NULL;
    }
    return "unknown section";
}

static int on_entry(void *user, const char *section, const char *name, const char *value)
{
    struct load *l = user;
    const char *why = on_setting(l, section, name, value);
    if (why)
        cjx_fault_set(l->f, CJX_ECONFIG, name, "%s: [%s] %s: %s", l->path, section, name, why);
    return why == NULL;
}

static cjx_err parse(struct load *l)
{
    FILE *fp = fopen(l->path, "r");
    if (!fp)
        return cjx_fault_set(l->f, CJX_EIO, "", "%s: cannot open", l->path);
    l->f->code = CJX_OK;
    int line = ini_parse_file(fp, on_entry, l);
    fclose(fp);
    if (line == 0)
        return CJX_OK;
    if (line > 0 && l->f->code == CJX_ECONFIG)
        return CJX_ECONFIG;
    return cjx_fault_set(l->f, CJX_ECONFIG, "", "%s:%d: malformed line", l->path, line);
}

/* Checks every path of the loaded mapping against the schema. */
static cjx_err check_paths(cjx_import_map *m, const char *path, cjx_fault *f)
{
    for (size_t i = 0; i < m->ncols + m->ndefaults; i++) {
        cjx_import_column *c = i < m->ncols ? &m->cols[i] : &m->defaults[i - m->ncols];
        c->field = cjx_import_resolve(m, c->path);
        if (!c->field)
            return cjx_fault_set(f, CJX_ECONFIG, c->name, "%s: \"%s\" is not a field of %s",
                                 path, c->path, m->kind);
    }
    for (size_t i = 0; i < m->nkey; i++)
        if (!cjx_import_resolve(m, m->key[i]))
            return cjx_fault_set(f, CJX_ECONFIG, "key", "%s: key \"%s\" is not a field of %s",
                                 path, m->key[i], m->kind);
    if (m->nkey == 0)
        return cjx_fault_set(f, CJX_ECONFIG, "key", "%s: [import] has no key", path);
    return CJX_OK;
}

cjx_err cjx_import_map_load(const char *dir, const char *kind, cjx_import_map *m,
                            cjx_fault *f)
{
    memset(m, 0, sizeof *m);
    if (!cjx_kind_is_known(kind) || copy(m->kind, sizeof m->kind, kind, strlen(kind)))
        return cjx_fault_set(f, CJX_EKIND, "", "\"%s\" is not a kind of posting or record",
                             kind);
    m->is_record = cjx_kind_is_record(kind);
    m->body = m->is_record ? &cjx__record__descriptor : &cjx__posting__descriptor;
    char path[512];
    snprintf(path, sizeof path, "%s/%s.ini", dir, kind);
    struct load l = {m, f, path, 0};
    cjx_err rc = parse(&l);
    if (rc == CJX_EIO)
        return cjx_fault_set(f, CJX_EKIND, "", "no column mapping for %s (%s)", kind, path);
    if (rc == CJX_OK)
        rc = check_paths(m, path, f);
    snprintf(path, sizeof path, "%s/values.ini", dir);
    l.values_only = 1;
    if (rc == CJX_OK && (rc = parse(&l)) == CJX_EIO)
        rc = CJX_OK; /* values.ini is optional */
    return rc;
}

/* Length of the prefix of name that announces word, or 0. */
static size_t announces(const char *name, const char *word)
{
    size_t n = strlen(word);
    if (n == 0 || strncmp(name, word, n) != 0)
        return 0;
    char next = name[n];
    return next == '\0' || strchr(".-_ 0123456789", next) ? n : 0;
}

/* Calls fn for every kind with a mapping file in dir. */
static void each_kind(const char *dir, void (*fn)(void *, const char *), void *ctx)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        char kind[48];
        size_t n = strlen(e->d_name);
        if (n < 5 || n - 4 >= sizeof kind || strcmp(e->d_name + n - 4, ".ini"))
            continue;
        memcpy(kind, e->d_name, n - 4);
        kind[n - 4] = '\0';
        if (cjx_kind_is_known(kind))
            fn(ctx, kind);
    }
    if (d)
        closedir(d);
}

/* The kinds and names of one folder's mappings, read once per process
 * (a mapping changes with a restart, as the rest of the configuration). */
#define MAX_KINDS 64
static struct names {
    char dir[512];
    int loaded;
    size_t n;
    char kind[MAX_KINDS][48];
    char name[MAX_KINDS][CJX_IMPORT_NAME_MAX];
} names;

static void add_name(void *ctx, const char *kind)
{
    struct names *c = ctx;
    static cjx_import_map m; /* large: not on the stack */
    cjx_fault f;
    if (c->n == MAX_KINDS)
        return;
    snprintf(c->kind[c->n], sizeof c->kind[0], "%s", kind);
    c->name[c->n][0] = '\0';
    if (cjx_import_map_load(c->dir, kind, &m, &f) == CJX_OK)
        snprintf(c->name[c->n], sizeof c->name[0], "%s", m.name);
    c->n++;
}

int cjx_import_kind_of_file(const char *dir, const char *file_name, char kind[48])
{
    if (!names.loaded || strcmp(names.dir, dir)) {
        memset(&names, 0, sizeof names);
        snprintf(names.dir, sizeof names.dir, "%s", dir);
        each_kind(dir, add_name, &names);
        names.loaded = 1;
    }
    const char *base = strrchr(file_name, '/');
    const char *file = base ? base + 1 : file_name;
    size_t best = 0;
    for (size_t i = 0; i < names.n; i++) {
        size_t n = announces(file, names.kind[i]), by_name = announces(file, names.name[i]);
        if (by_name > n)
            n = by_name;
        if (n > best) {
            best = n;
            snprintf(kind, 48, "%s", names.kind[i]);
        }
    }
    return best ? 0 : -1;
}

struct list {
    char *out;
    size_t cap, len;
};

static void list_kind(void *ctx, const char *kind)
{
    struct list *l = ctx;
    int n = snprintf(l->out + l->len, l->cap - l->len, "%s%s", l->len ? ", " : "", kind);
    if (n > 0 && (size_t)n < l->cap - l->len)
        l->len += (size_t)n;
}

void cjx_import_kinds(const char *dir, char *out, size_t cap)
{
    struct list l = {out, cap, 0};
    out[0] = '\0';
    each_kind(dir, list_kind, &l);
}

cjx_err cjx_import_bind(const cjx_import_map *m, char *const *headers, size_t n,
                        cjx_import_column *out, cjx_fault *f)
{
    for (size_t i = 0; i < n; i++) {
        cjx_import_column *c = &out[i];
        memset(c, 0, sizeof *c);
        if (!headers[i][0])
            return cjx_fault_set(f, CJX_EFIELD, "", "column %zu of the header has no name",
                                 i + 1);
        snprintf(c->name, sizeof c->name, "%s", headers[i]);
        for (size_t k = 0; k < m->ncols && !c->field; k++) {
            if (strcmp(m->cols[k].name, headers[i]) == 0) {
                snprintf(c->path, sizeof c->path, "%s", m->cols[k].path);
                c->field = m->cols[k].field;
            }
        }
        if (!c->field && (c->field = cjx_import_resolve(m, headers[i])))
            snprintf(c->path, sizeof c->path, "%s", headers[i]);
        if (!c->field)
            return cjx_fault_set(f, CJX_EFIELD, headers[i],
                                 "column \"%s\" is not in the mapping of %s, nor a field of it",
                                 headers[i], m->kind);
        for (size_t k = 0; k < i; k++)
            if (strcmp(out[k].name, c->name) == 0)
                return cjx_fault_set(f, CJX_EMALFORMED, headers[i], "column \"%s\" given twice",
                                     headers[i]);
    }
    return CJX_OK;
}
