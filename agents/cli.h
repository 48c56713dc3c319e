/* cli.h — pieces of the cjx command-line tool shared by its commands. */
#ifndef CJX_CLI_H
#define CJX_CLI_H

#include <jansson.h>

#include "agent_config.h"
#include "domain.pb-c.h"
#include "outbox.h"
#include "protocol.pb-c.h"

typedef struct cli {
    const char *config_path;
    cjx_agent_config cfg;
    int have_cfg;
    const char *hub;            /* endpoint: --hub, else the config's */
    int timeout_ms;
} cli;

/* Prints "cjx CMD: " and the message to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a non-negative integer option. Returns 0 or -1 (reported). */
int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);

/* Loads the agent configuration; prints why and returns -1 when there is none. */
int cli_need_config(cli *c, const char *cmd);

/* cli_hub.c: a short session with the hub. */
typedef struct cli_link cli_link;
/* Connects and says Hello as the configured institution. NULL on failure
 * (already reported). */
cli_link *cli_link_open(cli *c, const char *cmd);
void cli_link_close(cli_link **self_p);
/* Sends frame and waits for the answer to it: a Result, HubStatus, Digest or Nack whose
 * request_id matches. Caller frees *reply. Returns 0, or -1 on timeout. */
int cli_link_call(cli_link *l, Cjx__Frame *frame, uint64_t request_id, Cjx__Frame **reply);

/* Sends one frame. Returns 0 or -1. */
int cli_link_send(cli_link *l, Cjx__Frame *frame);
/* Acknowledges every event of subscription up to seq. Returns 0 or -1. */
int cli_link_event_ack(cli_link *l, const char *subscription, uint64_t seq);
/* Waits up to timeout_ms for the next frame: 0 with *out (caller frees),
 * 1 when none came, -1 on error. */
int cli_link_recv(cli_link *l, int timeout_ms, Cjx__Frame **out);
/* The hub's newest sequence when the session opened. */
uint64_t cli_link_hub_seq(const cli_link *l);

/* cli_print.c *//* Prints j as one line (or indented when pretty) and drops the reference. */
void cli_print_json(json_t *j, int pretty);

/* cli_post.c: stores n packed items in the outbox (synced) and prints
 * their ids; returns the exit status. */
int cli_store_items(cli *c, const char *cmd, const ProtobufCBinaryData *items, size_t n);

/* cli_replica.c: the replica-backed forms of get and list. */
int cli_get_local(cli *c, const char *what, int pretty);
int cli_list_local(cli *c, const char *kind, uint64_t since, uint64_t limit, int pretty);
/* Where the replica stands, for `cjx status`: loaded, seq, entries. */
json_t *cli_replica_status(cjx_outbox *ob);

/* cli_import.c: the last import and the totals, for `cjx status --local`
 * (core/import.h, cjx_import_status). Caller owns the result. */
json_t *cli_import_status(cjx_outbox *ob);

/* Commands. Each returns the process exit status. */
int cli_post(cli *c, int argc, char **argv);
int cli_get(cli *c, int argc, char **argv);
int cli_list(cli *c, int argc, char **argv);
int cli_status(cli *c, int argc, char **argv);
int cli_search(cli *c, int argc, char **argv);
int cli_recommend(cli *c, int argc, char **argv);
/* Reads --page N (is_page) or --per-page N (1 to 100) of search and
 * recommend; 0, or 2 after saying what is wrong. */
int cli_search_paging(const char *cmd, int is_page, const char *text, uint64_t *page,
                      uint64_t *per_page);
/* Asks the hub (or with local, the agent's replica) the search or
 * recommendation q and prints the answer (cli_search.c); 0 or 1. */
int cli_search_answer(cli *c, Cjx__SearchRequest *q, int local, int as_json);
/* cli_report.c: asks the hub for report q and prints it as format (table,
 * json, csv); cmd names the command in messages. Returns the exit status. */
int cli_report_run(cli *c, const char *cmd, Cjx__ReportRequest *q, const char *format);
int cli_report(cli *c, int argc, char **argv);
int cli_feed(cli *c, int argc, char **argv);
int cli_fill(cli *c, int argc, char **argv);
int cli_withdraw(cli *c, int argc, char **argv);
int cli_verify(cli *c, int argc, char **argv);
int cli_keygen(cli *c, int argc, char **argv);
int cli_institution(cli *c, int argc, char **argv);
int cli_audit(cli *c, int argc, char **argv);
int cli_import(cli *c, int argc, char **argv);
int cli_template(cli *c, int argc, char **argv);

#endif
