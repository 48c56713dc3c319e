#!/usr/bin/env bash
# e2e_gap — a lost event is noticed and repaired. The hub is told to lose
# every 37th feed event (debug_lose_events, a setting for this test only):
# the agent sees the gap, either at the next event of the subscription
# (Event.prev_seq) or, for a lost last event, at the hub's next heartbeat
# (Heartbeat.feeds), and starts over from its position. The bureau's sink
# still holds every job exactly once, in order, and its replica still
# matches the hub's digest.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
HRB=11140400012345686X
N=200
HUB_INI_EXTRA="debug_lose_events = 37"

start_hub
make_agent ent $ENT
make_agent hrb $HRB
cat >>"$T/hrb.ini" <<INI

[subscription jobs]
kinds = job
sink_file = $T/hrb-jobs.jsonl
INI
start_agent ent
start_agent hrb

for n in $(seq 1 $N); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 30 outbox_empty ent || fail "ent's outbox never emptied"
sink_full() { [ "$(wc -l <"$T/hrb-jobs.jsonl")" -ge $N ]; }
wait_until 120 sink_full || fail "the sink stalled at $(wc -l <"$T/hrb-jobs.jsonl") of $N"
for who in hrb ent; do # the lost events fall on any agent's feeds, replicas included
    cjx $who verify --wait 60 >"$T/verify.json" || fail "$who's replica differs after lost events: $(cat "$T/verify.json")"
done
sleep 0.5
[ "$(wc -l <"$T/hrb-jobs.jsonl")" = $N ] || fail "the sink has $(wc -l <"$T/hrb-jobs.jsonl") lines, expected $N"
grep -o '"seq":[0-9]*' "$T/hrb-jobs.jsonl" | cut -d: -f2 >"$T/seqs"
sort -n -u "$T/seqs" | cmp -s - "$T/seqs" || fail "the sink repeats or is out of order"
lost=$(grep -c 'id=feed.lose' "$T/hub.log" || true)
gaps=$(cat "$T/hrb.log" "$T/ent.log" | grep -c 'gap' || true)
note "the hub lost $lost events on purpose; the agents noticed $gaps gaps"
[ "$lost" -ge 2 ] || fail "the hub lost only $lost events: the test tests nothing"
[ "$gaps" -ge 1 ] || fail "the agents noticed no gap of the $lost lost events"

note "a lost last event, which no later event reveals, is noticed at the next heartbeat"
# Restarted to lose every 2nd event: of the next job's three events (the
# publisher's replica, then the bureau's feed and replica) one of the
# bureau's is lost, with nothing behind it on its subscription.
EP=$HUB_EP
kill_hub TERM
HUB_INI_EXTRA="debug_lose_events = 2"
start_hub "$EP"
job_json $((N + 1)) | cjx ent post >/dev/null
wait_until 30 outbox_empty ent || fail "ent's outbox never emptied"
N=$((N + 1))
wait_until 30 sink_full || fail "the lost last event never reached the sink"
cjx hrb verify --wait 30 >"$T/verify.json" || fail "the lost last event was not repaired: $(cat "$T/verify.json")"
[ "$(wc -l <"$T/hrb-jobs.jsonl")" = $N ] || fail "the sink has $(wc -l <"$T/hrb-jobs.jsonl") lines, expected $N"
grep -q 'the hub sent up to' "$T/hrb.log" || fail "the heartbeat did not reveal the lost event"
echo ok
