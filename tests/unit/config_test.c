/* config_test.c — unit tests for table-driven INI loading (core/config.c)
 * and for the agent's real key table and credit-code check
 * (core/agent_config.c). The hub's keys live in hub/main.c, outside
 * libcjx_core, and are not tested here.
 *
 * Loading cases are two tables over one small key table: files that load,
 * with the values they give, and files refused, with the fault's text
 * ("path:line: reason") and key. In a file's text '@' stands for `pad` x's:
 * Debian's libinih reads lines into a 200-byte buffer, so the longest line
 * it takes is 199 bytes, and config.c must refuse a longer one by its number
 * rather than let inih read its tail as a line of its own.
 *
 * Groups ("[item NAME]" sections, any number of times) have one case per
 * behaviour over a second small table. The agent's [subscription NAME]
 * sections and the Subscription built from one are in agent_config_test.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_config.h"
#include "config.h"

typedef struct conf {
    long long port, retries;
    char name[CJX_CONF_STRMAX], dir[CJX_CONF_STRMAX];
} conf;

static const cjx_conf_key keys[] = {
    {"net", "port", CJX_CONF_INT, 1, 65535, "7450", offsetof(conf, port), "port to listen on"},
    {"net", "retries", CJX_CONF_INT, -5, 5, "-1", offsetof(conf, retries), "retries"},
    {"net", "name", CJX_CONF_STR, 0, 0, "hub one", offsetof(conf, name), "a name"},
    {"store", "dir", CJX_CONF_STR, 0, 0, "", offsetof(conf, dir), "data folder"},
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

static char path[128];

static int group_setup(void **state)
{
    (void)state;
    if (tmpdir_make("config") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/test.ini", tmpdir_root);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

/* Returns text with each '@' replaced by pad x's. Static storage. */
static const char *expand(const char *text, size_t pad)
{
    static char out[1024];
    char *o = out;
    for (; *text; text++) {
        if (*text != '@') {
            *o++ = *text;
            continue;
        }
        memset(o, 'x', pad);
        o += pad;
    }
    *o = '\0';
    return out;
}

