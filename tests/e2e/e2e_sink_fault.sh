#!/usr/bin/env bash
# e2e_sink_fault — guarantee 3 when the sink's disk fails: a bureau's file
# sink whose writes fail halfway through (a full disk: half a line reaches
# the file), and then whose syncs fail (a failing disk), while completions
# keep coming. The agent says so in its log and its status, cuts the file
# back to its last good sync, tries again after a back-off (1 s, doubling;
# not at every event), and once the disk works again the file holds every
# event exactly once, in order, each line whole, and the status no longer
# shows the failure. The faults come from
# tests/tools/sink_fault.c, preloaded into the bureau's agent.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # an enterprise: publishes training completions
HRB=11140400012345686X   # 市人社局: subscribes to them
SINK=$T/hrb-sink.jsonl
FAULT=$T/fault           # while it exists, its word says what fails

# check_sink N: the sink holds exactly completions 1 … N, each once, in the
# hub's order, every line a whole JSON object.
check_sink() {
    jq -c . "$SINK" >/dev/null 2>&1 || fail "the sink has a line that is not whole JSON: $(tail -c 300 "$SINK")"
    sink_exactly "$SINK" "$1"
    jq -r .item.record.ref "$SINK" | sed 's/^TC-//' | sort -n >"$T/refs"
    seq 1 "$1" | cmp -s - "$T/refs" || fail "the sink does not hold completions 1 … $1 once each"
}
# failed_with WORD: the agent has logged a sink failure while WORD-ing.
failed_with() { grep "id=feed.sink" "$T/hrb.log" | matches -F "$1 $SINK"; }
# status_shows JQ: the agent's status (cjx status --local) of the
# subscription passes the jq test JQ (it is saved soon after it changes).
status_shows() { cjx hrb status --local | jq -e ".feeds.completions | $1" >/dev/null; }

start_hub
make_agent ent $ENT
make_agent hrb $HRB
cat >>"$T/hrb.ini" <<INI
feed_window = 64

[subscription completions]
kinds = training_completion
sink_file = $SINK
INI
start_agent ent
CJX_FAULT_FILE=$SINK CJX_FAULT_TRIGGER=$FAULT LD_PRELOAD="$BIN/libcjx_sink_fault.so" \
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:verify_asan_link_order=0" start_agent hrb

note "a working disk: 20 completions"
completions 1 20 | cjx ent post >/dev/null
wait_until 30 sink_has "$SINK" 20 || fail "the first completions did not arrive"
check_sink 20

note "writes fail halfway (a full disk) while 200 more come; then the disk has room again"
echo write >"$FAULT"
completions 21 220 | cjx ent post >/dev/null
wait_until 30 failed_with writing || fail "the agent did not say that writing the sink failed"
wait_until 10 status_shows '(.last_error // "") | startswith("writing")' \
    || fail "the agent's status does not show the failure: $(cjx hrb status --local)"
sleep 2 # the disk stays full: the agent waits 1 s, then 2 s, before it tries again
tries=$(grep -c "id=feed.sink" "$T/hrb.log")
[ "$tries" -le 3 ] || fail "the agent tried the full disk $tries times since it first failed (it should back off)"
rm -f "$FAULT"
wait_until 60 sink_has "$SINK" 220 || fail "the sink did not catch up after the disk had room: $(wc -l <"$SINK") lines"
check_sink 220

note "syncs fail (a failing disk) while 200 more come; then the disk works"
echo sync >"$FAULT"
completions 221 420 | cjx ent post >/dev/null
wait_until 30 failed_with syncing || fail "the agent did not say that syncing the sink failed"
rm -f "$FAULT"
wait_until 60 sink_has "$SINK" 420 || fail "the sink did not catch up after the syncs worked: $(wc -l <"$SINK") lines"
wait_until 10 status_shows '(.failures // 0) == 0 and (.last_error // "") == ""' \
    || fail "the status still shows failures once the sink works: $(cjx hrb status --local)"
sleep 1 # anything written twice would show by now
check_sink 420
echo ok
