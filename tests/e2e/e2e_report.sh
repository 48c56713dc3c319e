#!/usr/bin/env bash
# e2e_report — the plan's reports (`cjx report`): two enterprises' census, a
# college's programmes and graduate outcomes published through real agents;
# a bureau's reports with figures worked out by hand, an enterprise and the
# college seeing only their own lines, the three formats, freshness, and the
# dashboard's reports page in headless Chromium.
. "$(dirname "$0")/lib.sh"

ENT=91140400MA0K7C2D3J   # an enterprise: exactly 10%
ENT2=91140403MA0K8E1F2D  # another: short
COL=12140400405710843M   # a college
HRB=11140400012345686X   # 市人社局, a bureau

census() { # CODE TECHNICAL INTERNSHIP EMPLOYEES TEACHER_POSTS
    printf '{"record":{"ref":"CEN-2026","year":2026,"enterprise_census":{"enterprise_credit_code":"%s","above_scale":true,"size":"SIZE_LARGE","technical_posts":%d,"internship_posts":%d,"employees":%d,"teacher_practice_posts":%d,"employees_trained":%d,"training_fund_spent_yuan":100000,"training_fund_front_line_yuan":70000}}}\n' \
        "$1" "$2" "$3" "$4" "$5" "$(( $4 / 2 ))"
}
programme() { # MAJOR TOTAL PRACTICE
    printf '{"record":{"ref":"PRG-%s","year":2026,"programme_record":{"school_credit_code":"%s","major_code":"%s","total_hours":%d,"practice_hours":%d,"graduation_year":2026,"expected_graduates":50}}}\n' \
        "$1" "$COL" "$1" "$2" "$3"
}
outcome() { # N MAJOR DESTINATION DIVISION
    printf '{"record":{"ref":"GO-%s","year":2026,"graduate_outcome":{"graduate":{"pseudonym":"p:%016d"},"school_credit_code":"%s","major_code":"%s","graduation_year":2026,"destination_code":"%s","employer_division_code":"%s","major_related":true}}}\n' \
        "$1" "$1" "$COL" "$2" "$3" "$4"
}

start_hub
for who in ent ent2 col hrb; do
    code=$(eval echo "\$$(echo $who | tr a-z A-Z)")
    make_agent $who "$code"
done
for who in ent ent2 col; do start_agent $who; done

note "the enterprises report their census, the college its programmes and graduates"
census "$ENT" 50 5 1000 5 | cjx ent post >/dev/null     # 10% exactly; 0.5% exactly
census "$ENT2" 41 0 1001 5 | cjx ent2 post >/dev/null   # ⌈4.1⌉ = 5 short; ⌈5.005⌉ = 6: 1 short
{ programme 510203 2000 1000; programme 460301 2000 900; } | cjx col post >/dev/null
{
    for i in 1 2 3 4 5; do outcome $i 510203 10 140403; done   # 5 employed in 潞州区
    outcome 6 510203 70 ""                                      # 1 not working
    for i in 7 8 9 10; do outcome $i 460301 10 140404; done    # a cell of 4
} | cjx col post >/dev/null
for who in ent ent2 col; do
    wait_until 20 outbox_empty $who || fail "$who's outbox never emptied"
done

rep() { local who=$1; shift; cjx "$who" report "$@"; }
jqr() { jq -r "$@"; }

note "a bureau: internship-ratio, every enterprise, figures by hand"
rep hrb internship-ratio --year 2026 --format json >"$T/ir.json" || fail "the bureau's report failed"
[ "$(jqr .section "$T/ir.json")" = "§11" ] || fail "no section: $(cat "$T/ir.json")"
[ "$(jqr .scope "$T/ir.json")" = "all institutions" ] || fail "a bureau's scope: $(jqr .scope "$T/ir.json")"
row() { jqr --arg c "$2" ".rows[] | select(.enterprise == \$c or .school == \$c) | $3" "$1"; }
[ "$(row "$T/ir.json" "$ENT" '.["ratio_%"] + " " + .shortfall + " " + .status')" = "10.0 0 ok" ] ||
    fail "exactly 10%: $(row "$T/ir.json" "$ENT" .)"
[ "$(row "$T/ir.json" "$ENT2" '.required + " " + .shortfall + " " + .status')" = "5 5 short" ] ||
    fail "the shortfall: $(row "$T/ir.json" "$ENT2" .)"
[ "$(jqr '.non_compliant | join(" ")' "$T/ir.json")" = "$ENT2" ] || fail "non-compliant: $(jqr .non_compliant "$T/ir.json")"
[ "$(jqr '.kinds_used.enterprise_census' "$T/ir.json")" = 2 ] || fail "records used: $(jqr .kinds_used "$T/ir.json")"
[ "$(jqr '.rows[] | select(.enterprise == "total") | .technical_posts' "$T/ir.json")" = 91 ] ||
    fail "the total"

