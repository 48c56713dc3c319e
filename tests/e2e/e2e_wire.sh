#!/usr/bin/env bash
# e2e_wire — frames an agent would never send, straight to the hub's socket:
# each is answered with a Nack naming the reason, counted, stores nothing,
# and the hub keeps serving a well-behaved agent throughout.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
OTHER=91140400MA0K7C2D4M   # another enterprise, without an agent
probe() { "$BIN/wire_probe" "$HUB_EP" "$ENT" "$@"; }

start_hub
make_agent ent $ENT
start_agent ent

expect() { # expect WHAT PATTERN OUTPUT
    echo "$3" | matches -- "$2" || fail "$1: expected '$2', hub said: $3"
}
expect "garbage bytes" "nack malformed" "$(probe garbage 300)"
expect "multi-part message" "nack malformed" "$(probe multipart)"
job_json 1 >"$T/job.json"
expect "publish before Hello" "nack no_session" "$(probe no-hello "$T/job.json")"
expect "oversized frame" "nack too_big" "$(probe oversize 300000)"
expect "bad credit code in Hello" "nack check_char" \
    "$("$BIN/wire_probe" "$HUB_EP" 91140400MA0K7C2D3K hello)"

note "the hub validates again: items the CLI would refuse"
job_json 2 | sed 's/"headcount":3,//' >"$T/bad.json"
job_json 3 | sed "s/\"valid_until\":\"$VALID_UNTIL\"/\"valid_until\":\"2026-01-31\"/" >>"$T/bad.json"
job_json 4 | sed "s/\"job\":{/\"publisher_credit_code\":\"$OTHER\",\"job\":{/" >>"$T/bad.json"
out=$(probe publish "$T/bad.json")
expect "missing headcount" "nack required posting.job.headcount" "$out"
expect "dates out of order" "nack date posting.valid_until" "$out"
expect "publishing as someone else" "nack forbidden posting.publisher_credit_code" "$out"

note "the same outbox sequence twice is stored once"
job_json 5 >"$T/dup.json"
out=$("$BIN/wire_probe" "$HUB_EP" "$OTHER" publish "$T/dup.json")
expect "first publish" "ack [0-9]* dup=0" "$out"
seq=$(echo "$out" | sed -n 's/^ack \([0-9]*\) dup=0$/\1/p')
out=$("$BIN/wire_probe" "$HUB_EP" "$OTHER" publish "$T/dup.json")
expect "resent publish" "ack $seq dup=1" "$out"

note "a refused status change leaves its outbox sequence unused: the next item under it is stored"
CLOSER=91140403MA0K8E1F5N  # an enterprise with nothing published
printf '{"status_change":{"ref":"JOB-NONE","status":"STATUS_FILLED"}}\n' >"$T/close.json"
expect "closing a posting that is not there" "nack not_found status_change.ref" \
    "$("$BIN/wire_probe" "$HUB_EP" "$CLOSER" publish "$T/close.json")"
expect "an item under the same outbox sequence" "ack [0-9]* dup=0" \
    "$("$BIN/wire_probe" "$HUB_EP" "$CLOSER" publish "$T/dup.json")"

note "the hub still serves the agent, and counted every refusal"
id=$(job_json 6 | cjx ent post)
wait_until 20 outbox_empty ent || fail "agent not served after the bad frames"
cjx ent get "$id" >/dev/null || fail "item $id not stored"
# stored: OTHER's job (once), CLOSER's and the agent's
[ "$(cjx ent list --kind job | wc -l)" = 3 ] || fail "the hub stored something it refused"
for reason in malformed no_session too_big check_char required date forbidden; do
    [ "$(hub_refused ent $reason)" -gt 0 ] || fail "refusal $reason not counted: $(cjx ent status)"
