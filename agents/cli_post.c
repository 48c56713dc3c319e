/* cli_post.c — `cjx post`: items as JSON in, validated, stored durably in the
 * outbox in one transaction, their ids out.
 *
 * The input is one JSON object, a JSON array of objects, or a stream of
 * objects (JSON Lines). Every item is checked before any is stored: one bad
 * item and nothing is stored, and each bad item is reported with its number,
 * its line, the field and the reason.
 */
#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "codec.h"
#include "ids.h"
#include "import_row.h"
#include "json.h"
#include "personal.h"
#include "outbox.h"
#include "validate.h"

#define INPUT_MAX ((size_t)1 << 30)

/* Reads all of f. Returns a NUL-terminated buffer the caller frees, or NULL. */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        if (cap >= INPUT_MAX) {
            free(buf);
            return NULL;
        }
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

typedef struct batch {
    ProtobufCBinaryData *items;
    size_t n, cap;
    size_t bad;
    const uint8_t *pseudonym_key;  /* personal.h */
} batch;

/* Maps, checks and packs one JSON object into the batch (the pipeline the
 * import uses too, core/import_row.h), or reports why not. */
static void add_item(batch *b, const json_t *obj, const cjx_validator *v, const char *code,
                     size_t number, size_t line)
{
    cjx_fault fault = {0};
    ProtobufCBinaryData packed = {0, NULL};
    cjx_err rc = CJX_OK;
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        ProtobufCBinaryData *items = realloc(b->items, cap * sizeof *items);
        if (items) {
            b->items = items;
            b->cap = cap;
        } else {
            rc = cjx_fault_set(&fault, CJX_ENOMEM, "", "out of memory");
        }
    }
    if (rc == CJX_OK)
        rc = cjx_import_pack_json(obj, v, code, b->pseudonym_key, NULL, NULL, &packed, NULL,
                                  &fault);
    if (rc == CJX_OK) {
        b->items[b->n++] = packed;
    } else {
        b->bad++;
        fprintf(stderr, "cjx post: item %zu (line %zu): %s%s%s [%s]\n", number, line,
                fault.field, fault.field[0] ? ": " : "", fault.text, cjx_err_name(rc));
    }
}

/* Advances *line over the newlines of buf between *counted and pos, so
 * numbering all lines of a large input stays linear. */
static void count_lines(const char *buf, size_t pos, size_t *counted, size_t *line)
{
    for (; *counted < pos; (*counted)++)
        *line += buf[*counted] == '\n';
}

/* Parses every JSON value in buf into the batch. Returns -1 on a syntax
 * error (reported). */
static int parse_input(batch *b, const char *buf, size_t len, const cjx_validator *v,
                       const char *code)
{
    size_t pos = 0, number = 0, counted = 0, line = 1;
    for (;;) {
        while (pos < len && strchr(" \t\r\n", buf[pos]))
            pos++;
        if (pos == len)
            return 0;
        json_error_t err;
        json_t *val = json_loadb(buf + pos, len - pos, JSON_DISABLE_EOF_CHECK, &err);
        count_lines(buf, pos, &counted, &line);
        if (!val) {
            fprintf(stderr, "cjx post: line %d: malformed JSON: %s\n",
                    (int)line + err.line - 1, err.text);
            return -1;
        }
        if (json_is_array(val)) {
            size_t i;
            json_t *el;
            json_array_foreach(val, i, el) add_item(b, el, v, code, ++number, line);
        } else {
            add_item(b, val, v, code, ++number, line);
        }
        json_decref(val);
        pos += err.position;
    }
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx post [--dry-run] [FILE|-]\n"
            "\n"
            "Reads postings or records as JSON from FILE or standard input: one object,\n"
            "an array of objects, or one object per line. Each is {\"posting\": {…}},\n"
            "{\"record\": {…}} or {\"status_change\": {…}} with the fields of\n"
            "proto/domain.proto; publishing a posting or record again under the same\n"
            "ref updates it (see also cjx fill, cjx withdraw). All are validated;\n"
            "if any is invalid, none is stored. Otherwise all are stored in the outbox,\n"
            "synced to disk, and their ids printed one per line; cjx-agent sends them on.\n"
            "Each person gets a pseudonym (a keyed hash of the ID number, the key kept in\n"
            "the agent's store); pii_ fields leave the agent only for the record kinds the\n"
            "hub's policy names a receiver for.\n"
            "\n"
            "  --dry-run   validate only, store nothing\n");
}

int cli_store_items(cli *c, const char *cmd, const ProtobufCBinaryData *items, size_t n)
{
    cjx_outbox *ob = NULL;
    cjx_fault fault;
    uint64_t first = 0;
    int rc = 0;
    if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault) ||
        cjx_outbox_append(ob, items, n, &first, &fault)) {
        cli_error(cmd, "%s", fault.text);
        rc = 1;
    } else {
        for (size_t i = 0; i < n; i++) {
            char id[CJX_ID_MAX];
            cjx_id_format(id, c->cfg.credit_code, first + i);
            puts(id);
        }
    }
    cjx_outbox_close(&ob);
    return rc;
}

int cli_post(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int dry_run = 0, opt;
    while ((opt = getopt_long(argc, argv, "nh", opts, NULL)) != -1) {
        switch (opt) {
        case 'n': dry_run = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (argc - optind > 1) {
        usage(stderr);
        return 2;
    }
    if (cli_need_config(c, "post"))
        return 2;
    const char *path = optind < argc ? argv[optind] : "-";
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!in) {
        cli_error("post", "cannot open %s: %s", path, strerror(errno));
        return 1;
    }
    size_t len = 0;
    char *buf = read_all(in, &len);
    if (in != stdin)
        fclose(in);
    if (!buf) {
        cli_error("post", "cannot read %s (over 1 GiB, or an I/O error)", path);
        return 1;
    }

    cjx_validator v;
    cjx_fault fault = {0};
    if (cjx_validator_open(&v, c->cfg.catalog_dir, &fault) != CJX_OK) {
        cli_error("post", "%s", fault.text);
        free(buf);
        return 1;
    }
    uint8_t key[CJX_PSEUDONYM_KEY_LEN];
    cjx_outbox *ob = NULL;
    if (cjx_outbox_open(c->cfg.data_dir, (size_t)c->cfg.map_size_mb, &ob, &fault) != CJX_OK ||
        cjx_outbox_pseudonym_key(ob, key, &fault) != CJX_OK) {
        cli_error("post", "%s", fault.text);
        cjx_outbox_close(&ob);
        cjx_validator_close(&v);
        free(buf);
        return 1;
    }
    cjx_outbox_close(&ob);
    batch b = {.pseudonym_key = key};
    int rc = parse_input(&b, buf, len, &v, c->cfg.credit_code) ? 1 : 0;
    sodium_memzero(key, sizeof key);
    free(buf);
    cjx_validator_close(&v);
    if (rc == 0 && b.bad) {
        fprintf(stderr, "cjx post: %zu of %zu items invalid; nothing stored\n", b.bad,
                b.bad + b.n);
        rc = 1;
    } else if (rc == 0 && b.n == 0) {
        cli_error("post", "no items in the input");
        rc = 1;
    }
    if (rc == 0 && !dry_run) {
        rc = cli_store_items(c, "post", b.items, b.n);
    } else if (rc == 0) {
        fprintf(stderr, "cjx post: %zu items valid (dry run: nothing stored)\n", b.n);
    }
    for (size_t i = 0; i < b.n; i++)
        free(b.items[i].data);
    free(b.items);
    return rc;
}
