/* agent_config_test.c — unit tests for the agent's [subscription NAME]
 * sections and feed_window (core/agent_config.c), and for
 * cjx_subscription_build: one case per list it checks, with good and bad
 * entries, and one for the message it builds. Every message built is freed
 * with cjx__subscription__free_unpacked(msg, NULL), so an ASan build finds
 * what it would leak, on the error paths too. The agent's other keys and
 * its credit-code check are tested in config_test.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "tmpdir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_config.h"

#define GOOD_CODE "91140400MA0K7C2D3J"
#define OTHER_CODE "12140400405710843M"

static int group_setup(void **state)
{
    (void)state;
    return tmpdir_make("agent-config");
}

static int group_teardown(void **state)
{
    (void)state;
    return tmpdir_remove();
}

/* Writes text to agent.ini in the temporary folder; returns its path. */
static const char *write_ini(const char *text)
{
    const char *p = tmpdir_path("agent.ini");
    FILE *fp = fopen(p, "w");
    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    return p;
}

/* Loads text as an agent's file, which must load, into *cfg. */
static void load_ok(const char *text, cjx_agent_config *cfg)
{
    cjx_fault f = {0};
    memset(cfg, 0x5a, sizeof *cfg);
    if (cjx_agent_config_load(write_ini(text), cfg, &f) != CJX_OK)
        fail_msg("%s", f.text);
}

/* Loads text as an agent's file, which must be refused with CJX_ECONFIG,
 * field and text starting with the file's path and holding want. */
static void load_bad(const char *text, const char *field, const char *want)
{
    cjx_agent_config cfg;
    cjx_fault f = {0};
    const char *p = write_ini(text);
    cjx_err rc = cjx_agent_config_load(p, &cfg, &f);
    if (rc != CJX_ECONFIG || strcmp(f.field, field) || strncmp(f.text, p, strlen(p)) ||
        !strstr(f.text, want))
        fail_msg("got %s \"%s\" [%s], want \"%s\" [%s]", cjx_err_name(rc), f.text, f.field,
                 want, field);
}

#define AGENT "[agent]\ncredit_code = " GOOD_CODE "\n"

/* ---- the agent's file ---- */

static void test_agent_subscriptions(void **state)
{
    (void)state;
    cjx_agent_config cfg;
    load_ok(AGENT "feed_window = 100\n"
                  "[subscription jobs]\n"
                  "kinds = job, internship\n"
                  "clusters = information_tech, CLUSTER_SEMICONDUCTOR_OPTO\n"
                  "divisions = 1404\n"
                  "sink_file = feeds/jobs.jsonl\n"
                  "\n"
                  "[subscription completions]\n"
                  "kinds = training_completion\n"
                  "sink_command = /usr/local/bin/on-completion\n",
            &cfg);
    assert_string_equal(cfg.credit_code, GOOD_CODE);
    assert_int_equal(cfg.feed_window, 100);
    assert_int_equal(cfg.nsubs, 2);
    const cjx_subscription_config *a = &cfg.subs[0], *b = &cfg.subs[1];
    assert_string_equal(a->name, "jobs");
    assert_string_equal(a->kinds, "job, internship");
    assert_string_equal(a->clusters, "information_tech, CLUSTER_SEMICONDUCTOR_OPTO");
    assert_string_equal(a->divisions, "1404");
    assert_string_equal(a->sink_file, "feeds/jobs.jsonl");
    assert_string_equal(a->sink_command, "");
    assert_string_equal(b->name, "completions");
    assert_string_equal(b->kinds, "training_completion");
    assert_string_equal(b->sink_command, "/usr/local/bin/on-completion");
    /* keys not given are at their default, "" */
    assert_string_equal(b->clusters, "");
    assert_string_equal(b->divisions, "");
    assert_string_equal(b->majors, "");
    assert_string_equal(b->publishers, "");
    assert_string_equal(b->sink_file, "");
}

static void test_agent_no_subscriptions(void **state)
{
    (void)state;
    cjx_agent_config cfg;
    load_ok(AGENT, &cfg);
    assert_int_equal(cfg.nsubs, 0);
    cjx_fault f = {0};
    memset(&cfg, 0x5a, sizeof cfg);
    assert_int_equal(cjx_agent_config_load(NULL, &cfg, &f), CJX_ECONFIG);
    assert_int_equal(cfg.nsubs, 0);
}

