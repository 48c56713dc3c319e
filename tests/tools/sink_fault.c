/* sink_fault.c — a preloaded library (LD_PRELOAD) that makes one file's
 * writes or syncs fail, for the tests of a file sink's failures
 * (tests/e2e/e2e_sink_fault.sh): what a full disk or a failing one does to
 * an agent, without either.
 *
 * CJX_FAULT_FILE names the file; while the file named by CJX_FAULT_TRIGGER
 * exists, its first word says what fails:
 *   write   a write to the file stores the first half of what it was given,
 *           then fails with ENOSPC (a line cut in the middle);
 *   sync    fdatasync and fsync of the file fail with EIO, the data written.
 * Every other file, and this one without the trigger, is left alone.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The fault in force for fd: "write", "sync" or "" (none). */
static const char *fault_for(int fd, char word[8])
{
    const char *file = getenv("CJX_FAULT_FILE"), *trigger = getenv("CJX_FAULT_TRIGGER");
    word[0] = '\0';
    if (!file || !trigger || fd < 0)
        return word;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return word;
    path[n] = '\0';
    if (strcmp(path, file) != 0)
        return word;
    FILE *t = fopen(trigger, "r");
    if (!t)
        return word;
    if (fscanf(t, "%7s", word) != 1)
        word[0] = '\0';
    fclose(t);
    return word;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    static ssize_t (*real_write)(int, const void *, size_t);
    if (!real_write)
        real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    char word[8];
    if (strcmp(fault_for(fd, word), "write") != 0 || len < 2)
        return real_write(fd, buf, len);
    if (real_write(fd, buf, len / 2) < 0)
        return -1;
    errno = ENOSPC;
    return -1;
}

/* Shared by fdatasync and fsync: real is the libc function. */
static int sync_or_fail(int fd, int (*real)(int))
{
    char word[8];
    if (strcmp(fault_for(fd, word), "sync") != 0)
        return real(fd);
    errno = EIO;
    return -1;
}

int fdatasync(int fd)
{
    static int (*real_fdatasync)(int);
    if (!real_fdatasync)
        real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    return sync_or_fail(fd, real_fdatasync);
}

int fsync(int fd)
{
    static int (*real_fsync)(int);
    if (!real_fsync)
        real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return sync_or_fail(fd, real_fsync);
}
