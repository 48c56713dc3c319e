/* cli_lifecycle.c — `cjx fill REF` and `cjx withdraw REF`: close one of this
 * institution's open postings. The status change goes through the outbox
 * like any item; the hub logs the posting again with its new status, and
 * the change reaches every replica and feed. (Expiry at valid_until is the
 * hub's own doing.)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "validate.h"

static int close_posting(cli *c, const char *cmd, Cjx__PostingStatus status, int argc,
                         char **argv)
{
    static const struct option opts[] = {
        {"note", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *note = "";
    int opt;
    while ((opt = getopt_long(argc, argv, "m:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'm': note = optarg; break;
        case 'h':
            printf("usage: cjx %s [--note TEXT] REF\n\n"
                   "Marks this institution's open posting REF as %s. The change is stored\n"
                   "in the outbox (its id is printed) and cjx-agent sends it on; the hub\n"
                   "refuses it when REF is not an open posting of this institution, and\n"
                   "`cjx status --local` then lists the refusal.\n",
                   cmd, status == CJX__POSTING_STATUS__STATUS_FILLED ? "filled" : "withdrawn");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        cli_error(cmd, "give exactly one posting ref; `cjx %s --help`", cmd);
        return 2;
    }
    if (cli_need_config(c, cmd))
        return 2;
    Cjx__StatusChange change = CJX__STATUS_CHANGE__INIT;
    change.ref = argv[optind];
    change.status = status;
    change.publisher_credit_code = c->cfg.credit_code;
    change.note = (char *)note;
    Cjx__Item item = CJX__ITEM__INIT;
    item.body_case = CJX__ITEM__BODY_STATUS_CHANGE;
    item.status_change = &change;

    cjx_validator v;
    cjx_fault fault = {0};
    if (cjx_validator_open(&v, c->cfg.catalog_dir, &fault) != CJX_OK) {
        cli_error(cmd, "%s", fault.text);
        return 1;
    }
    cjx_err rc = cjx_validate_item(&v, &item, &fault);
    cjx_validator_close(&v);
    if (rc != CJX_OK) {
        cli_error(cmd, "%s: %s [%s]", fault.field, fault.text, cjx_err_name(rc));
        return 1;
    }
    ProtobufCBinaryData bytes = {cjx__item__get_packed_size(&item), NULL};
    bytes.data = malloc(bytes.len);
    if (!bytes.data) {
        cli_error(cmd, "out of memory");
        return 1;
    }
    cjx__item__pack(&item, bytes.data);
    int status_code = cli_store_items(c, cmd, &bytes, 1);
    free(bytes.data);
    return status_code;
}

int cli_fill(cli *c, int argc, char **argv)
{
    return close_posting(c, "fill", CJX__POSTING_STATUS__STATUS_FILLED, argc, argv);
}

int cli_withdraw(cli *c, int argc, char **argv)
{
    return close_posting(c, "withdraw", CJX__POSTING_STATUS__STATUS_WITHDRAWN, argc, argv);
}
