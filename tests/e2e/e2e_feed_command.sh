#!/usr/bin/env bash
# e2e_feed_command — a command sink: run once per event with the event on
# stdin and CJX_SEQ in its environment; while it fails it is retried with
# back-off, shows in `cjx status --local`, and no event is skipped.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J
EDU=111404000123456783

cat >"$T/hook.sh" <<'SH'
#!/bin/sh
# fails while the marker exists; otherwise records the event and its seq
[ -e "$HOOK_DIR/fail" ] && exit 3
printf '%s ' "$CJX_SEQ" >>"$HOOK_DIR/seen"
cat >>"$HOOK_DIR/seen"
SH
chmod +x "$T/hook.sh"
touch "$T/fail"
export HOOK_DIR=$T

start_hub
make_agent ent $ENT
make_agent edu $EDU
cat >>"$T/edu.ini" <<INI

[subscription postings]
kinds = job
sink_command = $T/hook.sh
INI
start_agent ent
start_agent edu

{ job_json 1; job_json 2; job_json 3; } | cjx ent post >/dev/null
failing() { cjx edu status --local | matches '"failures": [1-9]'; }
wait_until 30 failing || fail "a failing command does not show in status"
cjx edu status --local | matches '"last_error": "command exited with 3' \
    || fail "status lacks the command's exit code: $(cjx edu status --local)"
[ ! -e "$T/seen" ] || fail "the command ran successfully while failing"

note "the command recovers: every event exactly once, in order"
rm "$T/fail"
seen_all() { [ "$(wc -l <"$T/seen")" -ge 3 ]; }
wait_until 90 seen_all || fail "events not delivered after the command recovered"
sleep 0.5
[ "$(wc -l <"$T/seen")" = 3 ] || fail "the command saw $(wc -l <"$T/seen") events, expected 3"
want="$(seq_of ent $ENT-1) $(seq_of ent $ENT-2) $(seq_of ent $ENT-3) "
[ "$(cut -d' ' -f1 "$T/seen" | tr '\n' ' ')" = "$want" ] || fail "wrong order: $(cut -d' ' -f1 "$T/seen")"
grep -q '"title":"半导体封装工艺工程师 2"' "$T/seen" || fail "the event JSON is not on stdin"
cjx edu status --local | matches "\"command_seq\": $(seq_of ent $ENT-3)" || fail "command cursor not recorded"
echo ok
