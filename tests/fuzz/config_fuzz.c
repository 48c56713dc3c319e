/* config_fuzz.c — libFuzzer harness for the INI configuration parser.
 *
 * The loaders read files, so each input is written to one memfd, reached as
 * /proc/self/fd/N (no file on disk, nothing to remove). The same bytes are
 * loaded as an agent's configuration (cjx_agent_config_load: keys, the
 * [subscription NAME] groups, credit code, kind, subscription lists) and
 * through the hub's table loader (cjx_config_load) with a table of the
 * hub's shape: the hub's own table lives in hub/ sources, which belong to
 * the cjx-hub program only, so it is mirrored here (sections [hub],
 * [publish], [read], [personal]; integer keys with ranges, string keys).
 * Every structure is allocated per input; the memfd is rewritten each time.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "agent_config.h"
#include "config.h"
#include "fuzz.h"

typedef struct hub_like {
    char listen[CJX_CONF_STRMAX];
    char data_dir[CJX_CONF_STRMAX];
    char log_level[CJX_CONF_STRMAX];
    long long map_size_mb, batch_max, max_frame_bytes, heartbeat_ms;
    char operators[CJX_CONF_STRMAX];
    char publish[2][CJX_CONF_STRMAX];
    char read[2][CJX_CONF_STRMAX];
    char personal[CJX_CONF_STRMAX];
} hub_like;

#define INT(sec, name, min, max, def, field) \
    {sec, name, CJX_CONF_INT, min, max, def, offsetof(hub_like, field), ""}
#define STR(sec, name, def, field) \
    {sec, name, CJX_CONF_STR, 0, 0, def, offsetof(hub_like, field), ""}

static const cjx_conf_key hub_keys[] = {
    STR("hub", "listen", "tcp://127.0.0.1:7450", listen),
    STR("hub", "data_dir", "/var/lib/cjx/hub", data_dir),
    STR("hub", "log_level", "info", log_level),
    INT("hub", "map_size_mb", 16, 1 << 24, "4096", map_size_mb),
    INT("hub", "batch_max", 1, 1 << 20, "8192", batch_max),
    INT("hub", "max_frame_bytes", 1024, 16 << 20, "262144", max_frame_bytes),
    INT("hub", "heartbeat_ms", 50, 60000, "1000", heartbeat_ms),
    STR("hub", "operators", "", operators),
    STR("publish", "college", "training_course, graduate_outcome", publish[0]),
    STR("publish", "enterprise", "job, internship", publish[1]),
    STR("read", "college", "", read[0]),
    STR("read", "bureau", "graduate_outcome", read[1]),
    STR("personal", "graduate_outcome", "", personal),
    {NULL, NULL, 0, 0, 0, NULL, 0, NULL},
};

static int fd = -1;
static char path[64];

static void close_fd(void)
{
    close(fd);
}

/* Makes the file hold exactly data. Aborts when it cannot (a setup error). */
static void put(const uint8_t *data, size_t size)
{
    if (fd < 0) {
        fd = memfd_create("cjx-config-fuzz", 0);
        if (fd < 0) {
            perror("config_fuzz: memfd_create");
            abort();
        }
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        atexit(close_fd);
    }
    if (ftruncate(fd, 0) != 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size)) {
        perror("config_fuzz: write");
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    put(data, size);
    cjx_fault f = {0};

    cjx_agent_config *agent = malloc(sizeof *agent);
    if (!agent)
        return 0;
    if (cjx_agent_config_load(path, agent, &f) == CJX_OK) {
        Cjx__Institution in = CJX__INSTITUTION__INIT;
        cjx_agent_config_institution(agent, &in);
    }
    free(agent);

    hub_like *hub = malloc(sizeof *hub);
    if (!hub)
        return 0;
    (void)cjx_config_load(path, hub_keys, hub, &f);
    free(hub);
    return 0;
}
