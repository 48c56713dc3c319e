/* make_dict.c — writes libFuzzer dictionaries from the schema and the config
 * tables, so the text fuzzers reach every kind of item and every key, not
 * only those the seeds show:
 *
 *   fuzz_make_dict json   > json.dict     field names of cjx.Item and all
 *                                         it holds, and enum value names
 *   fuzz_make_dict config > config.dict   agent keys, section headers
 *
 * Built and run by tests/fuzz/CMakeLists.txt in the CJX_FUZZ tree.
 */
#include <stdio.h>
#include <string.h>

#include "agent_config.h"
#include "domain.pb-c.h"

#define MAX_SEEN 256

static const void *seen[MAX_SEEN];
static size_t nseen;

/* True the first time d is met (the schema's messages form a graph). */
static int first_time(const void *d)
{
    for (size_t i = 0; i < nseen; i++)
        if (seen[i] == d)
            return 0;
    if (nseen < MAX_SEEN)
        seen[nseen++] = d;
    return 1;
}

static void walk(const ProtobufCMessageDescriptor *d)
{
    if (!first_time(d))
        return;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *fd = &d->fields[i];
        printf("\"\\\"%s\\\":\"\n", fd->name);
        if (fd->type == PROTOBUF_C_TYPE_MESSAGE) {
            walk(fd->descriptor);
        } else if (fd->type == PROTOBUF_C_TYPE_ENUM) {
            const ProtobufCEnumDescriptor *e = fd->descriptor;
            if (first_time(e))
                for (unsigned k = 0; k < e->n_values; k++)
                    printf("\"\\\"%s\\\"\"\n", e->values[k].name);
        }
    }
}

static void keys(const cjx_conf_key *k)
{
    for (; k->name; k++)
        printf("\"%s = \"\n", k->name);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "json") == 0) {
        walk(&cjx__item__descriptor);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "config") == 0) {
        /* the agent's section, and the hub's that config_fuzz.c mirrors */
        printf("\"[agent]\"\n\"[hub]\"\n\"[publish]\"\n\"[read]\"\n\"[personal]\"\n");
        keys(cjx_agent_config_keys);
        for (const cjx_conf_group *g = cjx_agent_config_groups; g->section; g++) {
            printf("\"[%s \"\n", g->section);
            keys(g->keys);
        }
        return 0;
    }
    fprintf(stderr, "usage: fuzz_make_dict json|config\n");
    return 2;
}
