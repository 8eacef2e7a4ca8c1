// SPDX-License-Identifier: GPL-2.0-or-later
// pageidled's page: the tracked cgroups from /stats.json in a sortable
// table, and the selected cgroup's history from /history.json in charts
// (Debian's libjs-dygraphs).  It reloads both after every scan.  Every
// cgroup name reaches the page as text (textContent), never as markup;
// the charts' labels and legend are ours only.
'use strict';

(function () {
        // The table's columns.  A column shows when a cgroup in the
        // document has its field, so figures the daemon adds later (cold
        // memory, a suggested limit) are one entry here.
        const COLUMNS = [
                { key: 'path', label: 'cgroup', format: String, text: true },
                { key: 'bytes', label: 'bytes', format: formatBytes },
                { key: 'idle_bytes', label: 'idle', format: formatBytes },
                { key: 'idle_ratio', label: 'idle ratio', format: formatRatio },
                { key: 'working_set_bytes', label: 'working set', format: formatBytes },
                { key: 'cold_bytes', label: 'cold', format: formatBytes },
                { key: 'suggested_limit_bytes', label: 'suggested limit', format: formatBytes },
                { key: 'anon_bytes', label: 'anon', format: formatBytes },
                { key: 'file_bytes', label: 'file', format: formatBytes },
        ];

        const state = {
                doc: null,
                sortKey: 'bytes',
                sortDir: -1,            // -1: descending
                selected: null,         // a cgroup path
                historyScan: -1,        // the scan_count the charts show
                historyPath: null,
                charts: {},
                timer: null,
        };

        function formatBytes(v) {
                const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
                let i = 0;

                v = Number(v);
                while (Math.abs(v) >= 1024 && i < units.length - 1) {
                        v /= 1024;
                        i++;
                }
                return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + '\u00a0' + units[i];
        }

        function formatRatio(v) {
                return (100 * Number(v)).toFixed(1) + '\u00a0%';
        }

        function formatUsec(usec) {
                const s = usec / 1e6;

                if (s < 1)
                        return (usec / 1000).toFixed(0) + ' ms';
                if (s < 120)
                        return s.toFixed(0) + ' s';
                if (s < 7200)
                        return (s / 60).toFixed(0) + ' min';
                return (s / 3600).toFixed(1) + ' h';
        }

        async function getJSON(url) {
                const r = await fetch(url, { cache: 'no-store' });

                if (!r.ok)
                        throw new Error(url + ': ' + r.status + ' ' + (await r.text()).trim());
                return r.json();
        }

        function renderStatus(doc) {
                const el = document.getElementById('status');
                const last = doc.last_scan_timestamp_usec ?
                        new Date(doc.last_scan_timestamp_usec / 1000).toLocaleTimeString() : 'none yet';

                el.textContent = 'backend ' + doc.backend + ', ' + doc.state +
                        (doc.state_detail ? ' (' + doc.state_detail + ')' : '') +
                        ', scan ' + doc.scan_count + ' every ' + formatUsec(doc.scan_interval_usec) +
                        ', last at ' + last;
                el.dataset.scanCount = String(doc.scan_count);
        }

        function visibleColumns(cgroups) {
                return COLUMNS.filter(c => c.key === 'path' || cgroups.some(g => c.key in g));
        }

        function compare(a, b) {
                const x = a[state.sortKey], y = b[state.sortKey];
                let r;

                if (typeof x === 'string' || typeof y === 'string')
                        r = String(x).localeCompare(String(y));
                else
                        r = (x === undefined ? -Infinity : x) - (y === undefined ? -Infinity : y);
                return r * state.sortDir || a.path.localeCompare(b.path);
        }

        function renderTable(doc) {
                const columns = visibleColumns(doc.cgroups);
                const head = document.getElementById('columns');
                const body = document.getElementById('rows');

                head.replaceChildren(...columns.map(c => {
                        const th = document.createElement('th');

                        th.textContent = c.label;
                        th.dataset.key = c.key;
                        th.setAttribute('aria-sort', c.key !== state.sortKey ? 'none' :
                                        state.sortDir < 0 ? 'descending' : 'ascending');
                        th.addEventListener('click', () => {
                                if (state.sortKey === c.key)
                                        state.sortDir = -state.sortDir;
                                else {
                                        state.sortKey = c.key;
                                        state.sortDir = c.text ? 1 : -1;
                                }
                                renderTable(state.doc);
                        });
                        return th;
                }));

                const rows = doc.cgroups.slice().sort(compare);
                body.replaceChildren(...rows.map(g => {
                        const tr = document.createElement('tr');

                        tr.dataset.path = g.path;
                        if (g.path === state.selected)
                                tr.className = 'selected';
                        for (const c of columns) {
                                const td = document.createElement('td');

                                td.textContent = c.key in g ? c.format(g[c.key]) : '\u2013';
                                if (c.key !== 'path')
                                        td.dataset.value = String(g[c.key]);
                                tr.appendChild(td);
                        }
                        tr.addEventListener('click', () => select(g.path));
                        return tr;
                }));
        }

        // The legend as text: the labels are ours, the values numbers.
        function legend(format) {
                return function (data) {
                        if (data.x == null)
                                return '';
                        return data.xHTML + ': ' + data.series.filter(s => s.isVisible && s.y != null)
                                .map(s => s.label + ' ' + format(s.y)).join(', ');
                };
        }

        function chart(id, rows, options) {
                const el = document.getElementById(id);
                let g = state.charts[id];

                if (!g) {
                        g = new Dygraph(el, rows, Object.assign({ legend: 'always', legendFormatter: null }, options));
                        state.charts[id] = g;
                } else
                        g.updateOptions(Object.assign({ file: rows }, options));
                el.dataset.points = String(g.numRows());
                return g;
        }

        function renderHistory(h, path) {
                const c = h.cgroups.find(x => x.path === path);
                const n = c ? c.timestamp_usec.length : 0;
                const bytes = [], ratio = [];

                for (let i = 0; i < n; i++) {
                        const t = new Date(c.timestamp_usec[i] / 1000);

                        bytes.push([t, c.bytes[i], c.idle_bytes[i], c.working_set_bytes[i]]);
                        ratio.push([t, c.idle_ratio[i]]);
                }
                if (n === 0)
                        return;
                chart('chart-bytes', bytes, {
                        labels: ['time', 'bytes', 'idle', 'working set'],
                        labelsKMG2: true,
                        includeZero: true,
                        legendFormatter: legend(formatBytes),
                        colors: ['#0969da', '#bf8700', '#1a7f37'],
                });
                chart('chart-ratio', ratio, {
                        labels: ['time', 'idle ratio'],
                        valueRange: [0, 1.05],
                        legendFormatter: legend(formatRatio),
                        colors: ['#8250df'],
                        fillGraph: true,
                });
                const chartEl = document.getElementById('chart-bytes');
                chartEl.dataset.scanCount = String(c.scan_count[n - 1]);
                chartEl.dataset.path = path;
        }

        function renderHistogram(doc, path) {
                const g = doc.cgroups.find(x => x.path === path);

                if (!g)
                        return;
                const buckets = g.idle_age_histogram;
                const rows = buckets.map((b, i) => [i, b.bytes]);

                chart('chart-histogram', rows, {
                        labels: ['idle for at least', 'bytes'],
                        stepPlot: true,
                        fillGraph: true,
                        fillAlpha: 0.5,
                        includeZero: true,
                        labelsKMG2: true,
                        colors: ['#cf222e'],
                        axes: {
                                x: {
                                        valueFormatter: i => buckets[i] ? formatUsec(buckets[i].idle_usec) : '',
                                        axisLabelFormatter: i => Number.isInteger(i) && buckets[i] ?
                                                formatUsec(buckets[i].idle_usec) : '',
                                        pixelsPerLabel: 40,
                                },
                        },
                        dateWindow: [0, buckets.length],
                        legendFormatter: legend(formatBytes),
                });
        }

        async function loadHistory(doc) {
                const path = state.selected;
                const h = await getJSON('/history.json?cgroup=' + encodeURIComponent(path));

                if (path !== state.selected)
                        return;
                document.getElementById('detail-path').textContent = path;
                renderHistory(h, path);
                state.historyScan = doc.scan_count;
                state.historyPath = path;
        }

        function select(path) {
                state.selected = path;
                if (state.doc) {
                        renderTable(state.doc);
                        renderHistogram(state.doc, path);
                        loadHistory(state.doc).catch(showError);
                }
        }

        function showError(e) {
                document.getElementById('status').textContent = String(e.message || e);
        }

        async function refresh() {
                let wait = 2000;

                try {
                        const doc = await getJSON('/stats.json');

                        state.doc = doc;
                        renderStatus(doc);
                        if (!doc.cgroups.some(g => g.path === state.selected)) {
                                const biggest = doc.cgroups.slice().sort((a, b) => b.bytes - a.bytes)[0];

                                state.selected = biggest ? biggest.path : null;
                        }
                        renderTable(doc);
                        if (state.selected) {
                                renderHistogram(doc, state.selected);
                                if (doc.scan_count !== state.historyScan || state.selected !== state.historyPath)
                                        await loadHistory(doc);
                        }
                        document.body.dataset.ready = 'yes';
                        // Again soon after the next scan lands.
                        wait = Math.min(Math.max(doc.scan_interval_usec / 2000, 250), 10000);
                } catch (e) {
                        showError(e);
                }
                state.timer = setTimeout(refresh, wait);
        }

        document.addEventListener('DOMContentLoaded', refresh);
})();
