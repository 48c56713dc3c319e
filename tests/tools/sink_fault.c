/* sink_fault.c — a preloaded library (LD_PRELOAD) that makes one file's
 * writes or syncs fail, for the tests of a file sink's failures
 * (tests/e2e/e2e_sink_fault.sh): what a full disk or a failing one does to
 * an agent, without either.
 *
 * CJX_FAULT_FILE names the file; while the file named by CJX_FAULT_TRIGGER
 * exists, its first word says what fails:
 *   write   a write of 2 bytes or more to the file stores the first half of
 *           what it was given, then fails with ENOSPC (a line cut in the
 *           middle);
 *   sync    fdatasync and fsync of the file fail with EIO, the data written.
 * The file is recognised by device and inode, however its path is spelled.
 * Every other file, and this one without the trigger, is left alone, errno
 * included.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The functions replaced, found once before main (and any thread) runs,
 * or at the first call, when another library's constructor comes first. */
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_fdatasync)(int);
static int (*real_fsync)(int);

__attribute__((constructor)) static void find_real(void)
{
    real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT, "write");
    real_fdatasync = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    real_fsync = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
}

/* The fault in force for fd: "write", "sync" or "" (none). errno is kept. */
static const char *fault_for(int fd, char word[8])
{
    const char *file = getenv("CJX_FAULT_FILE"), *trigger = getenv("CJX_FAULT_TRIGGER");
    int saved = errno;
    struct stat of_fd, of_file;
    FILE *t = NULL;
    word[0] = '\0';
    if (file && trigger && fstat(fd, &of_fd) == 0 && stat(file, &of_file) == 0 &&
        of_fd.st_dev == of_file.st_dev && of_fd.st_ino == of_file.st_ino &&
        (t = fopen(trigger, "r")) != NULL && fscanf(t, "%7s", word) != 1)
        word[0] = '\0';
    if (t)
        fclose(t);
    errno = saved;
    return word;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    char word[8];
    if (!real_write)
        find_real();
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
    if (!real_fdatasync)
        find_real();
    return sync_or_fail(fd, real_fdatasync);
}

int fsync(int fd)
{
    if (!real_fsync)
        find_real();
    return sync_or_fail(fd, real_fsync);
}