static void test_agent_feed_window(void **state)
{
    (void)state;
    cjx_agent_config cfg;
    load_ok(AGENT, &cfg);
    assert_int_equal(cfg.feed_window, 4096);
    load_ok(AGENT "feed_window = 1\n", &cfg);
    assert_int_equal(cfg.feed_window, 1);
    load_ok(AGENT "feed_window = 4096\n", &cfg);
    assert_int_equal(cfg.feed_window, 4096);
    load_bad(AGENT "feed_window = 0\n", "feed_window", ":3: 0 is outside 1..4096");
    load_bad(AGENT "feed_window = 4097\n", "feed_window", ":3: 4097 is outside 1..4096");
}

/* The institution kind for the registry: by name, whole or short, any case. */
static void test_agent_kind(void **state)
{
    (void)state;
    cjx_agent_config cfg;
    load_ok(AGENT, &cfg); /* GOOD_CODE starts 91: an enterprise */
    assert_int_equal(cfg.institution_kind, CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE);
    load_ok(AGENT "kind = college\n", &cfg);
    assert_int_equal(cfg.institution_kind, CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE);
    load_ok(AGENT "kind = INSTITUTION_BUREAU\n", &cfg);
    assert_int_equal(cfg.institution_kind, CJX__INSTITUTION_KIND__INSTITUTION_BUREAU);
    load_ok(AGENT "kind = Vocational_Group\n", &cfg);
    assert_int_equal(cfg.institution_kind, CJX__INSTITUTION_KIND__INSTITUTION_VOCATIONAL_GROUP);
    load_bad(AGENT "kind = factory\n", "kind", "kind \"factory\": not college");
    load_bad(AGENT "kind = unspecified\n", "kind", "not college");
}

static void test_agent_missing_sink(void **state)
{
    (void)state;
    load_bad(AGENT "[subscription a]\nsink_file = a.jsonl\n[subscription b]\nkinds = job\n",
             "subscription b", ": [subscription b] has no sink: give sink_file or sink_command");
    /* a header alone is a subscription too, and has no sink */
    load_bad(AGENT "[subscription lone]\n", "subscription lone", "[subscription lone] has no sink");
}

static void test_agent_too_many_subscriptions(void **state)
{
    (void)state;
    char text[4096] = AGENT;
    for (int i = 0; i < CJX_MAX_SUBSCRIPTIONS; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text),
                 "[subscription s%d]\nsink_file = f\n", i);
    cjx_agent_config cfg;
    load_ok(text, &cfg);
    assert_int_equal(cfg.nsubs, CJX_MAX_SUBSCRIPTIONS);
    strcat(text, "[subscription one-more]\nsink_file = f\n");
    load_bad(text, "subscription one-more", ": more than 16 [subscription NAME] sections");
}

static void test_agent_subscription_keys(void **state)
{
    (void)state;
    load_bad(AGENT "[subscription a]\nsink = a.jsonl\n", "subscription a.sink",
             ":4: unknown key \"sink\" in section [subscription a]");
    load_bad(AGENT "[subscription a]\nsink_file = x\n[subscription a]\nsink_file = y\n",
             "subscription a", ":5: section [subscription a] given twice");
    load_bad(AGENT "[subscription]\nsink_file = x\n", "subscription",
             ":3: section [subscription] needs a name");
}

/* A list that does not build is refused when the file is loaded. */
static void test_agent_bad_list(void **state)
{
    (void)state;
    load_bad(AGENT "[subscription ok]\nsink_file = f\nkinds = job\n"
                   "[subscription jobs]\nsink_file = f\nkinds = job, jobz\n",
             "subscription jobs.kinds", ": [subscription jobs] kinds: \"jobz\": ");
    load_bad(AGENT "[subscription jobs]\nsink_file = f\npublishers = " OTHER_CODE ", x\n",
             "subscription jobs.publishers", "publishers: \"x\": malformed code");
}

/* ---- cjx_subscription_build ---- */

