#!/usr/bin/env bash
# e2e_feed_slow — guarantee 7: a subscriber stopped with SIGSTOP while
# 30,000 records are published neither makes the hub's memory grow (credit:
# at most feed_window events wait for it) nor holds up another subscriber,
# which receives everything while the first is stopped. Once continued, the
# stopped one catches up exactly once.
#
# The hub's memory is compared after a warm-up of the same load with both
# subscribers running (allocator caches and LMDB's page cache of its write
# transactions reach their size then), so what is measured is what the
# stopped subscriber costs: without credit it would be every event.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
HRB=11140400012345686X   # 市人社局, to be stopped
EDU=111404000123456783   # 市教育局, keeps running
WARM=10000
N=30000
# ASan keeps freed memory in quarantine; keep it small so RSS means live data.
export ASAN_OPTIONS=${ASAN_OPTIONS}:quarantine_size_mb=4

lines() { wc -l <"$T/$1-sink.jsonl"; }
rss_anon_kb() { awk '/^RssAnon:/ {print $2}' "/proc/$HUB_PID/status"; }

start_hub
make_agent ent $ENT
start_agent ent
for who in hrb edu; do
    make_agent $who $([ $who = hrb ] && echo $HRB || echo $EDU)
    cat >>"$T/$who.ini" <<INI
feed_window = 128

[subscription completions]
kinds = training_completion
sink_file = $T/$who-sink.jsonl
INI
    start_agent $who
    eval "${who}_pid=\$AGENT_PID"
done

TOTAL=$((WARM + N))
note "warm-up: $WARM records to both subscribers"
completions 1 $WARM | cjx ent post >/dev/null
wait_until 120 sink_has "$T/hrb-sink.jsonl" $WARM && wait_until 120 sink_has "$T/edu-sink.jsonl" $WARM || fail "subscribers not served"
before=$(rss_anon_kb)

note "市人社局's agent is stopped; $N records are published"
kill -STOP "$hrb_pid"
completions $((WARM + 1)) $TOTAL | cjx ent post >/dev/null
wait_until 240 sink_has "$T/edu-sink.jsonl" $TOTAL || fail "the running subscriber stalled at $(lines edu)"
[ "$(lines hrb)" -le $((WARM + 200)) ] || fail "the stopped subscriber got $(($(lines hrb) - WARM)) events"
after=$(rss_anon_kb)
note "hub RssAnon: ${before} kB after the warm-up, ${after} kB after $N events with one subscriber stopped"
# 30,000 events of ~400 bytes waiting would be 12 MB and more; credit keeps it to 128
[ $((after - before)) -lt 8192 ] || fail "hub anonymous memory grew by $((after - before)) kB"

note "continued, it catches up exactly once"
kill -CONT "$hrb_pid"
wait_until 240 sink_has "$T/hrb-sink.jsonl" $TOTAL || fail "the stopped subscriber stalled at $(lines hrb)"
sleep 0.5
for who in hrb edu; do
    [ "$(lines $who)" = $TOTAL ] || fail "$who sink has $(lines $who) lines"
    grep -o '"seq":[0-9]*' "$T/$who-sink.jsonl" | cut -d: -f2 >"$T/seqs"
    sort -n -u "$T/seqs" | cmp -s - "$T/seqs" || fail "$who sink repeats or is out of order"
done
echo ok
