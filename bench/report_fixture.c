/* report_fixture.c — the Changzhi-sized city of the report benchmark (see
 * report_fixture.h): who its institutions are and what each publishes.
 *
 * Everything is drawn from one seeded generator, so every run publishes the
 * same data. Enterprises belong to sectors (煤化工, 半导体光电, 新能源汽车…)
 * that give them their cluster, industry and the majors they recruit; the
 * colleges and schools teach the majors of a few sectors. A year is made in
 * the order the city reports it: the enterprises' censuses and training
 * completions, their postings (and fills and withdrawals of those still
 * open today), the schools' programmes, graduate outcomes and teacher
 * placements, and last the internship placements, as many as make the
 * year's records up to the size asked for.
 */
#include "report_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "codes.h"
#include "validate.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the city ---- */

enum { COAL, SEMI, NEV, MED, MIL, AVIA, IT, WASTE, TRADE, HEALTH, TOUR, EDU, SECTORS };

static const struct sector {
    const char *name;          /* as it appears in an enterprise's name */
    const char *industry;      /* GB/T 4754-2017 class */
    Cjx__Cluster cluster;
    const char *majors[7];     /* of the 2021 catalogue; NULL-ended */
    const char *posts[3];      /* what its postings recruit for */
} sectors[SECTORS] = {
    [COAL] = {"煤化工", "2614", CJX__CLUSTER__CLUSTER_COAL_CHEMICALS,
              {"470201", "470205", "470208", "420501", "460306"},
              {"化工总控工", "煤化工工艺操作员", "安全环保专员"}},
    [SEMI] = {"光电科技", "3973", CJX__CLUSTER__CLUSTER_SEMICONDUCTOR_OPTO,
              {"510401", "510101", "460306", "510102"},
              {"半导体封装工艺工程师", "芯片测试技术员", "设备维护技术员"}},
    [NEV] = {"新能源汽车", "3612", CJX__CLUSTER__CLUSTER_NEW_ENERGY_VEHICLES,
             {"460702", "500212", "460701", "510107", "460301"},
             {"新能源汽车装调工", "电池包检测技术员", "售后维修技师"}},
    [MED] = {"医药", "2720", CJX__CLUSTER__CLUSTER_MEDICINE_HEALTH,
             {"520301", "520501", "470208", "520801"},
             {"药品生产操作员", "质量检验员", "药品注册专员"}},
    [MIL] = {"精密机械", "3484", CJX__CLUSTER__CLUSTER_MILITARY_CIVIL,
             {"460101", "460103", "460104", "460305"},
             {"数控机床操作工", "机械设计员", "装配钳工"}},
    [AVIA] = {"通用航空", "3741", CJX__CLUSTER__CLUSTER_GENERAL_AVIATION,
              {"460301", "460306", "460305"},
              {"无人机装调检修工", "航空器维修技术员", "地勤保障员"}},
    [IT] = {"信息技术", "6513", CJX__CLUSTER__CLUSTER_INFORMATION_TECH,
            {"510203", "510201", "510202", "510205", "510209", "510204"},
            {"软件开发工程师", "网络运维工程师", "数据标注员"}},
    [WASTE] = {"资源再生", "4220", CJX__CLUSTER__CLUSTER_SOLID_WASTE,
               {"470208", "470201", "460306"},
               {"固废处理操作员", "化验员", "设备巡检员"}},
    [TRADE] = {"商贸物流", "5990", CJX__CLUSTER__CLUSTER_UNSPECIFIED,
               {"530802", "530701", "530302", "530702"},
               {"仓储物流管理员", "电子商务运营专员", "会计助理"}},
    [HEALTH] = {"医疗健康", "8411", CJX__CLUSTER__CLUSTER_MEDICINE_HEALTH,
                {"520201", "520202", "520601", "520101K"},
                {"护士", "康复治疗师", "助产士"}},
    [TOUR] = {"文化旅游", "6110", CJX__CLUSTER__CLUSTER_UNSPECIFIED,
              {"540101", "540102", "530701"},
              {"导游", "酒店前台接待", "旅游线路策划"}},
    [EDU] = {"教育服务", "8310", CJX__CLUSTER__CLUSTER_UNSPECIFIED,
             {"570102K", "520802", "570101K"},
             {"幼儿教师", "保育员", "托育服务员"}},
};

/* Changzhi's colleges and schools (the colleges first); the majors they
 * teach are those of their sectors. The last one never places teachers on
 * rotating posts (§17 flags it) and reports no programme for the last year
 * (unreported). */
