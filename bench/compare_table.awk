# compare_table.awk — the table bench/compare.sh prints from its key=value
# lines (one per measurement and run): for each workload and metric, the
# median [min–max] over the runs of every system, and cjx's median over the
# best peer's (the highest rate, or the lowest latency or memory); the rows
# of cjx's own agents publishing and delivering are set against the peers'
# clients of the rows before them. The limit column holds the physical
# limits: its own rows, and the floors (bench/broker_limit.c) in the rows
# of the publish and fan-out workloads they bound. Lines starting with #
# are printed as they are. Written for mawk (no asort).

function num(v) { sub(/\/s$/, "", v); return v + 0 }

# add(ROW, SYSTEM, VALUE, BETTER, FORMAT): one value of one run. Rows are
# printed by group (publish, fan-out, catch-up, memory, agent, limits), each
# in the order first seen.
function add(row, sys, v, better, fmt,    k, g) {
    if (!(row in known)) {
        known[row] = 1
        g = row ~ /^durable|^  the same.*rec\/s$|^  hub .*CPU/ ? 1 : \
            row ~ /^fan-out|^  the same.*ms$|^  the floor's/ ? 2 : \
            row ~ /^ *catch-up/ ? 3 : row ~ /^broker/ ? 4 : row ~ /^idle/ ? 5 : 6
        rows[g, ++nrows[g]] = row
        dir[row] = better
        form[row] = fmt
    }
    k = row SUBSEP sys
    cnt[k]++
    val[k, cnt[k]] = v + 0
    used[sys] = 1
}

# stats(KEY): sets med, lo, hi from the values of KEY.
function stats(k,    n, i, j, t, a) {
    n = cnt[k]
    for (i = 1; i <= n; i++) a[i] = val[k, i]
    for (i = 2; i <= n; i++)
        for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
    lo = a[1]; hi = a[n]
    med = n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}

# mem_rows(WHAT, SYSTEM[, LIKE]): the broker's memory rows of a workload;
# LIKE names the workload whose peers they are set against, when not WHAT.
function mem_rows(what, sys, like) {
    if (like != "") {
        peers_of["broker peak RSS (VmHWM) MB, " what] = "broker peak RSS (VmHWM) MB, " like
        peers_of["broker peak RssAnon MB, " what] = "broker peak RssAnon MB, " like
    }
    if ("broker_vmhwm_kb" in kv)
        add("broker peak RSS (VmHWM) MB, " what, sys, kv["broker_vmhwm_kb"] / 1024, "lo", "%.1f")
    if ("broker_rssanon_peak_kb" in kv)
        add("broker peak RssAnon MB, " what, sys, kv["broker_rssanon_peak_kb"] / 1024, "lo", "%.1f")
}

