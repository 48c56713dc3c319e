/* proc_status.h — a process's memory as Linux reports it in
 * /proc/PID/status (VmRSS, RssAnon, VmHWM…) and its CPU time from
 * /proc/PID/stat, for the memory and CPU figures of the benchmarks.
 */
#ifndef CJX_BENCH_PROC_STATUS_H
#define CJX_BENCH_PROC_STATUS_H

#include <sys/types.h>

/* The value of the "Key:   123 kB" line of /proc/PID/status, or -1. */
long proc_status_kb(pid_t pid, const char *key);

/* The CPU time the process has used so far (user and system, all its
 * threads), in seconds, or -1. */
double proc_cpu_s(pid_t pid);
/* The same for one thread, tid, of the process (its main thread: pid). */
double proc_thread_cpu_s(pid_t pid, pid_t tid);

#endif
