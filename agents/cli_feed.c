/* cli_feed.c — `cjx feed`: a subscription's events, live in the terminal,
 * for a person trying a filter out. The session is ephemeral: it leaves no
 * cursor at the hub and does not disturb the agent's own feeds.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* Appends ",value" (or "value") to a comma-separated config list. */
static int append(char *list, const char *value)
{
    size_t n = strlen(list);
    int w = snprintf(list + n, CJX_CONF_STRMAX - n, "%s%s", n ? "," : "", value);
    return w < 0 || (size_t)w >= CJX_CONF_STRMAX - n ? -1 : 0;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: cjx feed [NAME] [--kind K] [--cluster C] [--division D] [--major M]\n"
            "                [--publisher CODE] [--since SEQ] [--count N] [--pretty]\n"
            "\n"
            "Shows events live as they are stored at the hub: those of the agent's\n"
            "[subscription NAME], or those matching the filters given (each may be\n"
            "repeated). Starts after SEQ (default: now); stops after N events or on\n"
            "Ctrl-C. Leaves no cursor at the hub.\n");
}

static void send_heartbeat(cli_link *l)
{
    Cjx__Heartbeat hb = CJX__HEARTBEAT__INIT;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_HEARTBEAT;
    fr.heartbeat = &hb;
    cli_link_send(l, &fr);
}

/* Receives and prints events until count is reached or the user stops. */
static int follow(cli_link *l, const char *name, uint64_t count, int pretty)
{
    uint64_t shown = 0;
    time_t last_beat = time(NULL);
    while (!interrupted && shown < count) {
        Cjx__Frame *fr = NULL;
        int rc = cli_link_recv(l, 200, &fr);
        if (rc < 0) {
            cli_error("feed", "lost the hub");
            return 1;
        }
        if (time(NULL) != last_beat) {
            send_heartbeat(l);
            last_beat = time(NULL);
        }
        if (rc == 1)
            continue;
        if (fr->msg_case == CJX__FRAME__MSG_NACK) {
            cli_error("feed", "%s%s%s", fr->nack->field, fr->nack->field[0] ? ": " : "",
                      fr->nack->text);
            cjx__frame__free_unpacked(fr, NULL);
            return 1;
        }
        if (fr->msg_case == CJX__FRAME__MSG_EVENT) {
            json_t *j = cjx_stored_json(fr->event->stored.data, fr->event->stored.len);
            if (j)
                cli_print_json(j, pretty);
            fflush(stdout);
            cli_link_event_ack(l, name, fr->event->seq);
            shown++;
        }
        cjx__frame__free_unpacked(fr, NULL);
    }
    return 0;
}

int cli_feed(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, 'k'},
        {"cluster", required_argument, NULL, 'C'},
        {"division", required_argument, NULL, 'd'},
        {"major", required_argument, NULL, 'm'},
        {"publisher", required_argument, NULL, 'P'},
        {"since", required_argument, NULL, 's'},
        {"count", required_argument, NULL, 'n'},
        {"pretty", no_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    cjx_subscription_config sc = {.name = "cjx-feed"};
    char *since = NULL, *count_text = NULL;
    int pretty = 0, opt, bad = 0;
    while ((opt = getopt_long(argc, argv, "k:n:ph", opts, NULL)) != -1) {
        switch (opt) {
        case 'k': bad |= append(sc.kinds, optarg); break;
        case 'C': bad |= append(sc.clusters, optarg); break;
        case 'd': bad |= append(sc.divisions, optarg); break;
        case 'm': bad |= append(sc.majors, optarg); break;
        case 'P': bad |= append(sc.publishers, optarg); break;
        case 's': since = optarg; break;
        case 'n': count_text = optarg; break;
        case 'p': pretty = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (bad) {
        cli_error("feed", "too many filter values");
        return 2;
    }
    if (argc - optind > 1) {
        usage(stderr);
        return 2;
    }
    if (cli_need_config(c, "feed"))
        return 2;
    if (optind < argc) { /* a subscription of the configuration */
        const char *want = argv[optind];
        size_t i = 0;
        while (i < c->cfg.nsubs && strcmp(c->cfg.subs[i].name, want) != 0)
            i++;
        if (i == c->cfg.nsubs) {
            cli_error("feed", "no [subscription %s] in %s", want, c->config_path);
            return 2;
        }
        sc = c->cfg.subs[i];
    }
    uint64_t start = 0, count = UINT64_MAX;
    char *end;
    if (since && (start = strtoull(since, &end, 10), *end || since[0] == '-')) {
        cli_error("feed", "--since: \"%s\" is not a sequence number", since);
        return 2;
    }
    if (count_text && (count = strtoull(count_text, &end, 10), *end || count_text[0] == '-')) {
        cli_error("feed", "--count: \"%s\" is not a number", count_text);
        return 2;
    }
    Cjx__Subscription *sub = NULL;
    cjx_fault fault = {0};
    if (cjx_subscription_build(&sc, &sub, &fault) != CJX_OK) {
        cli_error("feed", "%s", fault.text);
        return 2;
    }
    cli_link *l = cli_link_open(c, "feed");
    if (!l) {
        cjx__subscription__free_unpacked(sub, NULL);
        return 1;
    }
    sub->ephemeral = 1;
    sub->start_seq = since ? start : cli_link_hub_seq(l);
    Cjx__Subscribe m = CJX__SUBSCRIBE__INIT;
    m.n_subscriptions = 1;
    m.subscriptions = &sub;
    m.window = 256;
    Cjx__Frame fr = CJX__FRAME__INIT;
    fr.msg_case = CJX__FRAME__MSG_SUBSCRIBE;
    fr.subscribe = &m;
    struct sigaction sa = {0};
    sa.sa_handler = on_interrupt;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    int rc = cli_link_send(l, &fr) == 0 ? follow(l, sub->name, count, pretty) : 1;
    cjx__subscription__free_unpacked(sub, NULL);
    cli_link_close(&l);
    return rc;
}
