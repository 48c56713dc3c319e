/* cli_keys.c — `cjx keygen` makes a CURVE key pair; `cjx institution`
 * lets an operator register, revoke, rotate and list the keys the hub
 * accepts (hub/registry.c does the work).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "keys.h"

int cli_keygen(cli *c, int argc, char **argv)
{
    (void)c;
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = ".";
    int opt;
    while ((opt = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd': dir = optarg; break;
        case 'h':
            printf("usage: cjx keygen [--dir DIR] NAME\n\n"
                   "Makes a CURVE key pair: DIR/NAME.key (both keys, mode 0600: the agent's\n"
                   "secret_key_file) and DIR/NAME.pub (the public key: give it to the hub's\n"
                   "operator for `cjx institution add`). Never overwrites a file. Prints the\n"
                   "public key.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1) {
        cli_error("keygen", "give one NAME; `cjx keygen --help`");
        return 2;
    }
    cjx_keypair kp;
    cjx_fault fault;
    if (cjx_keygen(dir, argv[optind], &kp, &fault) != CJX_OK) {
        cli_error("keygen", "%s", fault.text);
        return 1;
    }
    memset(kp.secret_key, 0, sizeof kp.secret_key);
    puts(kp.public_key);
    return 0;
}

static json_t *key_json(const Cjx__KeyEntry *e)
{
    json_t *j = json_pack("{s:s, s:s, s:s}", "public_key", e->public_key, "credit_code",
                          e->credit_code, "status", e->revoked ? "revoked" : "active");
    char when[32];
    time_t t = (time_t)(e->added_ms / 1000);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    json_object_set_new(j, "added", json_string(when));
    if (e->revoked) {
        t = (time_t)(e->revoked_ms / 1000);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
        json_object_set_new(j, "revoked", json_string(when));
    }
    return j;
}

static void institution_usage(FILE *out)
{
    fprintf(out,
            "usage: cjx institution list\n"
            "       cjx institution add --code CODE --kind KIND --name NAME --key KEY\n"
            "       cjx institution revoke (--key KEY | --code CODE)\n"
            "       cjx institution rotate --code CODE --key NEWKEY\n\n"
            "Operator commands (the configuration's key must be among the hub's operators).\n"
            "add registers the institution's public key (KEY: 40 characters of Z85, or the\n"
            ".pub file from cjx keygen) and its name and kind (college, school, enterprise,\n"
            "bureau, vocational_group) in the registry; revoke cuts one key, or all of an\n"
            "institution's, off at once; rotate adds NEWKEY and revokes the others.\n");
}

int cli_institution(cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"code", required_argument, NULL, 'c'}, {"kind", required_argument, NULL, 'k'},
        {"name", required_argument, NULL, 'n'}, {"key", required_argument, NULL, 'K'},
        {"pretty", no_argument, NULL, 'p'},     {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const ops[] = {"list", "add", "revoke", "rotate"};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        institution_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    int op = -1;
    for (int i = 0; i < 4; i++)
        if (strcmp(argv[1], ops[i]) == 0)
            op = i;
    if (op < 0) {
        cli_error("institution", "unknown operation \"%s\"; list, add, revoke or rotate", argv[1]);
        return 2;
    }
    Cjx__Institution in = CJX__INSTITUTION__INIT;
    char key[CJX_KEY_TEXT] = "";
    const char *kind = "";
    int pretty = 0, opt;
    cjx_fault fault;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "c:k:n:K:ph", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': in.credit_code = optarg; break;
        case 'k': kind = optarg; break;
        case 'n': in.name = optarg; break;
        case 'K':
            if (cjx_key_load_public(optarg, "--key", key, &fault) != CJX_OK) {
                cli_error("institution", "--key: %s", fault.text);
                return 2;
            }
            break;
        case 'p': pretty = 1; break;
        case 'h': institution_usage(stdout); return 0;
        default: return 2;
        }
    }
    int kind_value = 0;
    if (kind[0] && cjx_institution_kind(kind, &kind_value) != 0) {
        cli_error("institution", "--kind: \"%s\" is not college, school, enterprise, bureau or "
                  "vocational_group", kind);
        return 2;
    }
    in.kind = (Cjx__InstitutionKind)kind_value;
    if (cli_need_config(c, "institution"))
        return 2;
    cli_link *l = cli_link_open(c, "institution");
    if (!l)
        return 1;
    Cjx__InstitutionAdmin m = CJX__INSTITUTION_ADMIN__INIT;
    m.request_id = 1;
    m.op = (Cjx__InstitutionAdmin__Op)op;
    m.institution = &in;
    m.public_key = key;
    Cjx__Frame fr = CJX__FRAME__INIT, *reply = NULL;
    fr.msg_case = CJX__FRAME__MSG_INSTITUTION_ADMIN;
    fr.institution_admin = &m;
    int rc = 1;
    if (cli_link_call(l, &fr, m.request_id, &reply) != 0) {
        cli_error("institution", "no answer from the hub within %d ms", c->timeout_ms);
    } else if (reply->msg_case == CJX__FRAME__MSG_NACK) {
        cli_error("institution", "%s%s%s [%s]", reply->nack->field,
                  reply->nack->field[0] ? ": " : "", reply->nack->text,
                  cjx_err_name((int)reply->nack->reason));
    } else if (reply->msg_case == CJX__FRAME__MSG_INSTITUTION_ADMIN_RESULT) {
        const Cjx__InstitutionAdminResult *res = reply->institution_admin_result;
        for (size_t i = 0; i < res->n_keys; i++)
            cli_print_json(key_json(res->keys[i]), pretty);
        if (res->sessions_closed)
            fprintf(stderr, "cjx institution: %u open sessions cut off\n", res->sessions_closed);
        rc = 0;
    }
    if (reply)
        cjx__frame__free_unpacked(reply, NULL);
    cli_link_close(&l);
    return rc;
}
