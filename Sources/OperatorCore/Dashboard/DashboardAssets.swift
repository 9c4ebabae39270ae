/// The dashboard's page and style, served by the operator itself: no CDN, no font or script from elsewhere, so it
/// works offline and shows nothing to a third party. The script is in `DashboardAssets+Script.swift`.
///
/// The page renders every fact into elements with stable ids, classes and `data-` attributes (`.node[data-node]`,
/// `.edge[data-from][data-to][data-rps]`, `.rollout[data-rollout][data-canary-weight]`) so tests — and anyone
/// scripting against the page — can read them without parsing the drawing.
enum DashboardAssets {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>meshctl dashboard</title>
        <link rel="stylesheet" href="/app.css">
        </head>
        <body>
        <header><h1>meshctl</h1><span id="status" data-polls="0">connecting…</span></header>
        <main>
        <section id="mesh"><h2>Mesh</h2>
        <p class="hint">Edges: requests/s and success rate over the last seconds, as the proxies counted them.</p>
        <svg id="graph" xmlns="http://www.w3.org/2000/svg" width="800" height="200"></svg>
        <p id="graph-empty" class="hint" hidden>No services applied yet.</p>
        </section>
        <section id="rollouts-section"><h2>Rollouts</h2>
        <div id="rollouts"><p class="hint" id="rollouts-empty">No rollouts.</p></div>
        </section>
        </main>
        <script src="/app.js"></script>
        </body>
        </html>

        """

    static let style = """
        body { font: 14px system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { display: flex; align-items: baseline; gap: 1em; padding: .6em 1.2em;
                 background: #1d2330; color: #fff; }
        header h1 { font-size: 1.2em; margin: 0; }
        #status { color: #b8c0d0; font-size: .9em; }
        main { padding: 0 1.2em 2em; }
        h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
        .hint { color: #667; font-size: .85em; margin: .2em 0; }
        svg { background: #fff; border: 1px solid #dde1e8; border-radius: 4px; }
        .node rect { fill: #e9f0fb; stroke: #3b6fc4; stroke-width: 1.5; rx: 6; }
        .node[data-kind="gateway"] rect { fill: #eee; stroke: #555; }
        .node[data-kind="split"] rect { fill: #fdf3e1; stroke: #c98a12; }
        .node text { font-size: 12px; fill: #1d2330; }
        .node .sub { font-size: 10px; fill: #556; }
        .edge path { fill: none; stroke: #8a94a6; stroke-width: 1.5; marker-end: url(#arrow); }
        .edge[data-kind="split"] path { stroke-dasharray: 4 3; stroke: #c98a12; }
        .edge.failing path { stroke: #c43b3b; }
        .edge text { font-size: 10px; fill: #334; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
        .rollout { background: #fff; border: 1px solid #dde1e8; border-radius: 4px; padding: .6em 1em;
                   margin-bottom: 1em; }
        .rollout h3 { margin: 0 0 .3em; font-size: 1em; }
        .phase { display: inline-block; padding: 0 .5em; border-radius: 3px; background: #e9f0fb; }
        .phase[data-phase="Failed"], .phase[data-phase="RollingBack"] { background: #fbe3e3; }
        .phase[data-phase="Succeeded"] { background: #e3f6e6; }
        .weight { margin-right: 1em; }
        .charts { display: flex; flex-wrap: wrap; gap: 1em; margin-top: .5em; }
        .chart-box h4 { margin: 0; font-size: .85em; font-weight: normal; color: #445; }
        .chart .series { fill: none; stroke-width: 1.8; }
        .chart .series-stable { stroke: #3b6fc4; }
        .chart .series-canary { stroke: #c98a12; }
        .chart .series-success { stroke: #2e8b57; }
        .chart .series-stable-success { stroke: #3b6fc4; stroke-dasharray: 2 2; }
        .chart .series-latency { stroke: #7a3bc4; }
        .chart .threshold { stroke: #c43b3b; stroke-dasharray: 5 4; stroke-width: 1; }
        .chart text { font-size: 9px; fill: #667; }

        """
}
