#!/usr/bin/env bash
# e2e_limits — hardening: an institution publishing faster than the hub's
# publish_rate is refused with `limit`, counted and logged with it, and its
# agent sends again until everything is stored, in outbox order; an
# institution cannot open more sessions than max_sessions_per_institution;
# with less disk free than disk_reserve_mb, publishes are refused with
# `limit` and the alert disk_low is raised, until there is room again.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
HRB=11140400012345686X
N=150
HUB_INI_EXTRA="publish_rate = 100
publish_burst = 20
max_sessions_per_institution = 1"
start_hub
make_agent ent $ENT
make_agent hrb $HRB
start_agent ent

note "$N postings at once against a rate of 100 a second: refused in part, all stored in the end"
for n in $(seq 1 $N); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 60 outbox_empty ent || fail "the outbox did not drain under the rate limit: $(pending ent) left"
[ "$(hub_refused hrb limit)" -gt 0 ] || fail "no limit refusal counted: $(cjx hrb status)"
grep -q "inst=$ENT.*reason=limit" "$T/hub.log" || fail "limit refusals are not logged with the institution"
[ "$(cjx hrb list --kind job | wc -l)" = $N ] || fail "not all $N postings were stored once"
# an item refused for now holds back the later ones: stored in outbox order
cjx hrb list --kind job | grep -o "\"id\":\"$ENT-[0-9]*\"" | grep -o '[0-9]*"$' | tr -d '"' >"$T/order"
seq 1 $N | cmp -s - "$T/order" || fail "postings were stored out of outbox order: $(tr '\n' ' ' <"$T/order" | head -c 200)"

note "a second session of the same institution is refused while the agent holds one"
if cjx ent --timeout 2 status >/dev/null 2>"$T/err"; then fail "a second session was allowed"; fi
grep -q 'sessions open' "$T/err" || fail "the refusal does not say why: $(cat "$T/err")"

note "below the disk reserve nothing is stored; with room again, everything is"
kill_hub TERM
HUB_INI_EXTRA="disk_reserve_mb = 1073741824"   # 1 PiB: more than any disk has free
start_hub "$HUB_EP"
refused=$(hub_refused hrb limit || true)
[ -n "$refused" ] || fail "the restarted hub did not answer cjx status"
job_json $((N + 1)) | cjx ent post >/dev/null
more_refused() { [ "$(hub_refused hrb limit)" -gt "$refused" ]; } # asked again each try
wait_until 20 more_refused ||
    fail "no publish was refused below the reserve (limit refusals: $refused before the post," \
         "$(hub_refused hrb limit) now; the agent's log ends: $(tail -n 3 "$T/ent.log"))"
grep -q 'below its reserve of 1073741824 MiB' "$T/ent.log" "$T/hub.log" \
    || fail "the refusal does not say the disk is short"
cjx hrb status --json | jq -e '.alerts[] | select(.name == "disk_low")' >/dev/null \
    || fail "no disk_low alert: $(cjx hrb status --json | jq -c .alerts)"
[ "$(cjx hrb list --kind job | wc -l)" = $N ] || fail "something was stored below the reserve"
kill_hub TERM
HUB_INI_EXTRA=""
start_hub "$HUB_EP"
wait_until 30 outbox_empty ent || fail "the outbox did not drain with room again: $(pending ent) left"
[ "$(cjx hrb list --kind job | wc -l)" = $((N + 1)) ] || fail "the held posting was not stored"
cjx hrb status --json | jq -e '[.alerts[]? | select(.name == "disk_low")] | length == 0' >/dev/null \
    || fail "disk_low is still raised"
echo ok
