# SPDX-License-Identifier: GPL-2.0-or-later
# The page pageidled serves at / to browsers (daemon/http.c reads these
# files from $(webdir) at start; the charts are Debian's libjs-dygraphs,
# read from $(dygraphsdir), daemon/local.mk).
webdir = $(pkgdatadir)/web
dist_web_DATA = web/index.html web/app.js web/style.css