/^#/ { print; next }
/FAILED/ { failed[++nfailed] = $0; next }
{
    split("", kv)
    for (i = 1; i <= NF; i++) {
        eq = index($i, "=")
        if (eq) kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
    }
    sys = kv["system"]; t = kv["test"]
    if (t == "publish") {
        plain = "durable publish, " kv["publishers"] " publisher(s), rec/s"
        w = "publish " kv["publishers"] " pub"
        like = ""
        row = plain
        if (kv["client"] == "agents") { # cjx's own agents: set against the peers' clients
            row = "  the same by " kv["publishers"] " cjx agent(s), rec/s"
            peers_of[row] = plain
            like = w
            w = "publish " kv["publishers"] " agents"
        }
        add(row, sys, num(kv["rate"]), "hi", "%.0f")
        # cjx's CPU per record: steadier than the rate
        by = kv["publishers"] (kv["client"] == "agents" ? " agents" : " pub")
        if ("hub_cpu_us" in kv)
            add("  hub CPU/record us, " by, sys, kv["hub_cpu_us"], "lo", "%.2f")
        if ("hub_loop_cpu_us" in kv)
            add("  hub loop CPU/record us, " by, sys, kv["hub_loop_cpu_us"], "lo", "%.2f")
        mem_rows(w, sys, like)
    } else if (t == "fanout") {
        # cjx's agents to file sinks: set against the peers' clients, as
        # cjx's own wire clients (client=wire) are
        by_agents = sys == "cjx" && kv["client"] != "wire"
        split("p50 p99 max", q, " ")
        for (i = 1; i <= 3; i++) {
            plain = "fan-out " q[i] " ms"
            row = plain
            if (by_agents) {
                row = "  the same by cjx agents, " q[i] " ms"
                peers_of[row] = plain
            }
            add(row, sys, kv[q[i] "_ms"], "lo", "%.1f")
        }
        if (!by_agents)
            add("fan-out publish rate achieved /s", sys, num(kv["rate"]), "hi", "%.0f")
        mem_rows(by_agents ? "fan-out agents" : "fan-out", sys, by_agents ? "fan-out" : "")
    } else if (t == "catchup") {
        # cjx's agent to a synced file sink: set against the peers' clients,
        # as cjx's own wire client (client=wire) is
        by_agents = sys == "cjx" && kv["client"] != "wire"
        plain = "catch-up of " kv["events"] ", rec/s"
        row = plain
        if (by_agents) {
            row = "  catch-up, cjx agent + synced sink, rec/s"
            peers_of[row] = plain
        }
        add(row, sys, num(kv["rate"]), "hi", "%.0f")
        # cjx's CPU per event: steadier than the rate
        who = by_agents ? "agent" : "wire"
        if ("hub_cpu_us" in kv)
            add("  catch-up CPU/event us, hub (" who ")", sys, kv["hub_cpu_us"], "lo", "%.2f")
        if ("agent_cpu_us" in kv)
            add("  catch-up CPU/event us, agent", sys, kv["agent_cpu_us"], "lo", "%.2f")
        if ("client_cpu_us" in kv)
            add("  catch-up CPU/event us, wire client", sys, kv["client_cpu_us"], "lo", "%.2f")
        mem_rows(by_agents ? "catch-up agent" : "catch-up", sys, by_agents ? "catch-up" : "")
    } else if (t == "agent_idle") {
        add("idle agent VmRSS MB (" kv["when"] ")", sys, kv["vmrss_kb"] / 1024, "lo", "%.1f")
        add("idle agent RssAnon MB (" kv["when"] ")", sys, kv["rssanon_kb"] / 1024, "lo", "%.1f")
    } else if (t == "publish_limit") { # the floor, in the limit column of the publish row
        add("durable publish, " kv["publishers"] " publisher(s), rec/s", "limit", num(kv["rate"]),
            "hi", "%.0f")
        add("  hub CPU/record us, " kv["publishers"] " pub", "limit", kv["broker_cpu_us"], "lo", "%.2f")
    } else if (t == "fanout_limit") { # the floor, in the limit column of the fan-out rows
        split("p50 p99 max", q, " ")
        for (i = 1; i <= 3; i++)
            add("fan-out " q[i] " ms", "limit", kv[q[i] "_ms"], "lo", "%.1f")
        for (i = 1; i <= 2; i++)
            add("  the floor's synced commit, " q[i] " ms", "limit",
                kv["commit_" q[i] "_ms"], "lo", "%.2f")
    } else if (t == "limit") {
        add("limit: " (sys == "lmdb" ? "LMDB, synced txns of " kv["txn"] : \
            "ZeroMQ round trips, window " kv["window"]) " /s", "limit", num(kv["rate"]), "hi", "%.0f")
    }
}

END {
    ncols = 0
    split("cjx mosquitto jetstream-default jetstream-always limit", order, " ")
    for (i = 1; i <= 5; i++) if (order[i] in used) cols[++ncols] = order[i]
    printf "%-44s", "median [min-max] over runs"
    for (c = 1; c <= ncols; c++) printf " | %-26s", cols[c]
    printf " | cjx / best peer\n"
    for (r = 1; r <= 6 * 1000; r++) {
        g = int((r - 1) / 1000) + 1
        if ((r - 1) % 1000 + 1 > nrows[g]) continue
        row = rows[g, (r - 1) % 1000 + 1]
        printf "%-44s", row
        best = ""; mine = ""
        for (c = 1; c <= ncols; c++) {
            k = row SUBSEP cols[c]
            if (!(k in cnt)) { printf " | %-26s", "-"; continue }
            stats(k)
            cell = sprintf(form[row] " [" form[row] "-" form[row] "]", med, lo, hi)
            printf " | %-26s", cell
            if (cols[c] == "cjx") mine = med
        }
        peers = row in peers_of ? peers_of[row] : row
        for (c = 1; c <= ncols; c++) {
            k = peers SUBSEP cols[c]
            if (cols[c] == "cjx" || cols[c] == "limit" || !(k in cnt)) continue
            stats(k)
            if (best == "" || (dir[row] == "hi" ? med > best : med < best)) best = med
        }
        if (mine != "" && best != "" && best > 0) printf " | %.2f", mine / best
        else printf " | -"
        printf "\n"
    }
    for (i = 1; i <= nfailed; i++) print failed[i]
}
