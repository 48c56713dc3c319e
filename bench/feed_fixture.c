/* feed_fixture.c — the hub, agents and records of the feed measurements
 * (see feed_fixture.h).
 */
#include "feed_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "codes.h"
#include "domain.pb-c.h"

int feed_env_open(feed_env *e, const char *root, const char *name)
{
    snprintf(e->work, sizeof e->work, "%s/%s", root, name);
    if (mkdir(e->work, 0755) && errno != EEXIST) {
        perror(e->work);
        return -1;
    }
    e->hub = bench_start_hub(e->bin, e->conf, e->work, e->ep, sizeof e->ep);
    return e->hub > 0 ? 0 : -1;
}

void feed_env_close(feed_env *e)
{
    bench_stop(e->hub);
    e->hub = -1;
}

int feed_agent_ini(const feed_env *e, const char *name, const char *code, const char *sink)
{
    char ini[4200], dir[4200], extra[4400] = "";
    snprintf(ini, sizeof ini, "%s/%s.ini", e->work, name);
    snprintf(dir, sizeof dir, "%s/%s", e->work, name);
    if (sink)
        snprintf(extra, sizeof extra,
                 "\n[subscription completions]\nkinds = training_completion\nsink_file = %s\n",
                 sink);
    return bench_agent_ini(ini, code, e->ep, dir, e->conf, extra);
}

pid_t feed_agent_start(const feed_env *e, const char *name)
{
    char ini[4200], log[4200];
    snprintf(ini, sizeof ini, "%s/%s.ini", e->work, name);
    snprintf(log, sizeof log, "%s/%s.log", e->work, name);
    return bench_start_agent(e->bin, ini, log);
}

cjx_outbox *feed_outbox_open(const feed_env *e, const char *name)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/%s", e->work, name);
    return bench_outbox_open(dir, 1024);
}

int feed_bureau_code(int n, char out[19])
{
    return bench_credit_code("11140400BEN", n, out); /* an organ of Changzhi (140400) */
}

uint8_t *feed_pack_completion(void *ctx, long n, size_t *len)
{
    (void)ctx;
    char ref[32], pseudonym[32];
    snprintf(ref, sizeof ref, "TC-%ld", n);
    snprintf(pseudonym, sizeof pseudonym, "p:%ld", n);
    Cjx__Person trainee = CJX__PERSON__INIT;
    trainee.pseudonym = pseudonym;
    Cjx__TrainingCompletion tc = CJX__TRAINING_COMPLETION__INIT;
    tc.trainee = &trainee;
    tc.enterprise_credit_code = FEED_PUBLISHER;
    tc.course_title = "电工";
    tc.skill_level_before = CJX__SKILL_LEVEL__SKILL_LEVEL_5;
    tc.skill_level_after = CJX__SKILL_LEVEL__SKILL_LEVEL_4;
    tc.completion_date = "2026-09-30";
    tc.hours = 80;
    Cjx__Record rec = CJX__RECORD__INIT;
    rec.ref = ref;
    rec.year = 2026;
    rec.detail_case = CJX__RECORD__DETAIL_TRAINING_COMPLETION;
    rec.training_completion = &tc;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_RECORD;
    item.record = &rec;
    *len = cjx__item__get_packed_size(&item);
    uint8_t *buf = malloc(*len);
    if (buf)
        cjx__item__pack(&item, buf);
    return buf;
}

int feed_publish(cjx_outbox *ob, long first, long n, uint64_t *first_seq)
{
    return bench_outbox_fill(ob, feed_pack_completion, NULL, first, n, first_seq);
}