#define COLLEGE CJX__INSTITUTION_KIND__INSTITUTION_COLLEGE
#define SCHOOL CJX__INSTITUTION_KIND__INSTITUTION_SCHOOL
static const struct school {
    const char *name, *division;
    Cjx__InstitutionKind kind;
    int sectors[4], nsectors;
    int graduates_min, graduates_max; /* expected per programme and year */
} schools[REPORT_SCHOOLS] = {
    {"长治学院", "140403", COLLEGE, {IT, SEMI, EDU, TRADE}, 4, 90, 260},
    {"长治医学院", "140403", COLLEGE, {MED, HEALTH}, 2, 120, 320},
    {"山西机电职业技术学院", "140403", COLLEGE, {MIL, NEV, AVIA, SEMI}, 4, 90, 260},
    {"长治职业技术学院", "140404", COLLEGE, {IT, TRADE, NEV, TOUR}, 4, 80, 240},
    {"潞安职业技术学院", "140406", COLLEGE, {COAL, WASTE, MIL}, 3, 80, 220},
    {"长治幼儿师范高等专科学校", "140403", COLLEGE, {EDU, HEALTH, TOUR}, 3, 80, 240},
    {"长治技师学院", "140403", SCHOOL, {NEV, MIL}, 2, 40, 120},
    {"长治卫生学校", "140406", SCHOOL, {HEALTH, MED}, 2, 40, 140},
    {"长治市职业教育中心", "140403", SCHOOL, {IT, TRADE}, 2, 40, 120},
    {"襄垣县职业高级中学", "140423", SCHOOL, {COAL, NEV}, 2, 30, 90},
    {"长子县职业高级中学", "140428", SCHOOL, {TRADE, TOUR, EDU}, 3, 30, 90},
    {"沁源县职业高级中学", "140431", SCHOOL, {COAL, WASTE}, 2, 30, 90},
    {"武乡县职业高级中学", "140429", SCHOOL, {TOUR, TRADE, IT}, 3, 30, 90},
};
#define COLLEGES 6
#define LAGGARD (REPORT_SCHOOLS - 1)

static const char *const counties[] = {"140403", "140404", "140405", "140406", "140423",
                                       "140425", "140426", "140427", "140428", "140429",
                                       "140430", "140431"};
/* Where graduates who leave Changzhi work. */
static const char *const elsewhere[] = {"140100", "140500", "140700", "110105", "310000",
                                        "440000"};
static const char *const places[] = {"潞安", "上党", "太行", "漳泽", "屯留", "黎城", "壶关", "襄垣",
                                     "沁源", "武乡", "潞州", "长子", "平顺", "沁州", "高新", "经开"};
static const char *const brands[] = {"恒信", "华晟", "鑫源", "宏达", "瑞丰",
                                     "晋能", "泰和", "中科", "天成", "博远"};
static const char *const duties[] = {
    "负责产线工艺优化与良率提升", "按照标准作业指导书完成装配", "维护生产设备并记录运行数据",
    "完成日常巡检与安全检查", "配合研发部门完成样品试制", "参与新产品导入与质量改进",
    "负责客户订单跟踪与售后服务", "协助班组长完成生产计划"};
static const char *const requirements[] = {"大专及以上学历", "中职及以上学历", "持电工证",
                                           "应届毕业生亦可", "两年以上相关工作经验",
                                           "能适应倒班工作"};
static const char *const courses[] = {"电工作业安全培训", "数控车床编程与操作", "化工总控工培训",
                                      "新能源汽车高压安全", "育婴员培训", "电子商务实务",
                                      "焊接技术", "工业机器人操作与运维"};
static const char *const certificates[] = {"低压电工作业证", "数控车工职业技能等级证书",
                                           "化工总控工职业技能等级证书", "育婴员证",
                                           "焊工职业资格证书", "电子商务师证书"};
/* Graduate destinations, by share in percent (the employed first). */
static const struct {
    const char *code;
    int pct;
} destinations[] = {{"10", 38}, {"11", 8}, {"12", 5}, {"27", 2}, {"46", 2}, {"50", 5},
                    {"51", 5},  {"75", 2}, {"76", 2}, {"80", 8}, {"81", 2}, {"82", 1},
                    {"85", 2},  {"70", 10}, {"71", 5}, {"72", 3}};
#define EMPLOYED_DESTINATIONS 9

/* ---- drawing ---- */

typedef struct builder {
    report_fixture *fx;
    const report_size *sz;
    cjx_validator v;
    uint64_t rng;
    int today, last_day;       /* days since 1970: the hub's date; the newest a record may bear */
    int *employees, *sector;   /* by enterprise number (0-based) */
    long graduates[REPORT_SCHOOLS];  /* expected this year, for sharing out internships */
} builder;

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint32_t draw(builder *b)
{
    b->rng = mix(b->rng);
    return (uint32_t)(b->rng >> 32);
}

/* A whole number from lo to hi, both included. */
static int between(builder *b, int lo, int hi)
{
    return lo + (int)(draw(b) % (uint32_t)(hi - lo + 1));
}

static int chance(builder *b, int pct)
{
    return (int)(draw(b) % 100) < pct;
}

#define PICK(b, list) list[draw(b) % N_OF(list)]

/* A pseudonym as agents make them (a keyed hash): 16 hex digits of who the
 * person is to the generator. */
static void pseudonym(char out[20], char tag, uint64_t a, uint64_t b, uint64_t c)
{
    snprintf(out, 20, "%c%016llx", tag,
             (unsigned long long)mix(mix(mix(a) ^ b) ^ c));
}

/* ---- dates ---- */