note "freshness: as of the hub's newest log entry"
newest=$(cjx hrb list | tail -n1 | jq -r .seq)
[ "$(jqr .as_of_seq "$T/ir.json")" -ge "$newest" ] || fail "as_of_seq $(jqr .as_of_seq "$T/ir.json") before $newest"
[ "$(jqr .as_of "$T/ir.json" | cut -c1-4)" = "$(date -u +%Y)" ] || fail "as_of: $(jqr .as_of "$T/ir.json")"

note "teacher-practice and training-fund"
rep hrb teacher-practice --year 2026 --format json >"$T/tp.json"
[ "$(row "$T/tp.json" "$ENT" '.["ratio_%"] + " " + .status')" = "0.50 ok" ] || fail "0.5% exactly"
[ "$(row "$T/tp.json" "$ENT2" '.required + " " + .shortfall')" = "6 1" ] || fail "teacher posts short"
rep hrb training-fund --year 2026 --format json >"$T/tf.json"
[ "$(row "$T/tf.json" "$ENT" '.["front_line_%"] + " " + .["trained_%"] + " " + .status')" = "70.0 50.0 ok" ] ||
    fail "training fund: $(row "$T/tf.json" "$ENT" .)"

note "an enterprise sees only its own line"
rep ent2 internship-ratio --year 2026 --format json >"$T/ir-ent.json"
[ "$(jqr '.rows | length' "$T/ir-ent.json")" = 1 ] || fail "the enterprise sees $(jqr .rows "$T/ir-ent.json")"
[ "$(jqr '.rows[0].enterprise' "$T/ir-ent.json")" = "$ENT2" ] || fail "not its own line"
[ "$(jqr .scope "$T/ir-ent.json")" = "$ENT2" ] || fail "scope"
grep -q "$ENT\"" "$T/ir-ent.json" && fail "the other enterprise shows: $(cat "$T/ir-ent.json")"
[ "$(rep ent practice-hours --year 2026 --format json | jq '.rows | length')" = 0 ] ||
    fail "an enterprise sees the college's programmes"

note "the college: practice hours (own lines) and employment quality, a cell of 4 suppressed"
rep col practice-hours --year 2026 --format json >"$T/ph.json"
[ "$(jqr '[.rows[] | .major + ":" + .status] | join(" ")' "$T/ph.json")" = "460301:practice < 50% 510203:ok" ] ||
    fail "practice hours: $(jqr .rows "$T/ph.json")"
[ "$(jqr '.non_compliant | join(" ")' "$T/ph.json")" = "$COL" ] || fail "the college is not flagged"
rep hrb employment-quality --year 2026 --format json >"$T/eq.json"
major() { jqr --arg m "$1" ".rows[] | select(.school == \"$COL\" and .major == \$m) | $2" "$T/eq.json"; }
[ "$(major 510203 '.graduates + " " + .placed + " " + .["placement_%"] + " " + .in_changzhi + " " + .["changzhi_%"]')" = "6 5 83.3 5 100.0" ] ||
    fail "510203: $(major 510203 .)"
[ "$(major 460301 '.graduates + " " + .placed + " " + .["placement_%"]')" = "<5 - -" ] ||
    fail "the cell of 4 is shown: $(major 460301 .)"
[ "$(major all '.graduates + " " + .["placement_%"]')" = "10 90.0" ] || fail "the school: $(major all .)"

note "supply-demand: a job for 530701 against a programme's graduates this year"
Y0=$(date +%Y)
printf '{"record":{"ref":"PRG-530701","year":%d,"programme_record":{"school_credit_code":"%s","major_code":"530701","total_hours":2000,"practice_hours":1000,"graduation_year":%d,"expected_graduates":50}}}\n' \
    "$Y0" "$COL" "$Y0" | cjx col post >/dev/null
job_json SD | sed 's/"510101"/"530701"/; s/"headcount":3/"headcount":120/' | cjx ent post >/dev/null
wait_until 20 outbox_empty col && wait_until 20 outbox_empty ent || fail "outboxes never emptied"
rep hrb supply-demand --year "$Y0" --format json >"$T/sd.json"
[ "$(jqr --arg y "$Y0" '.rows[] | select(.dimension == "major" and .key == "530701" and .year == $y) | .demand + " " + .supply + " " + .ratio + " " + .flag' "$T/sd.json")" = "120 50 2.40 shortage" ] ||
    fail "supply-demand: $(jqr .rows "$T/sd.json")"
[ "$(rep col supply-demand --year "$Y0" --format json | jq '.rows | length')" = 0 ] ||
    fail "a college sees the city's supply and demand"

