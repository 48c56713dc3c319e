/* cli_print.c — how the cjx tool prints JSON: one compact line per object,
 * or indented with --pretty. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

void cli_print_json(json_t *j, int pretty)
{
    char *text = json_dumps(j, pretty ? JSON_INDENT(2) | JSON_PRESERVE_ORDER
                                      : JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text) {
        puts(text);
        free(text);
    }
    json_decref(j);
}
