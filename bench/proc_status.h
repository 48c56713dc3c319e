/* proc_status.h — a process's memory as Linux reports it in
 * /proc/PID/status (VmRSS, RssAnon, VmHWM…), for the memory figures of the
 * benchmarks.
 */
#ifndef CJX_BENCH_PROC_STATUS_H
#define CJX_BENCH_PROC_STATUS_H

#include <sys/types.h>

/* The value of the "Key:   123 kB" line of /proc/PID/status, or -1. */
long proc_status_kb(pid_t pid, const char *key);

#endif
