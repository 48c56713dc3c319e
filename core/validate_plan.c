/* validate_plan.c — the rules of every message type, resolved once.
 *
 * Starting at cjx.Item, the plan visits every message type reachable
 * through message fields and records what the rule tables say about it: a
 * cjx_vmsg per type, with a cjx_vfield per field (validate_rules.h). The
 * plan of a message field points at the plan of its type, so the walker
 * follows pointers and never looks a rule up by name.
 *
 * The plan is built on first use (cjx_validator_open asks for it, so the
 * hub pays at start) and only read afterwards, so threads may validate at
 * once; a thread that asks while another builds waits for it. The schema is
 * fixed when cjx is compiled and small, so storage is static; a plan that
 * outgrows it is refused, never cut short (the unit tests would notice).
 */
#include "validate_rules.h"

#include <sched.h>
#include <stdatomic.h>

/* cjx.Item reaches 22 message types with 149 fields and binds some 50
 * checks; the limits leave room for the schema to grow. */
#define MAX_MESSAGES 64
#define MAX_FIELDS 512
#define MAX_CHECKS 256

static cjx_vmsg messages[MAX_MESSAGES];
static cjx_vfield fields[MAX_FIELDS];
static cjx_vcheck checks[MAX_CHECKS];
static unsigned n_messages, n_fields;
static cjx_vpool pool = {checks, 0, MAX_CHECKS};

enum { UNBUILT, BUILDING, BUILT, FAILED };
static atomic_int state = UNBUILT;

/* The plan of d, if it has one yet. Types are few; cjx.Item comes first. */
static const cjx_vmsg *find(const ProtobufCMessageDescriptor *d)
{
    for (unsigned i = 0; i < n_messages; i++)
        if (messages[i].d == d)
            return &messages[i];
    return NULL;
}

/* Plans d and every type reachable from it; returns d's plan, or NULL when
 * the storage is full. A type is entered before its fields are followed, so
 * a type that contains itself ends the recursion. */
static const cjx_vmsg *add(const ProtobufCMessageDescriptor *d)
{
    const cjx_vmsg *known = find(d);
    if (known)
        return known;
    if (n_messages == MAX_MESSAGES || d->n_fields > MAX_FIELDS - n_fields)
        return NULL;
    cjx_vmsg *vm = &messages[n_messages++];
    cjx_vfield *vf = &fields[n_fields];
    n_fields += d->n_fields;
    vm->d = d;
    vm->fields = vf;
    for (unsigned i = 0; i < d->n_fields; i++) {
        vf[i].fd = &d->fields[i];
        cjx_vr_bind_field(&vf[i]);
    }
    if (!cjx_vr_bind_message(vm, vf, &pool))
        return NULL;
    for (unsigned i = 0; i < d->n_fields; i++)
        if (vf[i].fd->type == PROTOBUF_C_TYPE_MESSAGE &&
            !(vf[i].sub = add(vf[i].fd->descriptor)))
            return NULL;
    return vm;
}

/* Builds the plan unless it is built; returns 1 when it is usable. The
 * first caller builds it; others wait until it is done, then only read. */
static int ready(void)
{
    int s = atomic_load_explicit(&state, memory_order_acquire);
    if (s == UNBUILT &&
        atomic_compare_exchange_strong_explicit(&state, &s, BUILDING,
                                                memory_order_acquire,
                                                memory_order_acquire)) {
        cjx_vr_bind_wording();
        s = add(&cjx__item__descriptor) ? BUILT : FAILED;
        atomic_store_explicit(&state, s, memory_order_release);
    }
    while (s == BUILDING) {
        sched_yield();
        s = atomic_load_explicit(&state, memory_order_acquire);
    }
    return s == BUILT;
}

const cjx_vmsg *cjx_vr_plan(const ProtobufCMessageDescriptor *d)
{
    return ready() ? find(d) : NULL;
}

const cjx_vmsg *cjx_vr_plan_of(const cjx_vmsg *hint, const ProtobufCMessage *m)
{
    return hint && hint->d == m->descriptor ? hint : cjx_vr_plan(m->descriptor);
}