/* Writes text to the test file. */
static void write_file(const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* Checks every key of table has the same value in a and b. */
static void expect_same(const cjx_conf_key *table, const void *a, const void *b)
{
    for (const cjx_conf_key *k = table; k->name; k++) {
        const char *x = (const char *)a + k->offset, *y = (const char *)b + k->offset;
        if (k->type == CJX_CONF_INT ? memcmp(x, y, sizeof(long long)) : strcmp(x, y))
            fail_msg("[%s] %s differs", k->section, k->name);
    }
}

/* Files that load, and the values they give. */
static const struct {
    const char *what, *ini;
    size_t pad;
    long long port, retries;
    const char *name, *dir;
} good[] = {
    {"empty file", "", 0, 7450, -1, "hub one", ""},
    {"comments only", "; a\n# b\n\n[net]\n", 0, 7450, -1, "hub one", ""},
    {"every key", "[net]\nport = 80\nretries=5\nname =  x y \n[store]\ndir = /srv/d\n", 0, 80,
     5, "x y", "/srv/d"},
    {"range ends", "[net]\nport = 1\nretries = -5\n", 0, 1, -5, "hub one", ""},
    {"largest", "[net]\nport = 65535\n", 0, 65535, -1, "hub one", ""},
    {"last one wins", "[store]\ndir = a\n[net]\nport = 2\n[store]\ndir = b\n", 0, 2, -1,
     "hub one", "b"},
    {"CRLF, comment", "[net]\r\nport = 3 ; http\r\n", 0, 3, -1, "hub one", ""},
    {"longest line", "[net]\nname = @\n", 192, 7450, -1, "@", ""},
};

/* Files that are refused with CJX_ECONFIG: the key, and the text after the
 * path. */
static const struct {
    const char *what, *ini;
    size_t pad;
    const char *field, *text;
} bad[] = {
    {"below range", "[net]\nport = 0\n", 0, "port", ":2: 0 is outside 1..65535"},
    {"above range", "[net]\n\nport = 65536\n", 0, "port", ":3: 65536 is outside 1..65535"},
    {"negative", "[net]\nretries = -6\n", 0, "retries", ":2: -6 is outside -5..5"},
    {"not a number", "[net]\nport = 80x\n", 0, "port", ":2: \"80x\" is not an integer"},
    {"no value", "[net]\nport =\n", 0, "port", ":2: \"\" is not an integer"},
    {"hex", "[net]\nport = 0x50\n", 0, "port", ":2: \"0x50\" is not an integer"},
    {"overflow", "[net]\nport = 99999999999999999999\n", 0, "port",
     ":2: \"99999999999999999999\" is not an integer"},
    {"unknown key", "[net]\nport = 1\ncolour = red\n", 0, "colour",
     ":3: unknown key \"colour\" in section [net]"},
    {"unknown section", "[disk]\nport = 1\n", 0, "port",
     ":2: unknown key \"port\" in section [disk]"},
    {"wrong section", "[store]\nport = 1\n", 0, "port",
     ":2: unknown key \"port\" in section [store]"},
    {"no section", "port = 1\n", 0, "port", ":1: unknown key \"port\" in section []"},
    {"malformed line", "[net]\nport = 1\nthis is not ini\n", 0, "", ":3: malformed line"},
    {"unclosed section", "[net\nport = 1\n", 0, "", ":1: malformed line"},
    {"first error wins", "[net]\nport = 0\ncolour = red\n", 0, "port",
     ":2: 0 is outside 1..65535"},
    {"malformed, then bad key", "[net]\nbogus\ncolour = red\n", 0, "", ":2: malformed line"},
    {"string too long", "[net]\nport = 2\nname = @\n", 300, "",
     ":3: line longer than 199 bytes"},
    {"line too long", "[net]\nname = @\n", 193, "", ":2: line longer than 199 bytes"},
    {"long line's tail is no key", "[net]\nname = @port = 9\n", 192, "",
     ":2: line longer than 199 bytes"},
};

/* Loads the test file as the keys above; returns the code. */
static cjx_err load(const char *what, const char *ini, size_t pad, conf *got, cjx_fault *f)
{
    memset(got, 0x5a, sizeof *got);
    write_file(expand(ini, pad));
    cjx_err rc = cjx_config_load(path, keys, got, f);
    if (rc != CJX_OK && rc != CJX_ECONFIG)
        fail_msg("%s: %s: %s", what, cjx_err_name(rc), f->text);
    return rc;
}

static void test_load_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        conf got, want = {good[i].port, good[i].retries, "", ""};
        cjx_fault f = {0};
        if (load(good[i].what, good[i].ini, good[i].pad, &got, &f) != CJX_OK)
            fail_msg("%s: %s", good[i].what, f.text);
        const char *name = expand(good[i].name, good[i].pad);
        assert_true(strlen(name) < sizeof want.name);
        memcpy(want.name, name, strlen(name) + 1);
        snprintf(want.dir, sizeof want.dir, "%s", good[i].dir);
        expect_same(keys, &got, &want);
    }
}

static void test_load_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        conf got;
        cjx_fault f = {0};
        char want[300];
        snprintf(want, sizeof want, "%s%s", path, bad[i].text);
        if (load(bad[i].what, bad[i].ini, bad[i].pad, &got, &f) != CJX_ECONFIG ||
            f.code != CJX_ECONFIG || strcmp(f.text, want) || strcmp(f.field, bad[i].field))
            fail_msg("%s: got \"%s\" [%s], want \"%s\" [%s]", bad[i].what, f.text, f.field,
                     want, bad[i].field);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    char missing[160];
    snprintf(missing, sizeof missing, "%s/no-such.ini", tmpdir_root);
    conf got;
    cjx_fault f = {0};
    assert_int_equal(cjx_config_load(missing, keys, &got, &f), CJX_EIO);
    assert_int_equal(f.code, CJX_EIO);
    assert_int_equal(strncmp(f.text, missing, strlen(missing)), 0);
}

/* Writes table's help to the test file and checks that it loads back
 * to the defaults. */
static void help_round_trip(const cjx_conf_key *table, void *defaults, void *loaded)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    cjx_config_print_help(table, NULL, fp);
    assert_int_equal(fclose(fp), 0);
    cjx_config_defaults(table, defaults);
    cjx_fault f = {0};
    if (cjx_config_load(path, table, loaded, &f) != CJX_OK)
        fail_msg("help does not load: %s", f.text);
    expect_same(table, loaded, defaults);
}

static void test_help_round_trip(void **state)
{
    (void)state;
    conf def, got;
    memset(&got, 0x5a, sizeof got);
    help_round_trip(keys, &def, &got);
    assert_int_equal(def.port, 7450);
    assert_string_equal(def.name, "hub one");

    /* the help says what each key is and its range */
    char text[1024] = "";
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    assert_true(fread(text, 1, sizeof text - 1, fp) > 0);
    fclose(fp);
    assert_non_null(strstr(text, "[net]\n# port to listen on (1..65535)\nport = 7450\n"));
    assert_non_null(strstr(text, "\n[store]\n# data folder\ndir = \n"));
}