done
[ "$(cjx ent status --json | jq .duplicates)" = 1 ] || fail "duplicate not counted: $(cjx ent status)"
note "a session that asks for AckBatch frames gets the Acks of a batch in one, in order,"
note "with a refusal among them as its own Nack in its place"
note "(two sessions in the same batch, whose frames the hub takes in turns, one each)"
THIRD=91140403MA0K8E1F2D   # a third enterprise, publishing only here
FOURTH=91140403MA0K8E1F3G  # and a fourth, beside it
for i in $(seq 101 110); do job_json "$i"; done >"$T/many.json"
job_json 111 | sed 's/"headcount":3,//' >>"$T/many.json"
for i in $(seq 112 120); do job_json "$i"; done >>"$T/many.json"
for i in $(seq 131 150); do job_json "$i"; done >"$T/valid.json"
kill -STOP "$HUB_PID" # what the probes send waits, and the hub takes it as one batch
"$BIN/wire_probe" "$HUB_EP" "$THIRD" publish-all "$T/many.json" 1 >"$T/batched.out" &
probe_pid=$!
"$BIN/wire_probe" "$HUB_EP" "$FOURTH" publish-all "$T/valid.json" 1 >"$T/beside.out" &
beside_pid=$!
sleep 0.5
kill -CONT "$HUB_PID"
wait "$probe_pid" "$beside_pid"
frames_of() { echo "$1" | sed -n 's/.* frames=\([0-9]*\) .*/\1/p'; }
out=$(cat "$T/batched.out")
expect "batched acks" "answered=20 acks=19 nacks=1 .* order=ok" "$out"
[ "$(frames_of "$out")" -le 5 ] || fail "the Acks of one batch came in many frames: $out"
out=$(cat "$T/beside.out") # one frame, unless the hub took the batch in two or three
expect "batched acks beside another session" "answered=20 acks=20 nacks=0 .* order=ok" "$out"
[ "$(frames_of "$out")" -le 3 ] || fail "the Acks of one batch came in many frames: $out"
for i in $(seq 121 125); do job_json "$i"; done >"$T/single.json"
out=$("$BIN/wire_probe" "$HUB_EP" "$OTHER" publish-all "$T/single.json" 0)
expect "single acks without asking" "answered=5 acks=5 nacks=0 frames=5 most=1 order=ok" "$out"

note "frames drained while a batch commits have their items validated beside it: the valid"
note "are stored, the invalid refused as ever, in order (batch_max = 40: 160 frames, 4 batches)"
kill_hub TERM
HUB_INI_EXTRA="batch_max = 40" start_hub "$HUB_EP" # the same port: ent's ini names it
FIFTH=91140403MA0K8E1F4K   # a fifth enterprise
for i in $(seq 201 360); do
    case $i in
    300 | 350) job_json "$i" | sed 's/"headcount":3,//' ;; # required: refused
    *) job_json "$i" ;;
    esac
done >"$T/overlap.json"
kill -STOP "$HUB_PID"
"$BIN/wire_probe" "$HUB_EP" "$FIFTH" publish-all "$T/overlap.json" 1 >"$T/overlap.out" &
probe_pid=$!
sleep 0.5
kill -CONT "$HUB_PID"
wait "$probe_pid"
expect "batches validated beside the commit" "answered=160 acks=158 nacks=2 .* order=ok" \
    "$(cat "$T/overlap.out")"
prevalidated=$(metric cjx_prevalidated_total)
[ "${prevalidated:-0}" -ge 40 ] || fail "no batch was validated beside a commit: ${prevalidated:-none}"
note "and each item stored is the one its frame carried"
for k in 1 40 41 99 101 160; do # outbox sequence k carried JOB-(200+k); 100 and 150 were refused
    cjx ent get "$FIFTH-$k" | matches "\"ref\":\"JOB-$((200 + k))\"" ||
        fail "$FIFTH-$k is not JOB-$((200 + k)): $(cjx ent get "$FIFTH-$k" 2>&1 | head -c 300)"
done

kill -0 "$HUB_PID" || fail "hub died"
echo ok