/* The offset in cjx_subscription_config of the list called key. */
static size_t list_offset(const char *key)
{
    static const struct {
        const char *key;
        size_t offset;
    } lists[] = {
        {"kinds", offsetof(cjx_subscription_config, kinds)},
        {"clusters", offsetof(cjx_subscription_config, clusters)},
        {"divisions", offsetof(cjx_subscription_config, divisions)},
        {"majors", offsetof(cjx_subscription_config, majors)},
        {"publishers", offsetof(cjx_subscription_config, publishers)},
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (strcmp(lists[i].key, key) == 0)
            return lists[i].offset;
    fail_msg("no list %s", key);
    return 0;
}

/* Builds subscription "t" with list key = text. */
static cjx_err build(const char *key, const char *text, Cjx__Subscription **out,
                     cjx_fault *f)
{
    cjx_subscription_config sc = {.name = "t"};
    snprintf((char *)&sc + list_offset(key), CJX_CONF_STRMAX, "%s", text);
    *out = NULL;
    return cjx_subscription_build(&sc, out, f);
}

/* Each of entries (NULL-terminated) builds alone as list key. */
static void expect_good(const char *key, const char *const *entries)
{
    for (; *entries; entries++) {
        Cjx__Subscription *sub;
        cjx_fault f = {0};
        if (build(key, *entries, &sub, &f) != CJX_OK)
            fail_msg("%s \"%s\": %s", key, *entries, f.text);
        cjx__subscription__free_unpacked(sub, NULL);
    }
}

/* Each of entries (NULL-terminated), after a good one, is refused as list
 * key with the entry and why in the text. */
static void expect_bad(const char *key, const char *good, const char *const *entries,
                       const char *why)
{
    for (; *entries; entries++) {
        char text[CJX_CONF_STRMAX], field[64], want[200];
        snprintf(text, sizeof text, "%s, %s", good, *entries);
        snprintf(field, sizeof field, "subscription t.%s", key);
        snprintf(want, sizeof want, "[subscription t] %s: \"%s\": %s", key, *entries, why);
        Cjx__Subscription *sub;
        cjx_fault f = {0};
        cjx_err rc = build(key, text, &sub, &f);
        if (rc != CJX_ECONFIG || strcmp(f.field, field) || strcmp(f.text, want))
            fail_msg("%s \"%s\": got %s \"%s\" [%s], want \"%s\"", key, *entries,
                     cjx_err_name(rc), f.text, f.field, want);
        assert_null(sub); /* written only on success */
    }
}

static void test_build_kinds(void **state)
{
    (void)state;
    expect_good("kinds", (const char *const[]){"job", "internship", "training_completion",
                                               "graduate_outcome", NULL});
    expect_bad("kinds", "job", (const char *const[]){"jobz", "Job", "posting", "job.x", NULL},
               "not a kind of posting or record");
}

static void test_build_clusters(void **state)
{
    (void)state;
    expect_good("clusters",
                (const char *const[]){"CLUSTER_INFORMATION_TECH", "information_tech",
                                      "Semiconductor_Opto", "cluster_solid_waste",
                                      "COAL_CHEMICALS", NULL});
    expect_bad("clusters", "coal_chemicals",
               (const char *const[]){"CLUSTER_UNSPECIFIED", "unspecified", "CLUSTER_", "it",
                                     "information tech", "CLUSTERINFORMATION_TECH", "7", NULL},
               "not a cluster");
}

static void test_build_divisions(void **state)
{
    (void)state;
    expect_good("divisions", (const char *const[]){"14", "1404", "140403", "00", NULL});
    expect_bad("divisions", "14",
               (const char *const[]){"1", "1404031", "14a4", "14-04", "+14", "１４", NULL},
               "not a division code prefix of 2 to 6 digits");
}

static void test_build_majors(void **state)
{
    (void)state;
    expect_good("majors", (const char *const[]){"510101", "520101K", "000000", NULL});
    expect_bad("majors", "510101",
               (const char *const[]){"51010", "5101011", "520101k", "080910T", "52010K1",
                                     "K520101", "510101KK", "5101O1", NULL},
               "not a major code of 6 digits and an optional K");
}

static void test_build_publishers(void **state)
{
    (void)state;
    expect_good("publishers", (const char *const[]){GOOD_CODE, OTHER_CODE, NULL});
    expect_bad("publishers", GOOD_CODE, (const char *const[]){"91140400MA0K7C2D3K", NULL},
               "wrong check character");
    expect_bad("publishers", GOOD_CODE,
               (const char *const[]){"91140400ma0k7c2d3j", "9114", "x", NULL},
               "malformed code");
}

/* Entries are trimmed, empty ones skipped, and an empty list is no list. */
static void test_build_splitting(void **state)
{
    (void)state;
    Cjx__Subscription *sub;
    cjx_fault f = {0};
    assert_int_equal(build("kinds", " ,job ,\t, internship\t,,", &sub, &f), CJX_OK);
    assert_int_equal(sub->n_kinds, 2);
    assert_string_equal(sub->kinds[0], "job");
    assert_string_equal(sub->kinds[1], "internship");
    cjx__subscription__free_unpacked(sub, NULL);

    assert_int_equal(build("kinds", " , ,", &sub, &f), CJX_OK);
    assert_int_equal(sub->n_kinds, 0);
    assert_null(sub->kinds);
    cjx__subscription__free_unpacked(sub, NULL);
}

static void test_build_message(void **state)
{
    (void)state;
    cjx_subscription_config sc = {
        .name = "jobs",
        .kinds = "job, internship",
        .clusters = "information_tech, CLUSTER_SEMICONDUCTOR_OPTO",
        .divisions = "1404, 140403",
        .majors = "510101,520101K",
        .publishers = GOOD_CODE " , " OTHER_CODE,
        .sink_file = "feeds/jobs.jsonl",
    };
    Cjx__Subscription *sub = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_subscription_build(&sc, &sub, &f), CJX_OK);
    assert_string_equal(sub->name, "jobs");
    assert_int_equal(sub->n_kinds, 2);
    assert_string_equal(sub->kinds[0], "job");
    assert_string_equal(sub->kinds[1], "internship");
    assert_int_equal(sub->n_clusters, 2);
    assert_int_equal(sub->clusters[0], CJX__CLUSTER__CLUSTER_INFORMATION_TECH);
    assert_int_equal(sub->clusters[1], CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO);
    assert_int_equal(sub->n_division_codes, 2);
    assert_string_equal(sub->division_codes[0], "1404");
    assert_string_equal(sub->division_codes[1], "140403");
    assert_int_equal(sub->n_major_codes, 2);
    assert_string_equal(sub->major_codes[0], "510101");
    assert_string_equal(sub->major_codes[1], "520101K");
    assert_int_equal(sub->n_publishers, 2);
    assert_string_equal(sub->publishers[0], GOOD_CODE);
    assert_string_equal(sub->publishers[1], OTHER_CODE);
    assert_false(sub->ephemeral);
    assert_int_equal(sub->start_seq, 0);

    /* it is a well-formed message: it packs and unpacks to the same */
    size_t len = cjx__subscription__get_packed_size(sub);
    uint8_t *buf = malloc(len);
    assert_non_null(buf);
    assert_int_equal(cjx__subscription__pack(sub, buf), len);
    Cjx__Subscription *back = cjx__subscription__unpack(NULL, len, buf);
    assert_non_null(back);
    assert_string_equal(back->name, "jobs");
    assert_int_equal(back->n_clusters, 2);
    assert_int_equal(back->clusters[1], CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO);
    assert_string_equal(back->major_codes[1], "520101K");
    cjx__subscription__free_unpacked(back, NULL);
    free(buf);
    cjx__subscription__free_unpacked(sub, NULL);

    /* with nothing given, the strings stay protobuf-c's empty string */
    cjx_subscription_config none = {.name = ""};
    assert_int_equal(cjx_subscription_build(&none, &sub, &f), CJX_OK);
    assert_ptr_equal(sub->name, protobuf_c_empty_string);
    assert_int_equal(sub->n_kinds + sub->n_clusters + sub->n_division_codes +
                         sub->n_major_codes + sub->n_publishers,
                     0);
    cjx__subscription__free_unpacked(sub, NULL);
}

