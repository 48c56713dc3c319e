/* config.h — INI configuration files, described by one table of keys.
 *
 * Each program declares its keys once (section, name, type, range, default,
 * where the value goes, one line of help), as redis does with its config
 * table. Loading fills defaults first, then the file; an unknown key, a value
 * out of range or a malformed line is refused with the file, line and key.
 * The parser is inih (Debian's libinih).
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

/* Sets every key of the NULL-name-terminated table keys to its default in
 * target. */
void cjx_config_defaults(const cjx_conf_key *keys, void *target);

/* Loads defaults, then path. Returns CJX_OK, CJX_EIO (cannot open) or
 * CJX_ECONFIG with "path:line: reason" in f->text and the key in f->field. */
cjx_err cjx_config_load(const char *path, const cjx_conf_key *keys, void *target,
                        cjx_fault *f);

/* Writes every key with its default and help, as a commented example file. */
void cjx_config_print_help(const cjx_conf_key *keys, FILE *out);

#endif
