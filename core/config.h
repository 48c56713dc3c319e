/* config.h — INI configuration files, described by one table of keys.
 *
 * Each program declares its keys once (section, name, type, range, default,
 * where the value goes, one line of help), as redis does with its config
 * table. Loading fills defaults first, then the file; an unknown key, a value
 * out of range or a malformed line is refused with the file, line and key.
 * The parser is inih (Debian's libinih).
 *
 * A program may also declare groups: sections written "[WORD NAME]" any
 * number of times, each filling one instance of a struct in an array (an
 * agent's "[subscription jobs]", "[subscription completions]").
 */
#ifndef CJX_CONFIG_H
#define CJX_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"

/* A string value's room. Lines of a file are at most 199 bytes (Debian's
 * inih reads lines into 200 bytes; a longer line is refused with its line
 * number), so a value from a file is shorter than its key's line. */
#define CJX_CONF_STRMAX 256

typedef enum cjx_conf_type {
    CJX_CONF_INT,    /* long long, within [min, max] */
    CJX_CONF_STR,    /* char[CJX_CONF_STRMAX] */
} cjx_conf_type;

typedef struct cjx_conf_key {
    const char *section;
    const char *name;
    cjx_conf_type type;
    long long min, max;
    const char *def;       /* default, as it would be written in the file */
    size_t offset;         /* where the value goes in the program's struct */
    const char *help;
} cjx_conf_key;

/* Longest NAME of a group's section; it may hold only [A-Za-z0-9_.-]. */
#define CJX_CONF_NAMEMAX 64

/* A repeated section "[<section> NAME]". Each header makes a new instance,
 * its keys at their defaults, and writes NAME into it; a NAME seen before in
 * the same group is refused, so an instance is always one section. Offsets:
 * the array and the count in the program's struct, the keys and the name in
 * one instance. */
typedef struct cjx_conf_group {
    const char *section;        /* "subscription": headers "[subscription NAME]" */
    const cjx_conf_key *keys;   /* NULL-name-terminated; each key's section is
                                 * ignored, its offset is within one instance */
    size_t size;                /* of one instance */
    size_t max;                 /* most instances the array holds */
    size_t offset;              /* of the array of max instances */
    size_t count_offset;        /* of the size_t number of instances loaded */
    size_t name_offset;         /* of char[CJX_CONF_STRMAX] NAME in an instance */
} cjx_conf_group;

/* Sets every key of the NULL-name-terminated table keys to its default in
 * target. */
void cjx_config_defaults(const cjx_conf_key *keys, void *target);

/* Loads defaults, then path: cjx_config_load_groups with no groups. */
cjx_err cjx_config_load(const char *path, const cjx_conf_key *keys, void *target,
                        cjx_fault *f);

/* Loads defaults (keys at theirs, every group empty and zeroed), then path.
 * groups is NULL or ends with a NULL section. Returns CJX_OK, CJX_EIO (cannot
 * open), CJX_ENOMEM or CJX_ECONFIG with "path:line: reason" in f->text and in
 * f->field the key ("port"), the group's key ("subscription jobs.kinds") or,
 * for a refused header (no or bad NAME, a NAME seen before, more than max),
 * the section ("subscription jobs"). */
cjx_err cjx_config_load_groups(const char *path, const cjx_conf_key *keys,
                               const cjx_conf_group *groups, void *target, cjx_fault *f);

/* Writes every key with its default and help, as a commented example file;
 * then each group (NULL for none) as a commented-out example section. */
void cjx_config_print_help(const cjx_conf_key *keys, const cjx_conf_group *groups, FILE *out);

#endif
