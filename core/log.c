/* log.c — formatting of log lines (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

int cjx_log_threshold = CJX_LOG_INFO;
static const char *program_name = "cjx";

static const char *const level_names[] = {
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
};

void cjx_log_init(const char *program)
{
    program_name = program;
}

int cjx_log_level_parse(const char *name)
{
    for (int i = 0; i <= CJX_LOG_DEBUG; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    if (strcasecmp(name, "error") == 0)
        return CJX_LOG_ERR;
    if (strcasecmp(name, "warn") == 0)
        return CJX_LOG_WARNING;
    return -1;
}

int cjx_log_setup(const char *program, const char *level, int verbose)
{
    cjx_log_init(program);
    int threshold = cjx_log_level_parse(level);
    if (threshold < 0) {
        fprintf(stderr, "cjx-%s: log_level: unknown level \"%s\" (debug, info, notice, "
                        "warning, err)\n", program, level);
        return -1;
    }
    cjx_log_threshold = verbose ? CJX_LOG_DEBUG : threshold;
    return 0;
}

void cjx_log_write(int level, const char *msgid, const char *inst,
                   const char *fmt, ...)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);

    /* One fprintf per line so lines from one process never interleave. */
    if (level < 0 || level > CJX_LOG_DEBUG)
        level = CJX_LOG_DEBUG;
    fprintf(stderr, "%s.%03ldZ %s[%d] level=%s id=%s%s%s msg=\"%s\"\n", when,
            (long)(tv.tv_usec / 1000), program_name, (int)getpid(),
            level_names[level], msgid, inst ? " inst=" : "", inst ? inst : "",
            text);
}
