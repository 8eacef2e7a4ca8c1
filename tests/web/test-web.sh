#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The page at / in a real browser: Debian's chromium, headless, driven by
# playwright-core (tests/web/page.js, which says what it checks) against
# pageidled on the fake tree of the HTTP tests, with a cgroup named
# "<img src=x onerror=alert(1)>" among the tracked ones.  Also: / still
# answers the list of paths to a client that does not ask for HTML, and
# the page's files carry the Content-Security-Policy.  The screenshot is
# left in tests/web/page.png in the build tree.
#
# playwright-core comes from npm at the version package-lock.json pins,
# installed into the build tree (npm ci) the first time; it uses the
# system's chromium and downloads no browser.
set -u
if [ -z "${WEB_TEST_TIMEOUT:-}" ]; then
	WEB_TEST_TIMEOUT=300 exec timeout 300 "$0" "$@"
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/http/host-daemon.sh"
need_host_tools
require node nodejs
require npm npm
[ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] || fail "no chromium: apt-get install chromium"
[ -f /usr/share/javascript/dygraphs/dygraph.min.js ] || fail "no dygraph.min.js: apt-get install libjs-dygraphs"

# playwright-core, as the lock file pins it, in the build tree.
modules=$top_builddir/tests/web
mkdir -p "$modules"
if ! cmp -s "$top_srcdir/tests/web/package-lock.json" "$modules/node_modules/.package-lock.json.pageidled"; then
	if [ "$(cd "$modules" && pwd -P)" != "$(cd "$top_srcdir/tests/web" && pwd -P)" ]; then
		cp "$top_srcdir/tests/web/package.json" "$top_srcdir/tests/web/package-lock.json" "$modules/" ||
			fail "cannot copy package.json to $modules"
	fi
	(cd "$modules" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts) ||
		fail "npm ci of playwright-core failed"
	cp "$top_srcdir/tests/web/package-lock.json" "$modules/node_modules/.package-lock.json.pageidled"
fi

export PAGEIDLED_WEB_DIR=$top_srcdir/web
make_fake_tree "$work/tree"
xss='<img src=x onerror=alert(1)>'
mkdir "$work/tree/cg/$xss"
fill_pages 120 8 $lru "$work/tree/cg/$xss"
start_daemon "$work/tree" web 1s
wait_scan_count 2

# curl's Accept: */* and no Accept at all: the list of paths, as before.
curl -sf "$base/" -o "$work/list" || fail "GET / failed"
grep -q '^/stats.json ' "$work/list" && grep -q '^/history.json ' "$work/list" ||
	fail "/ without Accept: text/html is not the list of paths: $(head -c 300 "$work/list")"
curl -sf -H 'Accept:' "$base/" | grep -q '^/metrics ' || fail "/ without an Accept header is not the list"
curl -sf -H 'Accept: text/html;q=0, */*' "$base/" | grep -q '^/metrics ' || fail "/ with text/html;q=0 is not the list"
curl -s -D "$work/h" -o "$work/page.html" -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' "$base/"
grep -qi '^Content-Type: text/html' "$work/h" || fail "/ to a browser is not text/html"
grep -qi "^Content-Security-Policy: default-src 'none'; script-src 'self'" "$work/h" || fail "/ has no CSP"
grep -qi '^Vary: Accept' "$work/h" || fail "/ has no Vary: Accept"
grep -q '<script>' "$work/page.html" && fail "an inline script in the page"
grep -q 'style=' "$work/page.html" && fail "an inline style in the page"
for p in /web/app.js /web/style.css /web/dygraph.min.js /web/dygraph.min.css; do
	curl -s -D "$work/h" -o /dev/null "$base$p"
	grep -q '^HTTP/1.1 200' "$work/h" || fail "$p is not served"
	grep -qi '^Content-Security-Policy:' "$work/h" || fail "$p has no CSP"
done
cmp -s <(curl -sf "$base/web/dygraph.min.js") /usr/share/javascript/dygraphs/dygraph.min.js ||
	fail "/web/dygraph.min.js is not libjs-dygraphs' file"
[ "$(status /web/nope.js)" = 404 ] || fail "/web/nope.js is not 404"
echo "/: the list to curl, the page to a browser; the page's files served with the CSP"

paths=$(curl -sf "$base/stats.json" | jq -c '[.cgroups[].path]') || fail "GET /stats.json failed"
[ "$(echo "$paths" | jq length)" = 4 ] || fail "not 4 tracked cgroups: $paths"
NODE_PATH=$modules/node_modules node "$top_srcdir/tests/web/page.js" "$base" "$paths" "/$xss" \
	"$top_builddir/tests/web/page.png" || fail "the page in chromium"
[ -s "$top_builddir/tests/web/page.png" ] || fail "no screenshot"
stop_daemon
finish
