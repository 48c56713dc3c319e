#!/usr/bin/env bash
# dashboard_check.sh URL SCREENSHOT_PNG [DOM_OUT]
#
# Loads the hub dashboard (hub/dashboard/index.html, served at "/") in Debian's
# headless Chromium: takes a screenshot to SCREENSHOT_PNG, then dumps the
# rendered DOM to DOM_OUT (stdout when not given). Fails (non-zero, message on
# stderr) when chromium fails, writes no screenshot, or logs an uncaught
# JavaScript error from the page.
#
# The page exposes what a test should check in the dumped DOM:
#   <body data-errors="N" data-rendered="N">   script errors (want 0), renders (want >= 1)
#   <table id="institutions" data-institutions="N">   rows = institutions in /status
#   <div id="alerts" data-alerts="N">          alerts shown
#   <svg class="chart" id="chart-published|chart-delivered|chart-refused|chart-lag"
#        data-points="N">                      points above zero plotted
# Source this file to use dashboard_attr DOM_FILE ELEMENT_ID ATTR, e.g.
#   dashboard_attr dom.html chart-published data-points   -> 60
# or dashboard_verify DOM_FILE N_INSTITUTIONS [NAME...] (all of the above, and
# that each NAME appears in the page).
#
# Environment: CHROMIUM (default /usr/bin/chromium), DASH_BUDGET_MS (virtual
# time budget, default 5000), DASH_WINDOW (default 1280,1000), DASH_MARKER
# (the id the page must have, default institutions: the dashboard).

# Prints the value of attribute ATTR of the element with id ID (or of <body>
# when ID is "body") in a DOM dump; empty when absent.
dashboard_attr() {
    local dom=$1 id=$2 attr=$3 tag
    if [ "$id" = body ]; then
        tag=$(grep -o '<body[^>]*>' "$dom" | head -1) || true
    else
        tag=$(grep -o "<[a-z]*[^>]* id=\"$id\"[^>]*>" "$dom" | head -1) || true
    fi
    printf '%s\n' "$tag" | sed -n "s/.* $attr=\"\\([^\"]*\\)\".*/\\1/p"
}

# Checks a DOM dump: no script errors, rendered at least once, N rows in the
# institutions table, points on the three rate charts, every NAME present.
dashboard_verify() {
    local dom=$1 want=$2 v c name
    shift 2
    v=$(dashboard_attr "$dom" body data-errors)
    [ -z "$v" ] || [ "$v" = 0 ] || { echo "dashboard: data-errors=$v" >&2; return 1; }
    v=$(dashboard_attr "$dom" body data-rendered)
    [ "${v:-0}" -ge 1 ] || { echo "dashboard: never rendered (data-rendered=${v:-absent})" >&2; return 1; }
    v=$(dashboard_attr "$dom" institutions data-institutions)
    [ "$v" = "$want" ] || { echo "dashboard: data-institutions=$v, expected $want" >&2; return 1; }
    for c in chart-published chart-delivered chart-refused; do
        v=$(dashboard_attr "$dom" $c data-points)
        [ "${v:-0}" -gt 0 ] || { echo "dashboard: $c has data-points=${v:-absent}" >&2; return 1; }
    done
    for name in "$@"; do
        grep -qF -- "$name" "$dom" || { echo "dashboard: '$name' not in the page" >&2; return 1; }
    done
}

# The useful part of chromium's stderr: without the D-Bus/GPU noise of a
# headless container, and without the [pid:tid:time:LEVEL:file] prefixes.
dashboard_log() {
    { grep -vE 'dbus|bluez|vaapi|sandbox_linux|idle_linux|unexpected operator' "$@" || true; } |
        sed 's/^\[[^]]*\] //' | sort -u | tail -n 15
}

dashboard_main() {
    local url=${1:-} png=${2:-} out=${3:-} chromium=${CHROMIUM:-/usr/bin/chromium}
    local budget=${DASH_BUDGET_MS:-5000} window=${DASH_WINDOW:-1280,1000}
    if [ -z "$url" ] || [ -z "$png" ]; then
        echo "usage: dashboard_check.sh URL SCREENSHOT_PNG [DOM_OUT]" >&2
        return 2
    fi
    [ -x "$chromium" ] || { echo "dashboard_check: $chromium not found (apt install chromium)" >&2; return 2; }

    local tmp rc
    tmp=$(mktemp -d) || return 2
    # each run gets its own profile, so parallel runs and a stale lock do not matter
    local common=(--headless=new --no-sandbox --disable-gpu --hide-scrollbars
                  --no-first-run --no-default-browser-check --disable-extensions
                  --disable-dev-shm-usage --mute-audio --disable-background-networking
                  --disable-component-update --disable-sync --metrics-recording-only
                  "--window-size=$window" "--virtual-time-budget=$budget"
                  --enable-logging=stderr --v=0)

    rm -f "$png"
    rc=0
    timeout 90 "$chromium" "${common[@]}" "--user-data-dir=$tmp/p1" \
        "--screenshot=$png" "$url" >"$tmp/shot.out" 2>"$tmp/shot.err" || rc=$?
    if [ $rc -ne 0 ] || [ ! -s "$png" ]; then
        echo "dashboard_check: chromium screenshot failed (exit $rc) for $url; its stderr:" >&2
        dashboard_log "$tmp/shot.err" >&2
        rm -rf "$tmp"
        return 1
    fi

    timeout 90 "$chromium" "${common[@]}" "--user-data-dir=$tmp/p2" \
        --dump-dom "$url" >"$tmp/dom.html" 2>"$tmp/dom.err" || rc=$?
    if [ $rc -ne 0 ] || ! grep -q '<body' "$tmp/dom.html"; then
        echo "dashboard_check: chromium --dump-dom failed (exit $rc) for $url; its stderr:" >&2
        dashboard_log "$tmp/dom.err" >&2
        rm -rf "$tmp"
        return 1
    fi

    if ! grep -q "id=\"${DASH_MARKER:-institutions}\"" "$tmp/dom.html"; then
        echo "dashboard_check: $url did not load the cjx dashboard; its DOM starts:" >&2
        head -c 600 "$tmp/dom.html" >&2; echo >&2
        rm -rf "$tmp"
        return 1
    fi

    # console messages come out as: [..:INFO:CONSOLE(123)] "Uncaught TypeError: ...", source: URL (123)
    local jserr
    jserr=$({ grep -hE 'CONSOLE.*(Uncaught|Unhandled)|Uncaught (\(in promise\) )?[A-Za-z]*Error' \
                  "$tmp/shot.err" "$tmp/dom.err" || true; } | sed 's/^\[[^]]*\] //' | sort -u)
    if [ -n "$jserr" ]; then
        echo "dashboard_check: the page raised JavaScript errors:" >&2
        printf '%s\n' "$jserr" >&2
        rm -rf "$tmp"
        return 1
    fi
    local errs
    errs=$(dashboard_attr "$tmp/dom.html" body data-errors)
    if [ -n "$errs" ] && [ "$errs" != 0 ]; then
        echo "dashboard_check: the page counted $errs script error(s) (body data-errors)" >&2
        { grep -h CONSOLE "$tmp/shot.err" "$tmp/dom.err" || true; } | sed 's/^\[[^]]*\] //' | sort -u >&2
        rm -rf "$tmp"
        return 1
    fi

    if [ -n "$out" ]; then cp "$tmp/dom.html" "$out"; else cat "$tmp/dom.html"; fi
    rm -rf "$tmp"
}

# run as a script; sourcing only defines the functions
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    dashboard_main "$@"
fi