static int day_of(int year, int month, int day)
{
    char s[16];
    int days = 0;
    snprintf(s, sizeof s, "%04d-%02d-%02d", year, month, day);
    cjx_date_parse(s, &days);
    return days;
}

static void date_text(int days, char out[11])
{
    time_t t = (time_t)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static int clamp_day(const builder *b, int days, int earliest)
{
    if (days > b->last_day)
        days = b->last_day;
    return days < earliest ? earliest : days;
}

/* ---- items ---- */

/* Checks item as the hub will, packs it and appends it to in's items.
 * Returns 0 or -1 (the reason on stderr). */
static int add_item(builder *b, report_institution *in, const Cjx__Item *item)
{
    cjx_fault f;
    if (cjx_validate_item(&b->v, item, &f) != CJX_OK) {
        fprintf(stderr, "report_fixture: a %s of %s would be refused: %s %s: %s\n",
                cjx_item_kind(item) ? cjx_item_kind(item) : "status change", in->code,
                cjx_err_name(f.code), f.field, f.text);
        return -1;
    }
    if (in->nitems == in->cap) {
        size_t cap = in->cap ? 2 * in->cap : 16;
        ProtobufCBinaryData *v = realloc(in->items, cap * sizeof *v);
        if (!v)
            return -1;
        in->items = v;
        in->cap = cap;
    }
    size_t len = cjx__item__get_packed_size(item);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return -1;
    cjx__item__pack(item, buf);
    in->items[in->nitems++] = (ProtobufCBinaryData){len, buf};
    b->fx->items++;
    b->fx->bytes += len;
    return 0;
}

static int add_record(builder *b, report_institution *in, Cjx__Record *r)
{
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_RECORD;
    item.record = r;
    if (add_item(b, in, &item))
        return -1;
    int y = r->year - REPORT_FIRST_YEAR;
    b->fx->records[y][r->detail_case - CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT]++;
    b->fx->records[y][REPORT_RECORD_KINDS]++;
    return 0;
}

/* A record of year with reference ref, kept for purpose. */
static void record_init(Cjx__Record *r, char *ref, int year, char *purpose)
{
    cjx__record__init(r);
    r->ref = ref;
    r->year = year;
    r->purpose = purpose;
    r->retention_days = 3650;
}

/* ---- enterprises ---- */

static report_institution *enterprise(builder *b, int e)
{
    return &b->fx->inst[REPORT_SCHOOLS + e];
}

/* Enterprise number e (0-based): a sector, a size (2% large, 10% medium,
 * 40% small, the rest micro), a county and its registry entry. */
static int make_enterprise(builder *b, int e)
{
    report_institution *in = enterprise(b, e);
    int s = between(b, 0, SECTORS - 1), roll = between(b, 0, 99);
    if (bench_credit_code("91140400ENT", e + 1, in->code))
        return -1;
    snprintf(in->name, sizeof in->name, "长治%s%s%s有限公司", PICK(b, places), PICK(b, brands),
             sectors[s].name);
    snprintf(in->division, sizeof in->division, "%s",
             chance(b, 40) ? counties[0] : PICK(b, counties));
    snprintf(in->industry, sizeof in->industry, "%s", sectors[s].industry);
    in->kind = CJX__INSTITUTION_KIND__INSTITUTION_ENTERPRISE;
    in->cluster = sectors[s].cluster;
    b->sector[e] = s;
    if (roll < 2)
        in->size = CJX__ENTERPRISE_SIZE__SIZE_LARGE, b->employees[e] = between(b, 1000, 8000);
    else if (roll < 12)
        in->size = CJX__ENTERPRISE_SIZE__SIZE_MEDIUM, b->employees[e] = between(b, 300, 999);
    else if (roll < 52)
        in->size = CJX__ENTERPRISE_SIZE__SIZE_SMALL, b->employees[e] = between(b, 20, 299);
    else
        in->size = CJX__ENTERPRISE_SIZE__SIZE_MICRO, b->employees[e] = between(b, 3, 19);
    in->above_scale = in->size <= CJX__ENTERPRISE_SIZE__SIZE_MEDIUM ||
                      (in->size == CJX__ENTERPRISE_SIZE__SIZE_SMALL && chance(b, 35));
    return 0;
}

/* x·pct/100, at least lo. */
static long long share(long long x, int pct, long long lo)
{
    long long v = x * pct / 100;
    return v < lo ? lo : v;
}

/* The census of year of enterprise e; 3% of them (5% the last year) are
 * not reported. The §11 posts are drawn around the plan's thresholds, so
 * that about half fall short; the §13 figures so that a third or so fail
 * each rule (6% spent nothing). */
static int census(builder *b, int e, int year)
{
    if (chance(b, year == REPORT_FIRST_YEAR ? 3 : 5))
        return 0;
    report_institution *in = enterprise(b, e);
    int change = year == REPORT_FIRST_YEAR ? 100 : between(b, 92, 112);
    long long emp = share(b->employees[e], change, 1);
    Cjx__EnterpriseCensus c = CJX__ENTERPRISE_CENSUS__INIT;
    c.enterprise_credit_code = in->code;
    c.employees = (int32_t)emp;
    c.technical_posts = (int32_t)share(emp, between(b, 8, 40), 1);
    c.front_line_staff = (int32_t)share(emp, between(b, 40, 80), 1);
    c.size = in->size;
    c.above_scale = in->above_scale;
    c.internship_posts = (int32_t)share((c.technical_posts + 9) / 10, between(b, 40, 170), 0);
    c.teacher_practice_posts = (int32_t)share((emp + 199) / 200, between(b, 30, 180), 0);
    c.wage_bill_yuan = emp * between(b, 55000, 95000);
    c.training_fund_extracted_yuan = c.wage_bill_yuan * between(b, 15, 80) / 1000;
    if (!chance(b, 6))
        c.training_fund_spent_yuan = share(c.training_fund_extracted_yuan, between(b, 40, 110), 0);
    c.training_fund_front_line_yuan = share(c.training_fund_spent_yuan, between(b, 45, 90), 0);
    c.employees_trained = (int32_t)share(emp, between(b, 25, 90), 0);
    char ref[32];
    snprintf(ref, sizeof ref, "CEN-%d", year);
    Cjx__Record r;
    record_init(&r, ref, year, "§11 §13 企业年度统计");
    r.detail_case = CJX__RECORD__DETAIL_ENTERPRISE_CENSUS;
    r.enterprise_census = &c;
    return add_record(b, in, &r);
}

/* The skill level one above level (SKILL_NONE → level 5 → … → level 1). */
static Cjx__SkillLevel level_up(Cjx__SkillLevel level)
{
    return level == CJX__SKILL_LEVEL__SKILL_NONE ? CJX__SKILL_LEVEL__SKILL_LEVEL_5
           : level > CJX__SKILL_LEVEL__SKILL_LEVEL_1 ? level - 1
                                                     : level;
}

/* The training completions enterprise e reports for year: most of new
 * hires with a labour contract starting that year (the §14 subsidy claims),
 * the rest of staff. 2% of the hires are claimed twice. */
static int trainings(builder *b, int e, int year)
{
    static const int most[] = {[CJX__ENTERPRISE_SIZE__SIZE_LARGE] = 10,
                               [CJX__ENTERPRISE_SIZE__SIZE_MEDIUM] = 7,
                               [CJX__ENTERPRISE_SIZE__SIZE_SMALL] = 5,
                               [CJX__ENTERPRISE_SIZE__SIZE_MICRO] = 3};
    static const int months[] = {3, 6, 6, 12, 12, 12, 24, 36};
    report_institution *in = enterprise(b, e);
    int n = between(b, in->size == CJX__ENTERPRISE_SIZE__SIZE_MICRO ? 0 : 1, most[in->size]);
    int jan1 = day_of(year, 1, 1);
    for (int k = 0; k < n; k++) {
        char ref[48], who[20], start[11] = "", done[11];
        Cjx__Person p = CJX__PERSON__INIT;
        pseudonym(who, 't', (uint64_t)e, (uint64_t)year, (uint64_t)k);
        p.pseudonym = who;
        Cjx__TrainingCompletion t = CJX__TRAINING_COMPLETION__INIT;
        t.trainee = &p;
        t.enterprise_credit_code = in->code;
        if (chance(b, 50))
            t.provider_credit_code = b->fx->inst[between(b, 0, REPORT_SCHOOLS - 1)].code;
        t.course_title = (char *)PICK(b, courses);
        if (chance(b, 40))
            t.certificate_name = (char *)PICK(b, certificates);
        int roll = between(b, 0, 99);
        t.skill_level_before = roll < 55   ? CJX__SKILL_LEVEL__SKILL_NONE
                               : roll < 85 ? CJX__SKILL_LEVEL__SKILL_LEVEL_5
                                           : CJX__SKILL_LEVEL__SKILL_LEVEL_4;
        t.skill_level_after = chance(b, 45) ? level_up(t.skill_level_before)
                                            : t.skill_level_before;
        int finished;
        if (chance(b, 85)) {
            int first = jan1 + between(b, 0, 330);
            date_text(first, start);
            t.contract_start_date = start;
            t.contract_months = PICK(b, months);
            finished = clamp_day(b, first + between(b, 15, 400), first);
        } else {
            finished = clamp_day(b, jan1 + between(b, 9, 350), jan1);
        }
        date_text(finished, done);
        t.completion_date = done;
        t.hours = between(b, 16, 120);
        snprintf(ref, sizeof ref, "TC-%d-%04d", year, k);
        Cjx__Record r;
        record_init(&r, ref, year, "§14 就业补贴");
        r.detail_case = CJX__RECORD__DETAIL_TRAINING_COMPLETION;
        r.training_completion = &t;
        if (add_record(b, in, &r))
            return -1;
        if (start[0] && chance(b, 2)) { /* the same hire claimed again */
            snprintf(ref, sizeof ref, "TC-%d-%04d-B", year, k);
            if (add_record(b, in, &r))
                return -1;
        }
    }
    return 0;
}

/* The kinds of posting the reports read, by share in percent. */
static const struct posting_kind {
    const char *prefix;
    Cjx__Posting__DetailCase detail;
    int pct;
} posting_kinds[] = {
    {"JOB", CJX__POSTING__DETAIL_JOB, 55},
    {"INT", CJX__POSTING__DETAIL_INTERNSHIP, 25},
    {"TPP", CJX__POSTING__DETAIL_TEACHER_PRACTICE, 10},
    {"APP", CJX__POSTING__DETAIL_APPRENTICESHIP, 6},
    {"ORD", CJX__POSTING__DETAIL_ORDER_TRAINING, 4},
};

/* Closes posting ref of in: filled or withdrawn. */
static int close_posting(builder *b, report_institution *in, char *ref, int filled)
{
    Cjx__StatusChange c = CJX__STATUS_CHANGE__INIT;
    c.ref = ref;
    c.status = filled ? CJX__POSTING_STATUS__STATUS_FILLED : CJX__POSTING_STATUS__STATUS_WITHDRAWN;
    c.note = filled ? "已招满" : "岗位调整，取消招聘";
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_STATUS_CHANGE;
    item.status_change = &c;
    b->fx->status_changes++;
    return add_item(b, in, &item);
}

/* Posting k of year, by the larger of two enterprises drawn (large ones
 * post more), in its county, cluster and majors, valid for one to five
 * months from a day of the year. Those past their date today the hub
 * expires; of the others, 12% are filled and 5% withdrawn right after. */
static int posting(builder *b, int year, int k)
{
    int e = between(b, 0, b->sz->enterprises - 1), other = between(b, 0, b->sz->enterprises - 1);
    if (b->employees[other] > b->employees[e])
        e = other;
    report_institution *in = enterprise(b, e);
    const struct sector *s = &sectors[b->sector[e]];
    int roll = between(b, 0, 99);
    size_t kind = 0;
    while (kind + 1 < N_OF(posting_kinds) && roll >= posting_kinds[kind].pct)
        roll -= posting_kinds[kind++].pct;
    const struct posting_kind *pk = &posting_kinds[kind];

    size_t nm = 0;
    while (s->majors[nm])
        nm++;
    char *majors[3];
    size_t want = (size_t)between(b, 1, 3), first_major = draw(b) % nm;
    for (size_t m = 0; m < want && m < nm; m++)
        majors[m] = (char *)s->majors[(first_major + m) % nm];
    char ref[32], title[160], desc[256], from[11], until[11];
    const char *post = PICK(b, s->posts);
    int first = day_of(year, 1, 5) + between(b, 0, 320), last = first + between(b, 30, 150);
    date_text(first, from);
    date_text(last, until);
    snprintf(ref, sizeof ref, "%s-%d-%05d", pk->prefix, year, k);
    snprintf(desc, sizeof desc, "%s；%s", PICK(b, duties), PICK(b, duties));

    Cjx__Posting p = CJX__POSTING__INIT;
    p.ref = ref;
    p.title = title;
    p.description = desc;
    p.requirements = (char *)PICK(b, requirements);
    p.division_code = in->division;
    p.cluster = s->cluster;
    p.industry_code = in->industry;
    p.n_major_codes = want < nm ? want : nm;
    p.major_codes = majors;
    p.valid_from = from;
    p.valid_until = until;
    p.contact_office = "人力资源部";
    p.detail_case = pk->detail;
    Cjx__JobPosting job = CJX__JOB_POSTING__INIT;
    Cjx__InternshipPosting intern = CJX__INTERNSHIP_POSTING__INIT;
    Cjx__TeacherPracticePosting teacher = CJX__TEACHER_PRACTICE_POSTING__INIT;
    Cjx__ApprenticeshipPosting apprentice = CJX__APPRENTICESHIP_POSTING__INIT;
    Cjx__OrderTrainingPosting order = CJX__ORDER_TRAINING_POSTING__INIT;
    switch (pk->detail) {
    case CJX__POSTING__DETAIL_JOB:
        snprintf(title, sizeof title, "%s", post);
        job.headcount = between(b, 1, 20);
        job.employer_name = in->name;
        job.content = (char *)PICK(b, duties);
        job.pay_min_yuan = 3000 + 500 * between(b, 0, 8);
        job.pay_max_yuan = job.pay_min_yuan + 500 * between(b, 2, 8);
        job.contract_months = 12 * between(b, 1, 3);
        job.education_min = "大专";
        p.job = &job;
        break;
    case CJX__POSTING__DETAIL_INTERNSHIP:
        snprintf(title, sizeof title, "%s实习生", post);
        intern.headcount = between(b, 2, 30);
        intern.duration_months = between(b, 1, 6);
        intern.stipend_yuan_monthly = 1500 + 100 * between(b, 0, 20);
        intern.insured = chance(b, 90);
        intern.accommodation = chance(b, 60);
        intern.technical_post = chance(b, 70);
        p.internship = &intern;
        break;
    case CJX__POSTING__DETAIL_TEACHER_PRACTICE:
        snprintf(title, sizeof title, "教师企业实践岗：%s", post);
        teacher.headcount = between(b, 1, 5);
        teacher.duration_days = between(b, 20, 90);
        teacher.rotating = chance(b, 40);
        p.teacher_practice = &teacher;
        break;
    case CJX__POSTING__DETAIL_APPRENTICESHIP:
        snprintf(title, sizeof title, "现代学徒制：%s", post);
        apprentice.headcount = between(b, 5, 30);
        apprentice.scheme =
            chance(b, 50) ? CJX__APPRENTICESHIP_POSTING__SCHEME__SCHEME_MODERN
                          : CJX__APPRENTICESHIP_POSTING__SCHEME__SCHEME_ENTERPRISE_NEW_TYPE;
        apprentice.duration_months = between(b, 12, 36);
        apprentice.partner_credit_code = b->fx->inst[between(b, 0, COLLEGES - 1)].code;
        apprentice.pay_yuan_monthly = 2500 + 100 * between(b, 0, 15);
        p.apprenticeship = &apprentice;
        break;
    default:
        snprintf(title, sizeof title, "订单班：%s", post);
        order.headcount = between(b, 10, 40);
        order.partner_credit_code = b->fx->inst[between(b, 0, REPORT_SCHOOLS - 1)].code;
        order.cohort_year = year + 1;
        order.subsidy_yuan = 2000;
        p.order_training = &order;
        break;
    }
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_POSTING;
    item.posting = &p;
    if (add_item(b, in, &item))
        return -1;
    report_fixture *fx = b->fx;
    fx->postings[year - REPORT_FIRST_YEAR][pk->detail - CJX__POSTING__DETAIL_JOB]++;
    if (pk->detail == CJX__POSTING__DETAIL_JOB && !fx->sample_posting[0])
        snprintf(fx->sample_posting, sizeof fx->sample_posting, "%s/%s", in->code, ref);
    if (last < b->today) {
        fx->expiring++;
        return 0;
    }
    if (last < b->today + 2) /* it might expire before its change arrives */
        return 0;
    roll = between(b, 0, 99);
    return roll < 12 ? close_posting(b, in, ref, 1) : roll < 17 ? close_posting(b, in, ref, 0) : 0;
}

/* ---- colleges and schools ---- */

static int make_school(builder *b, int i)
{
    report_institution *in = &b->fx->inst[i];
    const struct school *sd = &schools[i];
    if (bench_credit_code("12140400EDU", i + 1, in->code))
        return -1;
    snprintf(in->name, sizeof in->name, "%s", sd->name);
    snprintf(in->division, sizeof in->division, "%s", sd->division);
    snprintf(in->industry, sizeof in->industry, "%s", sd->kind == COLLEGE ? "8341" : "8336");
    in->kind = sd->kind;
    return 0;
}

/* The majors school i teaches (those of its sectors, once each) into out;
 * returns how many. */
static size_t school_majors(int i, const char **out, size_t cap)
{
    size_t n = 0;
    for (int s = 0; s < schools[i].nsectors; s++)
        for (const char *const *m = sectors[schools[i].sectors[s]].majors; *m && n < cap; m++) {
            size_t j = 0;
            while (j < n && strcmp(out[j], *m) != 0)
                j++;
            if (j == n)
                out[n++] = *m;
        }
    return n;
}

static int programme(builder *b, report_institution *in, const char *major, int year,
                     int expected)
{
    Cjx__ProgrammeRecord p = CJX__PROGRAMME_RECORD__INIT;
    p.school_credit_code = in->code;
    p.major_code = (char *)major;
    p.total_hours = 2400 + 40 * between(b, 0, 10);
    p.practice_hours = p.total_hours * between(b, 44, 62) / 100; /* a quarter under 50% */
    p.graduation_year = year;
    p.expected_graduates = expected;
    char ref[32];
    snprintf(ref, sizeof ref, "PRG-%d-%s", year, major);
    Cjx__Record r;
    record_init(&r, ref, year, "§16 §21 专业建设与招生计划");
    r.detail_case = CJX__RECORD__DETAIL_PROGRAMME_RECORD;
    r.programme_record = &p;
    return add_record(b, in, &r);
}

/* A destination code drawn by the shares of the table; *employed says
 * whether it is a job. */
static const char *destination(builder *b, int *employed)
{
    int roll = between(b, 0, 99);
    size_t i = 0;
    while (i + 1 < N_OF(destinations) && roll >= destinations[i].pct)
        roll -= destinations[i++].pct;
    *employed = i < EMPLOYED_DESTINATIONS;
    return destinations[i].code;
}

/* The outcome of graduate k of school i's programme m (major) of year;
 * corrected: a second record of the same graduate, who found a job. */
static int outcome(builder *b, int i, size_t m, const char *major, int year, int k,
                   int corrected)
{
    report_institution *in = &b->fx->inst[i];
    char who[20], ref[48], code[19];
    int employed = 1;
    Cjx__Person p = CJX__PERSON__INIT;
    pseudonym(who, 'g', (uint64_t)i * 100 + m, (uint64_t)year, (uint64_t)k);
    p.pseudonym = who;
    p.birth_year = year - between(b, 19, 23);
    Cjx__GraduateOutcome g = CJX__GRADUATE_OUTCOME__INIT;
    g.graduate = &p;
    g.school_credit_code = in->code;
    g.major_code = (char *)major;
    g.graduation_year = year;
    g.destination_code = corrected ? "10" : (char *)destination(b, &employed);
    if (employed) {
        const report_institution *ent = enterprise(b, between(b, 0, b->sz->enterprises - 1));
        if (chance(b, 68)) {
            g.employer_credit_code = (char *)ent->code;
            g.employer_name = (char *)ent->name;
            g.employer_division_code = (char *)ent->division;
        } else { /* a job outside Changzhi */
            if (bench_credit_code("91140100EXT", between(b, 1, 500), code))
                return -1;
            g.employer_credit_code = code;
            g.employer_name = "太原市外地用人单位有限公司";
            g.employer_division_code = (char *)PICK(b, elsewhere);
        }
        g.employer_industry_code = (char *)ent->industry;
        g.major_related = chance(b, 65);
        g.pay_yuan_monthly = 3000 + 100 * between(b, 0, 60);
    }
    snprintf(ref, sizeof ref, "GO-%d-%s-%04d%s", year, major, k, corrected ? "-R" : "");
    Cjx__Record r;
    record_init(&r, ref, year, "§8 毕业生就业质量年报");
    r.detail_case = CJX__RECORD__DETAIL_GRADUATE_OUTCOME;
    r.graduate_outcome = &g;
    return add_record(b, in, &r);
}

/* Placement k of year of one of school i's teachers (a pool a little
 * smaller than the placements, so some go twice) with an enterprise,
 * large or medium where one is found. */
static int teacher(builder *b, int i, int year, int k, int pool)
{
    report_institution *in = &b->fx->inst[i];
    int e = between(b, 0, b->sz->enterprises - 1);
    for (int tries = 0; tries < 20 && enterprise(b, e)->size > CJX__ENTERPRISE_SIZE__SIZE_MEDIUM;
         tries++)
        e = between(b, 0, b->sz->enterprises - 1);
    char who[20], ref[32], start[11], end[11];
    pseudonym(who, 'p', (uint64_t)i, (uint64_t)between(b, 0, pool - 1), 0);
    Cjx__Person p = CJX__PERSON__INIT;
    p.pseudonym = who;
    int first = day_of(year, 1, 10) + between(b, 0, 300), days = between(b, 20, 120);
    date_text(first, start);
    date_text(first + days, end);
    Cjx__TeacherPlacement t = CJX__TEACHER_PLACEMENT__INIT;
    t.teacher = &p;
    t.college_credit_code = in->code;
    t.enterprise_credit_code = enterprise(b, e)->code;
    t.start_date = start;
    t.end_date = end;
    t.days = days;
    t.rotating = i != LAGGARD && chance(b, 35);
    snprintf(ref, sizeof ref, "TP-%d-%04d", year, k);
    Cjx__Record r;
    record_init(&r, ref, year, "§17 教师企业实践");
    r.detail_case = CJX__RECORD__DETAIL_TEACHER_PLACEMENT;
    r.teacher_placement = &t;
    return add_record(b, in, &r);
}

/* What school i reports for year but internships: a programme per major
 * (the laggard none the last year), its graduates' outcomes (1% reported
 * again when they found a job) and its teachers' placements. */
static int school_year(builder *b, int i, int year)
{
    const struct school *sd = &schools[i];
    report_institution *in = &b->fx->inst[i];
    const char *majors[32];
    size_t nm = school_majors(i, majors, N_OF(majors));
    b->graduates[i] = 0;
    for (size_t m = 0; m < nm; m++) {
        int expected = between(b, sd->graduates_min, sd->graduates_max);
        b->graduates[i] += expected;
        if (!(i == LAGGARD && year == REPORT_FIRST_YEAR + REPORT_YEARS - 1) &&
            programme(b, in, majors[m], year, expected))
            return -1;
        int n = (int)share(expected, between(b, 88, 100), 0);
        for (int k = 0; k < n; k++)
            if (outcome(b, i, m, majors[m], year, k, 0) ||
                (chance(b, 1) && outcome(b, i, m, majors[m], year, k, 1)))
                return -1;
    }
    int n = sd->kind == COLLEGE ? between(b, 110, 170) : between(b, 35, 75);
    for (int k = 0; k < n; k++)
        if (teacher(b, i, year, k, n * 4 / 5))
            return -1;
    return 0;
}

/* Internship placement k of year of a student of school i. */
static int internship(builder *b, int i, int year, long k)
{
    report_institution *in = &b->fx->inst[i];
    const char *majors[32];
    size_t nm = school_majors(i, majors, N_OF(majors));
    char who[20], ref[32], start[11], end[11];
    pseudonym(who, 's', (uint64_t)i, (uint64_t)year, (uint64_t)k);
    Cjx__Person p = CJX__PERSON__INIT;
    p.pseudonym = who;
    int first = day_of(year, 3, 1) + between(b, 0, 180);
    date_text(first, start);
    date_text(first + between(b, 30, 180), end);
    Cjx__InternshipPlacement ip = CJX__INTERNSHIP_PLACEMENT__INIT;
    ip.student = &p;
    ip.college_credit_code = in->code;
    ip.enterprise_credit_code = enterprise(b, between(b, 0, b->sz->enterprises - 1))->code;
    ip.major_code = (char *)majors[draw(b) % nm];
    ip.start_date = start;
    ip.end_date = end;
    ip.stipend_yuan_monthly = 1500 + 100 * between(b, 0, 20);
    ip.insured = chance(b, 92);
    snprintf(ref, sizeof ref, "IP-%d-%05ld", year, k);
    Cjx__Record r;
    record_init(&r, ref, year, "§11 学生实习管理");
    r.detail_case = CJX__RECORD__DETAIL_INTERNSHIP_PLACEMENT;
    r.internship_placement = &ip;
    return add_record(b, in, &r);
}

/* As many internship placements as make year's records up to the size
 * asked, shared among the schools by their expected graduates. */
static int internships(builder *b, int year)
{
    long want = b->sz->records_per_year -
                b->fx->records[year - REPORT_FIRST_YEAR][REPORT_RECORD_KINDS];
    long total = 0, given = 0;
    for (int i = 0; i < REPORT_SCHOOLS; i++)
        total += b->graduates[i];
    for (int i = 0; i < REPORT_SCHOOLS && want > 0 && total > 0; i++) {
        long n = i + 1 == REPORT_SCHOOLS ? want - given : want * b->graduates[i] / total;
        for (long k = 0; k < n; k++)
            if (internship(b, i, year, k))
                return -1;
        given += n;
    }
    return 0;
}

/* ---- the whole ---- */

static int build_year(builder *b, int year)
{
    for (int e = 0; e < b->sz->enterprises; e++)
        if (census(b, e, year) || trainings(b, e, year))
            return -1;
    for (long k = 0; k < b->sz->postings_per_year; k++)
        if (posting(b, year, (int)k))
            return -1;
    for (int i = 0; i < REPORT_SCHOOLS; i++)
        if (school_year(b, i, year))
            return -1;
    return internships(b, year);
}

int report_fixture_build(report_fixture *fx, const report_size *sz, const char *conf_dir,
                         const char *today)
{
    memset(fx, 0, sizeof *fx);
    builder b = {.fx = fx, .sz = sz, .rng = 20251201};
    cjx_fault f;
    if (sz->enterprises < 1 || sz->enterprises > 999999 || cjx_date_parse(today, &b.today)) {
        fprintf(stderr, "report_fixture: bad size or date\n");
        return -1;
    }
    b.last_day = b.today - 1;
    if (cjx_validator_open(&b.v, conf_dir, &f) != CJX_OK) {
        fprintf(stderr, "report_fixture: %s\n", f.text);
        return -1;
    }
    fx->ninst = REPORT_SCHOOLS + (size_t)sz->enterprises;
    fx->inst = calloc(fx->ninst, sizeof *fx->inst);
    b.employees = calloc((size_t)sz->enterprises, sizeof *b.employees);
    b.sector = calloc((size_t)sz->enterprises, sizeof *b.sector);
    int rc = fx->inst && b.employees && b.sector ? 0 : -1;
    report_institution *hrb = &fx->bureau;
    if (rc == 0 && bench_credit_code("11140400BEN", 1, hrb->code))
        rc = -1;
    snprintf(hrb->name, sizeof hrb->name, "长治市人力资源和社会保障局");
    snprintf(hrb->division, sizeof hrb->division, "140400");
    hrb->kind = CJX__INSTITUTION_KIND__INSTITUTION_BUREAU;
    for (int i = 0; rc == 0 && i < REPORT_SCHOOLS; i++)
        rc = make_school(&b, i);
    for (int e = 0; rc == 0 && e < sz->enterprises; e++)
        rc = make_enterprise(&b, e);
    for (int y = 0; rc == 0 && y < REPORT_YEARS; y++)
        rc = build_year(&b, REPORT_FIRST_YEAR + y);
    cjx_validator_close(&b.v);
    free(b.employees);
    free(b.sector);
    if (rc) {
        fprintf(stderr, "report_fixture: could not build the city\n");
        report_fixture_free(fx);
    }
    return rc;
}

void report_fixture_free(report_fixture *fx)
{
    for (size_t i = 0; fx->inst && i < fx->ninst; i++) {
        for (size_t j = 0; j < fx->inst[i].nitems; j++)
            free(fx->inst[i].items[j].data);
        free(fx->inst[i].items);
    }
    free(fx->inst);
    memset(fx, 0, sizeof *fx);
}

void report_institution_describe(const report_institution *in, Cjx__Institution *out)
{
    cjx__institution__init(out);
    out->credit_code = (char *)in->code;
    out->name = (char *)in->name;
    out->kind = in->kind;
    out->division_code = (char *)in->division;
    out->industry_code = (char *)in->industry;
    out->size = in->size;
    out->above_scale = in->above_scale;
    if (in->cluster != CJX__CLUSTER__CLUSTER_UNSPECIFIED) {
        out->n_clusters = 1;
        out->clusters = (Cjx__Cluster *)&in->cluster;
    }
}
