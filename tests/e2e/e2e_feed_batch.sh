#!/usr/bin/env bash
# e2e_feed_batch — feed events in EventBatch frames, seen straight on the
# hub's socket (wire_probe): a subscriber that asks for them
# (Subscribe.batch, as cjx-agent does) gets many events per frame, every
# prev_seq naming the event before it, and never more than its credit
# unacknowledged (guarantee 7); one that does not ask (an older agent,
# `cjx feed`) gets the same events one Event frame each. The hub sends more
# as soon as an acknowledgement gives credit back, not at its next
# heartbeat (20 s here; the probe waits 5 s at most for a frame).
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # publishes the jobs
HRB=11140400012345686X   # 市人社局: the probe subscribes as it
N=600
WINDOW=100

HUB_HEARTBEAT_MS=20000 start_hub
make_agent ent $ENT
start_agent ent
for n in $(seq 1 $N); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 60 outbox_empty ent || fail "ent's outbox never emptied"

probe() { "$BIN/wire_probe" "$HUB_EP" $HRB jobs $N $WINDOW "$1" | grep '^events='; }
field() { echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

out=$(probe 1)
note "asking for batches: $out"
echo "$out" | matches "^events=$N .* single=0 .*chain=ok window=ok$" ||
    fail "batched feed: expected $N events in EventBatch frames, chained, within credit: $out"
[ "$(field most "$out")" -gt 1 ] || fail "batched feed: one event per frame: $out"
[ "$(field most "$out")" -le $WINDOW ] || fail "batched feed: a frame beyond the credit: $out"

out=$(probe 0)
note "not asking: $out"
[ "$out" = "events=$N frames=$N most=1 single=$N batch=0 chain=ok window=ok" ] ||
    fail "single-event feed: expected $N Event frames, chained, within credit: $out"
note "ok"