/* ---- groups: repeated "[item NAME]" sections ---- */

typedef struct item {
    long long size;
    char name[CJX_CONF_STRMAX];
    char colour[CJX_CONF_STRMAX];
} item;

#define MAX_ITEMS 3

typedef struct gconf {
    long long port;
    item items[MAX_ITEMS];
    size_t nitems;
} gconf;

static const cjx_conf_key gkeys[] = {
    {"net", "port", CJX_CONF_INT, 1, 65535, "7450", offsetof(gconf, port), "port"},
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

static const cjx_conf_key item_keys[] = {
    {"item", "size", CJX_CONF_INT, 0, 9, "1", offsetof(item, size), "size"},
    {"item", "colour", CJX_CONF_STR, 0, 0, "red", offsetof(item, colour), "colour"},
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

static const cjx_conf_group groups[] = {
    {"item", item_keys, sizeof(item), MAX_ITEMS, offsetof(gconf, items),
     offsetof(gconf, nitems), offsetof(item, name)},
    {NULL, NULL, 0, 0, 0, 0, 0},
};

/* Loads ini (with '@' as pad x's) into *got, first filled with junk. */
static cjx_err gload(const char *ini, size_t pad, gconf *got, cjx_fault *f)
{
    memset(got, 0x5a, sizeof *got);
    write_file(expand(ini, pad));
    return cjx_config_load_groups(path, gkeys, groups, got, f);
}

/* Loads ini, which must load, into *got. */
static void gload_ok(const char *ini, size_t pad, gconf *got)
{
    cjx_fault f = {0};
    if (gload(ini, pad, got, &f) != CJX_OK)
        fail_msg("%s", f.text);
}

/* Loads ini, which must be refused with field and "path<text>". */
static void gload_bad(const char *ini, size_t pad, const char *field, const char *text)
{
    gconf got;
    cjx_fault f = {0};
    char want[300];
    snprintf(want, sizeof want, "%s%s", path, text);
    cjx_err rc = gload(ini, pad, &got, &f);
    if (rc != CJX_ECONFIG || f.code != CJX_ECONFIG || strcmp(f.text, want) ||
        strcmp(f.field, field))
        fail_msg("got %s \"%s\" [%s], want \"%s\" [%s]", cjx_err_name(rc), f.text, f.field,
                 want, field);
}

static void expect_item(const item *it, const char *name, long long size, const char *colour)
{
    assert_string_equal(it->name, name);
    assert_int_equal(it->size, size);
    assert_string_equal(it->colour, colour);
}

static void test_group_loads(void **state)
{
    (void)state;
    gconf got;
    gload_ok("[net]\nport = 80\n[item a]\nsize = 5\ncolour = blue ; sky\n", 0, &got);
    assert_int_equal(got.port, 80);
    assert_int_equal(got.nitems, 1);
    expect_item(&got.items[0], "a", 5, "blue");
}

static void test_group_no_sections(void **state)
{
    (void)state;
    gconf got;
    gload_ok("[net]\nport = 80\n", 0, &got);
    assert_int_equal(got.nitems, 0);
    static const item zero;
    for (size_t i = 0; i < MAX_ITEMS; i++) /* no junk left in unused instances */
        assert_memory_equal(&got.items[i], &zero, sizeof zero);
}

static void test_group_several(void **state)
{
    (void)state;
    gconf got;
    gload_ok("[item a]\nsize = 2\n[net]\nport = 9\n[item b-2]\ncolour = green\n"
             "[item C.3_x]\nsize = 3\n",
             0, &got);
    assert_int_equal(got.port, 9); /* [net] between instances is its own section */
    assert_int_equal(got.nitems, 3);
    expect_item(&got.items[0], "a", 2, "red");
    expect_item(&got.items[1], "b-2", 1, "green");
    expect_item(&got.items[2], "C.3_x", 3, "red");
}

static void test_group_defaults_per_instance(void **state)
{
    (void)state;
    gconf got;
    /* b is a header alone: inih calls no handler for it, yet it is an item */
    gload_ok("[item a]\nsize = 7\ncolour = blue\n[item b]\n", 0, &got);
    assert_int_equal(got.nitems, 2);
    expect_item(&got.items[0], "a", 7, "blue");
    expect_item(&got.items[1], "b", 1, "red");
}

static void test_group_max(void **state)
{
    (void)state;
    gconf got;
    gload_ok("[item a]\n[item b]\n[item c]\n", 0, &got);
    assert_int_equal(got.nitems, MAX_ITEMS);
    gload_bad("[item a]\n[item b]\n[item c]\nsize = 2\n[item d]\nsize = 3\n", 0, "item d",
              ":5: more than 3 [item NAME] sections");
}

static void test_group_long_name(void **state)
{
    (void)state;
    /* inih keeps 49 bytes of a section name; the whole of it is used */
    gconf got;
    gload_ok("[item @]\ncolour = x\n[item @y]\nsize = 2\n", 63, &got);
    assert_int_equal(got.nitems, 2);
    char name[1024 + 1];
    snprintf(name, sizeof name, "%s", expand("@", 63));
    expect_item(&got.items[0], name, 1, "x");
    strcat(name, "y");
    expect_item(&got.items[1], name, 2, "red");
}

static void test_group_bad_name(void **state)
{
    (void)state;
    static const struct {
        const char *ini, *field, *text;
        size_t pad;
    } cases[] = {
        {"[item]\nsize = 1\n", "item", ":1: section [item] needs a name: [item NAME]", 0},
        {"[item ]\n", "item ", ":1: section [item ] needs a name: [item NAME]", 0},
        {"[net]\n[item @]\n", "item @", ":2: [item NAME]: name longer than 64 bytes", 65},
        {"[item a b]\n", "item a b",
         ":1: [item NAME]: \"a b\" may hold only letters, digits, '_', '.' and '-'", 0},
        {"[item  a]\n", "item  a",
         ":1: [item NAME]: \" a\" may hold only letters, digits, '_', '.' and '-'", 0},
        {"[item a/b]\n", "item a/b",
         ":1: [item NAME]: \"a/b\" may hold only letters, digits, '_', '.' and '-'", 0},
        {"[item 长治]\n", "item 长治",
         ":1: [item NAME]: \"长治\" may hold only letters, digits, '_', '.' and '-'", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char field[1024];
        snprintf(field, sizeof field, "%s", expand(cases[i].field, cases[i].pad));
        gload_bad(cases[i].ini, cases[i].pad, field, cases[i].text);
    }
}

static void test_group_unknown_key(void **state)
{
    (void)state;
    gload_bad("[item a]\nsize = 1\nport = 80\n", 0, "item a.port",
              ":3: unknown key \"port\" in section [item a]");
}

static void test_group_bad_value(void **state)
{
    (void)state;
    gload_bad("[item a]\n[item b]\nsize = 10\n", 0, "item b.size", ":3: 10 is outside 0..9");
}

static void test_group_duplicate(void **state)
{
    (void)state;
    gload_bad("[item a]\nsize = 2\n[item b]\n[item a]\nsize = 3\n", 0, "item a",
              ":4: section [item a] given twice");
}

/* Headers are read as inih reads them: an indented line after a key is
 * more of its value, a header with an inline comment inside is malformed. */
static void test_group_header_as_inih(void **state)
{
    (void)state;
    gconf got;
    gload_ok("[item a]\ncolour = x\n  [item b]\n", 0, &got);
    assert_int_equal(got.nitems, 1);
    assert_string_equal(got.items[0].colour, "[item b]");
    gload_ok("\xEF\xBB\xBF[item a]\n  [item b]\r\n", 0, &got);
    assert_int_equal(got.nitems, 2);
    expect_item(&got.items[1], "b", 1, "red");
    gload_bad("[item a ;b]\nsize = 1\n", 0, "", ":1: malformed line");
}

/* A section that only starts with the group's word is not the group. */
static void test_group_word(void **state)
{
    (void)state;
    gload_bad("[items a]\nsize = 1\n", 0, "size",
              ":2: unknown key \"size\" in section [items a]");
}

/* Without groups, a group's header is just an unknown section. */
static void test_group_absent(void **state)
{
    (void)state;
    gconf got;
    cjx_fault f = {0};
    write_file("[item a]\nsize = 1\n");
    assert_int_equal(cjx_config_load(path, gkeys, &got, &f), CJX_ECONFIG);
    assert_string_equal(f.field, "size");
    assert_non_null(strstr(f.text, ":2: unknown key \"size\" in section [item a]"));
}

/* ---- the agent's keys ---- */

static void test_agent_keys_table(void **state)
{
    (void)state;
    for (const cjx_conf_key *k = cjx_agent_config_keys; k->name; k++) {
        assert_string_equal(k->section, "agent");
        assert_true(k->help && *k->help);
        for (const cjx_conf_key *o = cjx_agent_config_keys; o != k; o++)
            assert_string_not_equal(o->name, k->name);
        /* each default loads on its own line, so it is in range and fits */
        char line[CJX_CONF_STRMAX + 64];
        snprintf(line, sizeof line, "[%s]\n%s = %s\n", k->section, k->name, k->def);
        write_file(line);
        cjx_agent_config cfg;
        cjx_fault f = {0};
        if (cjx_config_load(path, cjx_agent_config_keys, &cfg, &f) != CJX_OK)
            fail_msg("default of %s does not load: %s", k->name, f.text);
    }
    cjx_agent_config def, got;
    memset(&got, 0x5a, sizeof got);
    help_round_trip(cjx_agent_config_keys, &def, &got);
    assert_int_equal(def.window, 4096);
    assert_string_equal(def.hub, "tcp://127.0.0.1:7450");
}

#define GOOD_CODE "91140400MA0K7C2D3J"

static void test_agent_credit_code(void **state)
{
    (void)state;
    static const struct {
        const char *what, *ini;
        cjx_err rc;
        const char *field, *text; /* expected in f.text */
    } agent_cases[] = {
        {"valid", "[agent]\ncredit_code = " GOOD_CODE "\nwindow = 8\n", CJX_OK, "", ""},
        {"missing", "[agent]\nname = x\n", CJX_ECONFIG, "credit_code", "credit_code \"\""},
        {"check char", "[agent]\ncredit_code = 91140400MA0K7C2D3K\n", CJX_ECONFIG,
         "credit_code", "wrong check character"},
        {"lower case", "[agent]\ncredit_code = 91140400ma0k7c2d3j\n", CJX_ECONFIG,
         "credit_code", "malformed code"},
        {"bad key first", "[agent]\ncredit_code = " GOOD_CODE "\nwindow = 0\n", CJX_ECONFIG,
         "window", "0 is outside 1..65536"},
    };
    for (size_t i = 0; i < sizeof agent_cases / sizeof agent_cases[0]; i++) {
        cjx_agent_config cfg;
        cjx_fault f = {0};
        write_file(agent_cases[i].ini);
        cjx_err rc = cjx_agent_config_load(path, &cfg, &f);
        if (rc != agent_cases[i].rc || (rc && strcmp(f.field, agent_cases[i].field)) ||
            !strstr(f.text, agent_cases[i].text))
            fail_msg("%s: got %s [%s] %s", agent_cases[i].what, cjx_err_name(rc), f.field,
                     f.text);
        if (rc == CJX_OK) {
            assert_string_equal(cfg.credit_code, GOOD_CODE);
            assert_int_equal(cfg.window, 8);
            assert_int_equal(cfg.heartbeat_ms, 1000);
        }
    }
    cjx_agent_config cfg;
    cjx_fault f = {0};
    assert_int_equal(cjx_agent_config_load(NULL, &cfg, &f), CJX_ECONFIG);
    assert_string_equal(f.field, "credit_code");
    assert_string_equal(cfg.hub, "tcp://127.0.0.1:7450"); /* defaults all the same */
}

/* The example agents shipped in config/agents load and pass the check. */
static void test_shipped_agent_files(void **state)
{
    (void)state;
    const char *env = getenv("CJX_CONFIG_DIR");
    char dir[512], file[1024];
    snprintf(dir, sizeof dir, "%s/agents", env && *env ? env : CJX_CONFIG_DIR);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini"))
            continue;
        snprintf(file, sizeof file, "%s/%s", dir, e->d_name);
        cjx_agent_config cfg;
        cjx_fault f = {0};
        if (cjx_agent_config_load(file, &cfg, &f) != CJX_OK)
            fail_msg("%s", f.text);
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good),
        cmocka_unit_test(test_load_bad),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_help_round_trip),
        cmocka_unit_test(test_group_loads),
        cmocka_unit_test(test_group_no_sections),
        cmocka_unit_test(test_group_several),
        cmocka_unit_test(test_group_defaults_per_instance),
        cmocka_unit_test(test_group_max),
        cmocka_unit_test(test_group_long_name),
        cmocka_unit_test(test_group_bad_name),
        cmocka_unit_test(test_group_unknown_key),
        cmocka_unit_test(test_group_bad_value),
        cmocka_unit_test(test_group_duplicate),
        cmocka_unit_test(test_group_header_as_inih),
        cmocka_unit_test(test_group_word),
        cmocka_unit_test(test_group_absent),
        cmocka_unit_test(test_agent_keys_table),
        cmocka_unit_test(test_agent_credit_code),
        cmocka_unit_test(test_shipped_agent_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
