/* cli_main.c — cjx, the command-line tool: global options and dispatch. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct command {
    const char *name;
    int (*run)(cli *, int, char **);
    const char *summary;
} commands[] = {
    {"post", cli_post, "validate items (JSON) and store them in the outbox; prints their ids"},
    {"import", cli_import, "import an exported file (CSV, JSON Lines, JSON) as the inbox does"},
    {"template", cli_template, "write a CSV template of a kind, Chinese column names"},
    {"get", cli_get, "print one stored item by id (--local: from the replica)"},
    {"list", cli_list, "print stored items in sequence order (--local: the replica)"},
    {"search", cli_search, "search postings by keywords and filters (--local: the replica)"},
    {"recommend", cli_recommend, "open postings for a graduate of a major, best first"},
    {"report", cli_report, "one of the plan's reports for a year: table, JSON or CSV"},
    {"status", cli_status, "the hub's status for operators (--local: this agent's store)"},
    {"feed", cli_feed, "show a subscription's events live"},
    {"fill", cli_fill, "mark one of this institution's open postings as filled"},
    {"withdraw", cli_withdraw, "withdraw one of this institution's open postings"},
    {"verify", cli_verify, "compare the agent's replica with the hub's view (digests)"},
    {"keygen", cli_keygen, "make a CURVE key pair (NAME.key, NAME.pub)"},
    {"institution", cli_institution, "operators: add, revoke, rotate and list institutions' keys"},
    {"audit", cli_audit, "operators: the audit log of personal data deliveries; verify it"},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx [-c FILE] [--hub ENDPOINT] [--timeout SECONDS] COMMAND [ARGS]\n"
            "\n"
            "The command-line tool of cjx, for institutions and operators.\n"
            "\n"
            "commands:\n");
    for (const struct command *cmd = commands; cmd->name; cmd++)
        fprintf(out, "  %-12s %s\n", cmd->name, cmd->summary);
    fprintf(out,
            "\n"
            "options:\n"
            "  -c, --config FILE    the agent's configuration (default: $CJX_CONFIG)\n"
            "      --hub ENDPOINT   the hub to ask, overrides the configuration\n"
            "      --timeout S      how long to wait for the hub (default 5)\n"
            "  -h, --help           this text; `cjx COMMAND --help` for a command\n"
            "      --version        print the version\n");
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    fprintf(stderr, "cjx %s: ", cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || !*text || *end || text[0] == '-') {
        cli_error(cmd, "%s: \"%s\" is not a non-negative integer", opt, text);
        return -1;
    }
    *out = v;
    return 0;
}

int cli_need_config(cli *c, const char *cmd)
{
    if (c->have_cfg)
        return 0;
    cjx_fault fault = {0};
    if (cjx_agent_config_load(c->config_path, &c->cfg, &fault) != CJX_OK) {
        cli_error(cmd, "%s", fault.text);
        return -1;
    }
    c->have_cfg = 1;
    if (!c->hub)
        c->hub = c->cfg.hub;
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"hub", required_argument, NULL, 'H'},
        {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli c = {.config_path = getenv("CJX_CONFIG"), .timeout_ms = 5000};
    int opt;
    cjx_log_init("cjx");
    cjx_log_threshold = CJX_LOG_WARNING;
    while ((opt = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': c.config_path = optarg; break;
        case 'H': c.hub = optarg; break;
        case 'T': {
            char *end;
            double s = strtod(optarg, &end);
            if (*end || s <= 0 || s > 86400) {
                fprintf(stderr, "cjx: --timeout: \"%s\" is not a number of seconds\n", optarg);
                return 2;
            }
            c.timeout_ms = (int)(s * 1000);
            break;
        }
        case 'h': usage(stdout); return 0;
        case 'V': printf("cjx %s\n", CJX_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind == argc) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    for (const struct command *cmd = commands; cmd->name; cmd++) {
        if (strcmp(cmd->name, name) == 0) {
            int sub_argc = argc - optind;
            char **sub_argv = argv + optind;
            optind = 0; /* each command parses its own options, from scratch (GNU) */
            return cmd->run(&c, sub_argc, sub_argv);
        }
    }
    if (strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "cjx: unknown command \"%s\"; `cjx --help` lists them\n", name);
    return 2;
}
