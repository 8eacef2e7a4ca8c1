#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The HTTP endpoint's connection limits against hostile local clients, on
# the host against a fake /proc and /sys (tests/http/fake-tree.sh), a
# fresh daemon for each check; a probe is a GET /healthz that must get its
# status line within 5 s (tests/http/http-hostile.c):
#  - 300 connections from four 127.x addresses, all closed together, five
#    times: the endpoint answers after every round (it used to stop
#    accepting for good: libmicrohttpd had taken its listening socket out
#    of its epoll set at the limit, and nothing woke the thread again);
#    the same with the daemon at its limit of open files;
#  - 400 idle connections from seven addresses: probes are answered;
#  - 64 idle connections from 127.0.0.1: a probe from 127.0.0.1 is
#    answered (a limit per address used to lock it out);
#  - a URL with 300 query arguments gets 431 (it used to get nothing and
#    hold the connection 10 s), one with 64 gets 200;
#  - keep-alive: a second request on the same connection is answered, and
#    pipelined requests are answered in order; a connection that then
#    trickles its next request is cut 10 s after its previous answer.
set -u
if [ -z "${HTTP_LIMITS_TIMEOUT:-}" ]; then
	HTTP_LIMITS_TIMEOUT=120 exec timeout 120 "$0" "$@"
fi
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/http/host-daemon.sh"
need_host_tools
make_fake_tree "$work/tree"

# All closed together, five rounds (the daemon stopped meanwhile, so that
# it sees them together).
start_daemon "$work/tree" burst 200ms
"$hostile" -s 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5 -p "$daemon_pid" "$host" "$port" burst 300 5 ||
	check_failed "the endpoint stopped answering after connections closed together"
stop_daemon

# The same with the daemon out of file descriptors before the connection
# limit: libmicrohttpd stops accepting then too, and scanning every 30 s
# nothing else wakes the serving thread (the scans do fail, for want of
# fds: any answer will do).
nofile=128 scan_wait=no start_daemon "$work/tree" fds 30s
"$hostile" -s 127.0.0.2,127.0.0.3 -p "$daemon_pid" "$host" "$port" burst 200 3 ||
	check_failed "the endpoint stopped answering after connections closed together at the fd limit"
stop_daemon

# More idle connections than the limit, from several addresses.
start_daemon "$work/tree" idle 200ms
"$hostile" -s 127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8 "$host" "$port" \
	hold 400 4 3 || check_failed "400 idle connections kept a scraper out"
[ "$(status /healthz)" = 200 ] || check_failed "/healthz after the idle connections left"
stop_daemon

# 64 idle connections from the scraper's own address.
start_daemon "$work/tree" same-address 200ms
"$hostile" -s 127.0.0.1 "$host" "$port" hold 64 4 3 ||
	check_failed "64 idle connections from 127.0.0.1 kept a scraper on 127.0.0.1 out"
stop_daemon

start_daemon "$work/tree" requests 200ms
# Query arguments: libmicrohttpd keeps each in its per-connection memory.
many=$(for i in $(seq 300); do printf 'a%d=1&' "$i"; done)
code=$(curl -s -o "$work/431" -w '%{http_code}' --max-time 5 "$base/healthz?${many%&}")
[ "$code" = 431 ] || check_failed "a URL with 300 query arguments answered \"$code\", not 431"
grep -q 'Too many query arguments' "$work/431" 2> /dev/null || check_failed "the 431 does not say why"
some=$(for i in $(seq 64); do printf 'a%d=1&' "$i"; done)
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base/healthz?${some%&}")
[ "$code" = 200 ] || check_failed "a URL with 64 query arguments answered \"$code\", not 200"
[ "$(status /healthz)" = 200 ] || check_failed "/healthz after the 431"
echo "checked: 300 query arguments, 64 query arguments"

# Keep-alive: curl says when it re-uses the connection.
curl -sv --max-time 5 -o /dev/null -o /dev/null "$base/healthz" "$base/metrics" 2> "$work/curl" ||
	check_failed "two requests on one connection failed"
grep -q 'Re-using existing connection' "$work/curl" ||
	check_failed "the connection was not kept alive: $(grep -i '^< connection' "$work/curl")"
[ "$(grep -c '^< HTTP/1.1 200' "$work/curl")" = 2 ] || check_failed "not two answers on one connection"
# Pipelining: three requests in one write, three answers in order.
exec 3<> "/dev/tcp/$host/$port"
# (A server that closes after the first answer may reset the rest.)
(trap '' PIPE; printf 'GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\nHEAD /stats.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n' >&3 2> /dev/null)
timeout 5 cat <&3 | tr -d '\r' | grep -a '^HTTP/' > "$work/pipelined"
exec 3>&-
[ "$(tr '\n' ' ' < "$work/pipelined")" = "HTTP/1.1 200 OK HTTP/1.1 404 Not Found HTTP/1.1 200 OK " ] ||
	check_failed "pipelined requests got: $(tr '\n' ' ' < "$work/pipelined")"
echo "checked: keep-alive, pipelining"
# The deadline of a request on a kept connection runs from the end of the
# previous answer: a byte a second of the next request is cut.
exec 3<> "/dev/tcp/$host/$port"
(trap '' PIPE; printf 'HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n' >&3 2> /dev/null)
timeout 5 sed '/^\r$/q' <&3 > "$work/first"
grep -q '^HTTP/1.1 200' "$work/first" || check_failed "no answer before the trickle"
t0=$SECONDS
(
	trap '' PIPE
	req='GET /healthz HTTP/1.1\r\nHost: t\r\nX-Trickle: '
	for i in $(seq 25); do
		c=a
		[ $i -le ${#req} ] && c=${req:$((i - 1)):1}
		printf "$c" 2> /dev/null || exit 0
		sleep 1
	done
) >&3 &
trickler=$!
timeout 25 cat <&3 > "$work/trickled"
lasted=$((SECONDS - t0))
kill $trickler 2> /dev/null
wait $trickler 2> /dev/null
exec 3>&-
echo "a kept connection trickling its next request was closed after $lasted s"
[ $lasted -ge 8 ] || check_failed "a kept connection was closed after $lasted s, before its 10 s deadline"
[ $lasted -le 15 ] || check_failed "a kept connection trickling its next request lasted $lasted s"
[ ! -s "$work/trickled" ] || check_failed "the trickled request got an answer: $(head -n 1 "$work/trickled")"
stop_daemon
finish
