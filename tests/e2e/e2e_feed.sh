#!/usr/bin/env bash
# e2e_feed — guarantee 3: a bureau's feed resumes where it stopped. A bureau
# agent is stopped while 10,000 records are published, then restarted: its
# sink holds each of them exactly once, in order. Then the hub (and the
# bureau agent) are killed with SIGKILL while another 5,000 flow: the sink
# still ends with every event exactly once. Last, what the bureau has
# acknowledged is the hub's durable cursor soon after, with nothing
# published since (it is not left for a later batch): a hub killed then
# resends nothing. And `cjx feed`, which keeps no cursor, shows past events
# beyond its window.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # an enterprise: publishes training completions
COL=12140400405710843M   # a college: publishes postings the feed must skip
HRB=11140400012345686X   # 市人社局: subscribes to training completions
SINK=$T/hrb-sink.jsonl

# check_sink N: the sink holds exactly N events, each once, in global order,
# all training completions.
check_sink() {
    sink_exactly "$SINK" "$1"
    local other; other=$(grep -vc '"kind":"training_completion"' "$SINK" || true)
    [ "$other" = 0 ] || fail "$other events of other kinds reached the sink"
}

start_hub
EP=$HUB_EP
make_agent ent $ENT
make_agent col $COL
make_agent hrb $HRB
cat >>"$T/hrb.ini" <<INI
feed_window = 256

[subscription completions]
kinds = training_completion
sink_file = $SINK
INI
start_agent ent
start_agent col
start_agent hrb
hrb=$AGENT_PID

note "live: 10 completions and a job posting"
completions 1 10 | cjx ent post >/dev/null
job_json 1 | cjx col post >/dev/null
wait_until 30 sink_has "$SINK" 10 || fail "live events did not arrive"
check_sink 10

note "the bureau is stopped while 10,000 records are published"
kill -TERM "$hrb"; wait "$hrb" 2>/dev/null || true
completions 11 10010 | cjx ent post >/dev/null
{ job_json 2; job_json 3; } | cjx col post >/dev/null
wait_until 120 outbox_empty ent || fail "publishes not acknowledged"
start_agent hrb
hrb=$AGENT_PID
wait_until 180 sink_has "$SINK" 10010 || fail "catch-up stopped at $(wc -l <"$SINK")"
sleep 0.5   # nothing more may arrive
check_sink 10010

note "5,000 more while the hub is killed with SIGKILL, and the bureau agent once"
completions 10011 15010 | cjx ent post >/dev/null
for round in 1 2 3 4; do
    sleep "0.$((RANDOM % 5))"
    kill_hub KILL
    if [ $round = 2 ]; then
        kill -KILL "$hrb"; wait "$hrb" 2>/dev/null || true
        start_agent hrb
        hrb=$AGENT_PID
    fi
    start_hub "$EP"
done
wait_until 180 sink_has "$SINK" 15010 || fail "after the kills the sink stopped at $(wc -l <"$SINK")"
sleep 0.5
check_sink 15010

note "the acknowledged cursor is durable: a hub killed now resends nothing"
subscribes() { grep -c "completions from seq" "$T/hub.log" || true; }
before=$(subscribes)
kill_hub KILL
start_hub "$EP"
delivered() { metric cjx_delivered_total; }
again() { [ "$(subscribes)" -gt "$before" ]; }
wait_until 30 again || fail "the bureau did not subscribe again"
sleep 1
[ "$(delivered)" = 0 ] || fail "the hub resent $(delivered) events the bureau had acknowledged"
check_sink 15010

note "cjx feed shows 600 past completions: more than its window of 256, so only if it acknowledges"
timeout 60 "$BIN/cjx" -c "$T/hrb.ini" feed --kind training_completion --since 0 --count 600 >"$T/live.jsonl" \
    || fail "cjx feed did not show 600 events: $(wc -l <"$T/live.jsonl") lines"
sink_exactly "$T/live.jsonl" 600
echo ok
