/* thread.c — worker threads with signals blocked, named (see thread.h). */
#define _GNU_SOURCE /* pthread_setname_np */
#include "thread.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

/* What the new thread runs, handed over to it. */
typedef struct start {
    void *(*run)(void *);
    void *arg;
    char name[16]; /* the kernel keeps 15 bytes of a thread's name */
} start;

/* Names the thread before its work begins, so that it never runs unnamed. */
static void *named(void *p)
{
    start st = *(start *)p;
    free(p);
    pthread_setname_np(pthread_self(), st.name);
    return st.run(st.arg);
}

int cjx_thread_start(pthread_t *thread, const char *name, void *(*run)(void *), void *arg)
{
    start *st = malloc(sizeof *st);
    if (!st)
        return ENOMEM;
    *st = (start){run, arg, {0}};
    snprintf(st->name, sizeof st->name, "%s", name);
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits it */
    int rc = pthread_create(thread, NULL, named, st);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        free(st);
    return rc;
}
