/* agent_main.c — cjx-agent: command line, configuration, signals. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "codec.h"
#include "log.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx-agent -c FILE [-v]\n"
            "       cjx-agent --print-config\n"
            "\n"
            "An institution's agent: sends what `cjx post` stored in its outbox\n"
            "to the hub, resending until the hub acknowledges it, and imports the\n"
            "files dropped in its inbox_dir (docs/import.md).\n"
            "\n"
            "  -c, --config FILE    configuration file (INI, section [agent]);\n"
            "                       default: $CJX_CONFIG\n"
            "  -v, --verbose        log at debug level\n"
            "      --print-config   print every setting with its default and exit\n"
            "  -h, --help           this text\n"
            "      --version        print the version\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"verbose", no_argument, NULL, 'v'},
        {"print-config", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *config = getenv("CJX_CONFIG");
    int verbose = 0, c;
    while ((c = getopt_long(argc, argv, "c:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'v': verbose = 1; break;
        case 'P': cjx_config_print_help(cjx_agent_config_keys, cjx_agent_config_groups, stdout); return 0;
        case 'h': usage(stdout); return 0;
        case 'V': printf("cjx-agent %s\n", CJX_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    cjx_frames_in_heap(8 << 20); /* so that catching up does not fault pages in again and again */
    static agent a = {.outbox_watch = -1};
    cjx_fault fault = {0};
    if (cjx_agent_config_load(config, &a.cfg, &fault) != CJX_OK) {
        fprintf(stderr, "cjx-agent: %s\n", fault.text);
        return 2;
    }
    if (cjx_log_setup("agent", a.cfg.log_level, verbose) != 0)
        return 2;
    if (cjx_outbox_open(a.cfg.data_dir, (size_t)a.cfg.map_size_mb, &a.outbox, &fault)) {
        fprintf(stderr, "cjx-agent: %s\n", fault.text);
        return 1;
    }

    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    int rc = agent_feeds_open(&a) == 0 && agent_inbox_open(&a) == 0 ? agent_link_start(&a) : 1;
    if (rc == 0)
        rc = agent_link_run(&a, &stop_flag);
    agent_link_stop(&a);
    agent_feeds_close(&a);
    agent_inbox_close(&a);
    agent_replica_close(&a);
    cjx_outbox_close(&a.outbox);
    return rc;
}