note "colleges for a posting: graduates of its majors, placements with its enterprise"
job_json MATCH | sed 's/"510101"/"510203"/' | cjx ent post >/dev/null
for i in 1 2 3 4 5; do
    printf '{"record":{"ref":"IP-%s","year":2026,"internship_placement":{"student":{"pseudonym":"p:%016d"},"college_credit_code":"%s","enterprise_credit_code":"%s","major_code":"510203","start_date":"2026-03-01","end_date":"2026-06-30"}}}\n' \
        "$i" "$((100 + i))" "$COL" "$ENT"
done | cjx col post >/dev/null
wait_until 20 outbox_empty col && wait_until 20 outbox_empty ent || fail "outboxes never emptied"
cjx ent recommend --posting "$ENT/JOB-MATCH" --year 2026 --json >"$T/cfp.json" || fail "recommend --posting failed"
[ "$(row "$T/cfp.json" "$COL" '.same_major_graduates + " " + .placed_with_enterprise + " " + .score')" = "50 5 100.0" ] ||
    fail "colleges for the posting: $(cat "$T/cfp.json")"
[ "$(cjx ent2 recommend --posting "$ENT/JOB-MATCH" --year 2026 --json | jq -r '.rows[0].same_major_graduates + " " + .rows[0].placed_with_enterprise')" = "50 -" ] ||
    fail "another enterprise sees the enterprise's placements, or not the colleges"
cjx ent recommend --posting "$ENT/NOSUCH" --year 2026 | matches 'no posting' || fail "an unknown posting is not said"

note "table and CSV"
rep hrb internship-ratio --year 2026 >"$T/ir.txt"
grep -q '^internship-ratio 2026 — §11' "$T/ir.txt" || fail "table header: $(cat "$T/ir.txt")"
grep -q "as of log seq [0-9]" "$T/ir.txt" || fail "no freshness in the table"
grep -q "records used: 2 (enterprise_census 2)" "$T/ir.txt" || fail "no records used in the table"
grep -q "out of compliance (1): $ENT2" "$T/ir.txt" || fail "no compliance line in the table"
grep -Eq "^$ENT2 +.* 41 +0 +0\.0 +5 +5 " "$T/ir.txt" || fail "the table's row: $(cat "$T/ir.txt")"
rep hrb internship-ratio --year 2026 --format csv >"$T/ir.csv"
head -c3 "$T/ir.csv" | od -An -tx1 | matches 'ef bb bf' || fail "no BOM"
[ "$(head -n1 "$T/ir.csv" | tail -c +4 | tr -d '\r')" = "enterprise,name,technical_posts,internship_posts,ratio_%,required,shortfall,posted,status" ] ||
    fail "CSV header: $(head -n1 "$T/ir.csv")"
[ "$(grep -c $'\r$' "$T/ir.csv")" = 4 ] || fail "CSV lines do not end in CRLF"
grep -q "^$ENT2,ent2,41,0,0.0,5,5,0,short"$'\r'"\$" "$T/ir.csv" || fail "CSV row: $(cat "$T/ir.csv")"

note "the dashboard's reports page draws it; /report serves it as a bureau sees it"
. "$(dirname "$0")/dashboard_check.sh"
curl -sS "http://$HTTP_EP/report?name=internship-ratio&year=2026" >"$T/http-ir.json"
[ "$(jqr '.non_compliant | join(" ")' "$T/http-ir.json")" = "$ENT2" ] || fail "/report: $(cat "$T/http-ir.json")"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://$HTTP_EP/report?name=nosuch&year=2026")" = 400 ] ||
    fail "/report takes an unknown report"
SHOT_DIR=$(cd "$BIN/.." && pwd)/test-artifacts
mkdir -p "$SHOT_DIR"
DASH_MARKER=rows dashboard_main "http://$HTTP_EP/reports?name=internship-ratio&year=2026" \
    "$SHOT_DIR/reports.png" "$T/reports.html" || fail "the reports page did not load cleanly"
[ "$(dashboard_attr "$T/reports.html" body data-errors)" = 0 ] || fail "script errors on the reports page"
[ "$(dashboard_attr "$T/reports.html" rows data-rows)" = 3 ] ||
    fail "the reports page shows $(dashboard_attr "$T/reports.html" rows data-rows) rows, expected 3"
[ "$(dashboard_attr "$T/reports.html" chart data-bars)" -ge 2 ] || fail "the chart has no bars"
grep -q "$ENT2" "$T/reports.html" || fail "the page does not name the enterprise"

note "refusals: an unknown report, a year out of range"
if rep hrb nosuch --year 2026 2>"$T/err"; then fail "an unknown report ran"; fi
grep -q 'no report "nosuch"' "$T/err" || fail "unknown report: $(cat "$T/err")"
if rep hrb internship-ratio 2>/dev/null; then fail "no year accepted"; fi
echo ok
