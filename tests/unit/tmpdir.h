/* tmpdir.h — a temporary folder for one unit-test executable: made by the
 * group setup, removed with everything in it by the group teardown. */
#ifndef CJX_TEST_TMPDIR_H
#define CJX_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir_root[64];

/* Makes /tmp/cjx-<name>-test.XXXXXX. Returns 0 or -1. */
static inline int tmpdir_make(const char *name)
{
    snprintf(tmpdir_root, sizeof tmpdir_root, "/tmp/cjx-%s-test.XXXXXX", name);
    return mkdtemp(tmpdir_root) ? 0 : -1;
}

static inline int tmpdir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir_root);
    return system(cmd) == 0 ? 0 : -1;
}

/* <root>/<name>. Static storage, overwritten by the next call. */
static inline const char *tmpdir_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir_root, name);
    return path;
}

#endif
