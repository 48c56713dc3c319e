/* log.h — one logging macro for every program.
 *
 * Lines go to stderr as logfmt: time, level (RFC 5424 names), a stable
 * message id per kind of event, the peer institution when the line is about
 * one, and the text. A disabled level costs one integer comparison: the
 * arguments are not evaluated.
 */
#ifndef CJX_LOG_H
#define CJX_LOG_H

enum cjx_log_level {
    CJX_LOG_EMERG = 0,
    CJX_LOG_ALERT,
    CJX_LOG_CRIT,
    CJX_LOG_ERR,
    CJX_LOG_WARNING,
    CJX_LOG_NOTICE,
    CJX_LOG_INFO,
    CJX_LOG_DEBUG,
};

extern int cjx_log_threshold;

/* CJX_LOG(CJX_LOG_INFO, "publish.batch", inst_or_NULL, "fmt", ...) */
#define CJX_LOG(level, msgid, inst, ...)                                      \
    do {                                                                      \
        if ((level) <= cjx_log_threshold)                                     \
            cjx_log_write((level), (msgid), (inst), __VA_ARGS__);             \
    } while (0)

void cjx_log_write(int level, const char *msgid, const char *inst,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sets the program name shown on every line ("hub", "agent"). */
void cjx_log_init(const char *program);

/* Sets the program name and the threshold from a level name (debug when
 * verbose). Returns 0, or -1 after telling stderr the level is unknown. */
int cjx_log_setup(const char *program, const char *level, int verbose);

/* Parses "debug", "info", "notice", "warning", "err"… Returns the level, or
 * -1 for an unknown name. */
int cjx_log_level_parse(const char *name);

#endif
