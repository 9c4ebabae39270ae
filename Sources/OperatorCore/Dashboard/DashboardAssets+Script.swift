extension DashboardAssets {
    /// Polls `/api/graph` and `/api/rollouts` every second and redraws: a layered SVG graph drawn by hand, and per
    /// rollout line charts of weights, success rate and latency against the analysis thresholds.
    static let script = #"""
        "use strict";
        const SVG = "http://www.w3.org/2000/svg";
        let polls = 0;

        function el(name, attrs, text) {
          const node = document.createElementNS(SVG, name);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (value !== null && value !== undefined) node.setAttribute(key, String(value));
          }
          if (text !== undefined) node.textContent = text;
          return node;
        }

        function html(name, attrs, text) {
          const node = document.createElement(name);
          for (const [key, value] of Object.entries(attrs || {})) {
            if (value !== null && value !== undefined) node.setAttribute(key, String(value));
          }
          if (text !== undefined) node.textContent = text;
          return node;
        }

        function rate(value) { return (value || 0).toFixed(1); }
        function percent(share) { return share === null || share === undefined ? "-" : (share * 100).toFixed(1) + "%"; }

        const NODE_W = 150, NODE_H = 40, COL = 340, ROW = 64, PAD = 30;

        function drawGraph(graph) {
          const svg = document.getElementById("graph");
          svg.replaceChildren();
          document.getElementById("graph-empty").hidden = graph.nodes.length > 0;
          const defs = el("defs");
          const marker = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
                                        markerHeight: 7, orient: "auto-start-reverse" });
          marker.appendChild(el("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#8a94a6" }));
          defs.appendChild(marker);
          svg.appendChild(defs);
          const columns = {};
          for (const node of graph.nodes) (columns[node.layer] = columns[node.layer] || []).push(node);
          const place = {};
          let rows = 1, layers = 1;
          for (const [layer, nodes] of Object.entries(columns)) {
            nodes.sort((a, b) => a.id.localeCompare(b.id));
            nodes.forEach((node, index) => {
              place[node.id] = { x: PAD + Number(layer) * COL, y: PAD + index * ROW };
            });
            rows = Math.max(rows, nodes.length);
            layers = Math.max(layers, Number(layer) + 1);
          }
          svg.setAttribute("width", PAD * 2 + layers * COL);
          svg.setAttribute("height", PAD * 2 + rows * ROW);
          const edges = el("g", { id: "edges" });
          for (const edge of graph.edges) {
            const from = place[edge.from], to = place[edge.to];
            if (!from || !to) continue;
            const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2;
            const bend = Math.max(40, Math.abs(x2 - x1) / 2);
            const success = edge.successRate;
            const group = el("g", {
              class: "edge" + (success !== null && success !== undefined && success < 0.95 ? " failing" : ""),
              id: "edge-" + edge.from + "-" + edge.to, "data-from": edge.from, "data-to": edge.to,
              "data-kind": edge.kind, "data-rps": rate(edge.requestsPerSecond),
              "data-success": success === null || success === undefined ? "" : (success * 100).toFixed(1),
              "data-weight": edge.weight });
            group.appendChild(el("path", { d: `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}` }));
            let label = rate(edge.requestsPerSecond) + " rps · " + percent(success);
            if (edge.weight !== null && edge.weight !== undefined) label = edge.weight + "% · " + label;
            // The label sits on the curve past its middle, so edges fanning out of one node keep theirs apart.
            const t = 0.65, u = 1 - t;
            const lx = u * u * u * x1 + 3 * u * u * t * (x1 + bend) + 3 * u * t * t * (x2 - bend) + t * t * t * x2;
            const ly = u * u * u * y1 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y2;
            group.appendChild(el("text", { class: "edge-label", x: lx.toFixed(1), y: (ly - 5).toFixed(1),
                                           "text-anchor": "middle" }, label));
            edges.appendChild(group);
          }
          svg.appendChild(edges);
          const nodes = el("g", { id: "nodes" });
          for (const node of graph.nodes) {
            const at = place[node.id];
            const group = el("g", { class: "node", id: "node-" + node.id, "data-node": node.id, "data-kind": node.kind,
                                    "data-rps": rate(node.requestsPerSecond),
                                    transform: `translate(${at.x},${at.y})` });
            group.appendChild(el("rect", { width: NODE_W, height: NODE_H, rx: 6 }));
            group.appendChild(el("text", { class: "name", x: 8, y: 16 }, node.id));
            const sub = node.kind === "gateway" ? "ingress" : (node.kind === "split" ? "split · " : "") +
              rate(node.requestsPerSecond) + " rps in";
            group.appendChild(el("text", { class: "sub", x: 8, y: 32 }, sub));
            nodes.appendChild(group);
          }
          svg.appendChild(nodes);
        }

        const CW = 340, CH = 110, CL = 34, CB = 16;

        // One line chart: series are [{cls, values}], values aligned with `times`; thresholds are horizontal lines.
        function chart(kind, title, times, series, top, thresholds, unit) {
          const box = html("div", { class: "chart-box" });
          box.appendChild(html("h4", {}, title));
          const svg = el("svg", { class: "chart " + kind, width: CW, height: CH, "data-points": times.length });
          const first = times[0], last = times[times.length - 1];
          const span = Math.max(last - first, 1);
          const x = (t) => CL + (t - first) / span * (CW - CL - 6);
          const y = (v) => CH - CB - Math.min(v, top) / top * (CH - CB - 8);
          svg.appendChild(el("line", { x1: CL, y1: CH - CB, x2: CW - 6, y2: CH - CB, stroke: "#ccd" }));
          svg.appendChild(el("text", { x: 2, y: 12 }, top.toFixed(0) + unit));
          svg.appendChild(el("text", { x: 2, y: CH - CB }, "0" + unit));
          svg.appendChild(el("text", { x: CL, y: CH - 3 }, Math.round(span) + "s shown"));
          for (const threshold of thresholds) {
            svg.appendChild(el("line", { class: "threshold", x1: CL, x2: CW - 6, y1: y(threshold.value),
                                         y2: y(threshold.value), "data-value": threshold.value }));
            svg.appendChild(el("text", { x: CW - 90, y: y(threshold.value) - 3 }, threshold.label));
          }
          for (const line of series) {
            const points = [];
            line.values.forEach((value, index) => {
              if (value === null || value === undefined) return;
              points.push(x(times[index]).toFixed(1) + "," + y(value).toFixed(1));
            });
            const last = [...line.values].reverse().find((v) => v !== null && v !== undefined);
            svg.appendChild(el("polyline", { class: "series series-" + line.cls, points: points.join(" "),
                                             "data-last": last === undefined ? "" : last.toFixed(1) }));
          }
          box.appendChild(svg);
          return box;
        }

        function drawRollouts(rollouts) {
          const root = document.getElementById("rollouts");
          root.replaceChildren();
          if (rollouts.length === 0) {
            root.appendChild(html("p", { class: "hint", id: "rollouts-empty" }, "No rollouts."));
            return;
          }
          for (const rollout of rollouts) {
            const t = rollout.targets;
            const section = html("section", { class: "rollout", id: "rollout-" + t.name, "data-rollout": t.name,
              "data-phase": rollout.phase, "data-stable-weight": rollout.stableWeight,
              "data-canary-weight": rollout.canaryWeight });
            const head = html("h3", {}, "rollout/" + t.name + " (" + t.strategy + ") ");
            head.appendChild(html("span", { class: "phase", "data-phase": rollout.phase }, rollout.phase));
            section.appendChild(head);
            const weights = html("p", { class: "weights" });
            weights.appendChild(html("span", { class: "weight", "data-side": "stable", "data-backend": t.stableService,
                                               "data-weight": rollout.stableWeight },
                                     t.stableService + " " + rollout.stableWeight + "%"));
            weights.appendChild(html("span", { class: "weight", "data-side": "canary", "data-backend": t.newService,
                                               "data-weight": rollout.canaryWeight },
                                     t.newService + " " + rollout.canaryWeight + "%"));
            section.appendChild(weights);
            section.appendChild(html("p", { class: "hint message" }, rollout.message));
            const points = rollout.points;
            if (points.length > 0) {
              const times = points.map((p) => p.time);
              const charts = html("div", { class: "charts" });
              charts.appendChild(chart("weights-chart", "weights (%)", times, [
                { cls: "stable", values: points.map((p) => p.stableWeight) },
                { cls: "canary", values: points.map((p) => p.canaryWeight) }], 100, [], "%"));
              const success = [];
              if (t.successRateMin !== null && t.successRateMin !== undefined)
                success.push({ value: t.successRateMin, label: "min " + t.successRateMin + "%" });
              charts.appendChild(chart("success-chart", "success rate of " + t.newService + " (%)", times, [
                { cls: "success", values: points.map((p) => p.successRate) },
                { cls: "stable-success", values: points.map((p) => p.stableSuccessRate) }], 100, success, "%"));
              const latencies = points.map((p) => p.latencyMs).filter((v) => v !== null && v !== undefined);
              const limit = t.latencyMaxMs;
              const top = Math.max(limit ? limit * 1.2 : 0, ...latencies, 10);
              const latencyTitle = "p" + t.latencyPercentile + " latency of " + t.newService + " (ms)";
              charts.appendChild(chart("latency-chart", latencyTitle,
                times, [{ cls: "latency", values: points.map((p) => p.latencyMs) }], top,
                limit ? [{ value: limit, label: "max " + limit + "ms" }] : [], "ms"));
              section.appendChild(charts);
            }
            root.appendChild(section);
          }
        }

        async function poll() {
          const status = document.getElementById("status");
          try {
            const [graph, rollouts] = await Promise.all([
              fetch("/api/graph", { cache: "no-store" }).then((r) => r.json()),
              fetch("/api/rollouts", { cache: "no-store" }).then((r) => r.json())]);
            drawGraph(graph);
            drawRollouts(rollouts);
            polls += 1;
            status.dataset.polls = String(polls);
            status.textContent = "updated " + new Date().toLocaleTimeString() + " · window " +
              graph.windowSeconds.toFixed(1) + "s";
          } catch (error) {
            status.textContent = "operator unreachable: " + error;
          }
        }

        poll();
        setInterval(poll, 1000);

        """#
}
