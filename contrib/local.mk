# SPDX-License-Identifier: GPL-2.0-or-later
# What ships beside the daemon for others' tools: the Grafana dashboard
# over /metrics (checked against a real Prometheus by
# tests/http/test-grafana.sh) and the page's screenshot the README shows.
EXTRA_DIST += \
	contrib/grafana/pageidled.json \
	contrib/screenshot.png
