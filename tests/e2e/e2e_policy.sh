#!/usr/bin/env bash
# e2e_policy — guarantee 6, authorization: an institution publishes only the
# kinds its kind may ([publish] in the hub's configuration, defaults from
# the plan), and reads other institutions' records only where [read] lets
# its kind: in feeds, in listings and by id.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # an enterprise
COL=12140400405710843M   # a college
HRB=11140400012345686X   # 市人社局, a bureau

completion() {
    printf '{"record":{"ref":"TC-%s","year":2026,"training_completion":{"trainee":{"pseudonym":"p:%s"},"enterprise_credit_code":"%s","course_title":"电工","completion_date":"2026-09-30","hours":80}}}\n' "$1" "$1" "$ENT"
}
outcome() {
    printf '{"record":{"ref":"GO-%s","year":2026,"graduate_outcome":{"graduate":{"pseudonym":"p:%s"},"school_credit_code":"%s","major_code":"510203","graduation_year":2026,"destination_code":"10"}}}\n' "$1" "$1" "$COL"
}
refused() { cjx "$1" status --local | sed -n 's/.*"refused": \([0-9]*\).*/\1/p' | head -n1; }

HUB_INI_EXTRA="[read]
college = graduate_outcome"
start_hub
for who in ent col hrb; do
    code=$(eval echo "\$$(echo $who | tr a-z A-Z)")
    make_agent $who "$code"
    cat >>"$T/$who.ini" <<INI

[subscription records]
kinds = training_completion, graduate_outcome
sink_file = $T/$who-records.jsonl
INI
    start_agent $who
done

note "each publishes what its kind may; the enterprise's graduate outcome is refused"
completion 1 | cjx ent post >/dev/null
outcome 1 | cjx col post >/dev/null
outcome 2 | sed "s/\"school_credit_code\":\"$COL\"/\"school_credit_code\":\"$COL\"/" | cjx ent post >/dev/null
wait_until 20 outbox_empty ent && wait_until 20 outbox_empty col || fail "outboxes never emptied"
[ "$(refused ent)" = 1 ] || fail "the enterprise's graduate outcome was not refused"
grep -q 'reason=forbidden field=record.graduate_outcome: an institution of kind enterprise may not publish' \
    "$T/hub.log" || fail "the refusal does not name the field and the rule"
[ "$(hub_refused hrb forbidden)" = 1 ] || fail "the refusal is not counted: $(cjx hrb status)"

note "records reach only those the policy lets read them"
lines() { [ -f "$T/$1-records.jsonl" ] && wc -l <"$T/$1-records.jsonl" || echo 0; }
wait_equal 20 2 lines hrb || fail "the bureau's feed has $(lines hrb) records, expected 2"
sleep 0.5
[ "$(lines ent)" = 1 ] || fail "the enterprise's feed has $(lines ent) records, expected its own 1"
grep -q graduate_outcome "$T/ent-records.jsonl" && fail "the college's record reached the enterprise"
[ "$(lines col)" = 1 ] || fail "the college's feed has $(lines col) records, expected its own 1"
grep -q training_completion "$T/col-records.jsonl" && fail "[read] college does not include training completions"
[ "$(cjx col list --kind training_completion | wc -l)" = 0 ] || fail "the college lists the enterprise's records"
if cjx col get "$ENT-1" 2>"$T/err" >/dev/null; then fail "the college got the enterprise's record by id"; fi
grep -q 'does not show' "$T/err" || fail "get by id does not say why: $(cat "$T/err")"
cjx hrb get "$ENT-1" | matches '"training_completion"' || fail "the bureau cannot read the record"
echo ok