/* A list refused after others were filled frees them (ASan would say). */
static void test_build_fails_late(void **state)
{
    (void)state;
    cjx_subscription_config sc = {
        .name = "late",
        .kinds = "job, internship",
        .clusters = "information_tech",
        .divisions = "1404",
        .majors = "510101",
        .publishers = GOOD_CODE ", nope",
    };
    Cjx__Subscription *sub = NULL;
    cjx_fault f = {0};
    assert_int_equal(cjx_subscription_build(&sc, &sub, &f), CJX_ECONFIG);
    assert_null(sub);
    assert_string_equal(f.field, "subscription late.publishers");
    assert_string_equal(f.text, "[subscription late] publishers: \"nope\": malformed code");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_agent_subscriptions),
        cmocka_unit_test(test_agent_no_subscriptions),
        cmocka_unit_test(test_agent_feed_window),
        cmocka_unit_test(test_agent_kind),
        cmocka_unit_test(test_agent_missing_sink),
        cmocka_unit_test(test_agent_too_many_subscriptions),
        cmocka_unit_test(test_agent_subscription_keys),
        cmocka_unit_test(test_agent_bad_list),
        cmocka_unit_test(test_build_kinds),
        cmocka_unit_test(test_build_clusters),
        cmocka_unit_test(test_build_divisions),
        cmocka_unit_test(test_build_majors),
        cmocka_unit_test(test_build_publishers),
        cmocka_unit_test(test_build_splitting),
        cmocka_unit_test(test_build_message),
        cmocka_unit_test(test_build_fails_late),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
