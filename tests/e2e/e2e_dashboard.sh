#!/usr/bin/env bash
# e2e_dashboard — the hub's dashboard (GET /) in headless Chromium, against a
# running hub with agents: it renders the institutions (Chinese and English
# names), non-empty rate and lag charts and the alerts, without script
# errors. The screenshot stays in the build folder: test-artifacts/dashboard.png.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/dashboard_check.sh"

SHOT_DIR=$(cd "$BIN/.." && pwd)/test-artifacts
mkdir -p "$SHOT_DIR"

start_watched_institutions

note "jobs published and delivered; then the bureau stops and falls behind"
for n in $(seq 1 50); do job_json "$n"; done | cjx ent post >/dev/null
printf '{"record":{"ref":"GO-1","year":2026,"graduate_outcome":{"graduate":{"pseudonym":"p:1"},"school_credit_code":"%s","major_code":"510203","graduation_year":2026,"destination_code":"10"}}}\n' $COL \
    | cjx ent post >/dev/null   # refused: an enterprise may not publish it
wait_until 20 outbox_empty ent || fail "ent's outbox never emptied"
lines() { [ -f "$T/hrb-jobs.jsonl" ] && wc -l <"$T/hrb-jobs.jsonl" || echo 0; }
wait_equal 20 50 lines || fail "the bureau got $(lines) jobs, expected 50"
kill -STOP "$hrb_pid"
for n in $(seq 51 150); do job_json "$n"; done | cjx ent post >/dev/null
wait_until 20 outbox_empty ent || { kill -CONT "$hrb_pid"; fail "ent's outbox never emptied"; }
alerted() { cjx col status --json | jq -e '.alerts | length >= 2' >/dev/null; }
wait_until 20 alerted || { kill -CONT "$hrb_pid"; fail "no alerts for the stopped bureau"; }

note "the dashboard in headless Chromium"
rc=0
dashboard_main "http://$HTTP_EP/" "$SHOT_DIR/dashboard.png" "$T/dom.html" || rc=$?
kill -CONT "$hrb_pid"
[ $rc = 0 ] || fail "the dashboard did not load cleanly"
dashboard_verify "$T/dom.html" 3 长治高新区光电科技有限公司 "Changzhi Vocational and Technical College" \
    长治市人力资源和社会保障局 $ENT || fail "the dashboard lacks what the hub reports"
[ "$(dashboard_attr "$T/dom.html" chart-lag data-points)" -gt 0 ] || fail "the lag chart is empty"
[ "$(dashboard_attr "$T/dom.html" alerts data-alerts)" -ge 2 ] || fail "the dashboard shows no alerts"
grep -q 'silent for' "$T/dom.html" || fail "the alert's text is not on the page"
[ -s "$SHOT_DIR/dashboard.png" ] || fail "no screenshot"
echo "screenshot: $SHOT_DIR/dashboard.png"
echo ok
