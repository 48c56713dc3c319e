/* proc_status.c — reading /proc/PID/status (see proc_status.h). */
#include "proc_status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long proc_status_kb(pid_t pid, const char *key)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    size_t klen = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, klen) && line[klen] == ':')
            kb = atol(line + klen + 1);
    if (f)
        fclose(f);
    return kb;
}
