#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# pageidled's privileges on the host, against a fake /proc and /sys whose
# kpageflags, kpagecgroup and bitmap are mode 0600, root's, as the real
# ones are: started as root (it switches to User=), and started as
# another user with ambient capabilities (as systemd's User= and
# AmbientCapabilities= start it), the daemon ends with no capability and
# no_new_privs, its privileged opener with exactly CAP_DAC_OVERRIDE; a
# User= whose primary group is 0 is refused.  Needs root, to start it so.
set -u
pageidled=$top_builddir/daemon/pageidled
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
. "$top_srcdir/tests/require.sh"
require setpriv util-linux
require unshare util-linux
require pgrep procps
require perl perl-base
failures=0
fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

dir=$(mktemp -d /tmp/test-privs-daemon.XXXXXX)
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2> /dev/null && wait "$daemon_pid" 2> /dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
chmod 0755 "$dir"
mkdir -p "$dir/proc" "$dir/sys/kernel/mm/page_idle" "$dir/cg/a"
head -c 8192 /dev/zero > "$dir/proc/kpageflags"
head -c 8192 /dev/zero > "$dir/proc/kpagecgroup"
head -c 128 /dev/zero > "$dir/sys/kernel/mm/page_idle/bitmap"
chmod 0600 "$dir/proc/kpageflags" "$dir/proc/kpagecgroup" "$dir/sys/kernel/mm/page_idle/bitmap"
echo "00000000-003fffff : System RAM" > "$dir/proc/iomem"
cat > "$dir/pageidled.conf" <<EOT
[Scan]
Interval=1s
[Cgroups]
Root=$dir/cg
Track=/a
[HTTP]
Enable=no
EOT
daemon_uid=$(id -u daemon)

status() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status" | tr '\t' ' '; }
show() {
	echo "$1 (pid $2):"
	grep -E '^(Uid|Gid|Groups|Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs):' "/proc/$2/status" | sed 's/^/  /'
}

# run NAME [PREFIX...]: the daemon, as PREFIX starts it, until its first scan.
run() {
	name=$1
	shift
	mkdir -m 0777 "$dir/$name"
	PAGEIDLED_PROC_ROOT=$dir/proc PAGEIDLED_SYS_ROOT=$dir/sys "$@" "$pageidled" --config "$dir/pageidled.conf" \
		--json-file "$dir/$name/run/stats.json" --user daemon 2> "$dir/$name.log" &
	daemon_pid=$!
	i=0
	until [ -s "$dir/$name/run/stats.json" ]; do
		i=$((i + 1))
		kill -0 $daemon_pid 2> /dev/null && [ $i -lt 300 ] ||
			{ fail "$name: no stats.json"; cat "$dir/$name.log"; return 1; }
		sleep 0.1
	done
	opener=$(pgrep -P $daemon_pid)
	show "$name: the daemon" $daemon_pid
	[ -n "$opener" ] && show "$name: the opener" "$opener"
	return 0
}

# expect PID UID PERMITTED EFFECTIVE BOUNDING
expect() {
	[ "$(status "$1" Uid)" = "$2 $2 $2 $2" ] || fail "$name: pid $1 Uid $(status "$1" Uid), expected $2"
	[ "$(status "$1" CapPrm)" = "$3" ] || fail "$name: pid $1 CapPrm $(status "$1" CapPrm), expected $3"
	[ "$(status "$1" CapEff)" = "$4" ] || fail "$name: pid $1 CapEff $(status "$1" CapEff), expected $4"
	[ "$(status "$1" CapBnd)" = "$5" ] || fail "$name: pid $1 CapBnd $(status "$1" CapBnd), expected $5"
	[ "$(status "$1" CapInh)" = 0000000000000000 ] || fail "$name: pid $1 CapInh $(status "$1" CapInh)"
	[ "$(status "$1" CapAmb)" = 0000000000000000 ] || fail "$name: pid $1 CapAmb $(status "$1" CapAmb)"
	[ "$(status "$1" NoNewPrivs)" = 1 ] || fail "$name: pid $1 NoNewPrivs $(status "$1" NoNewPrivs)"
}

stop() {
	kill -TERM $daemon_pid
	wait $daemon_pid || fail "$name: pageidled did not exit cleanly"
	daemon_pid=
	# No bus here, and none needed.
	if grep -v 'Failed to connect to the system bus' "$dir/$name.log" | grep -q 'Failed\|refused\|did not take'; then
		fail "$name: trouble logged: $(cat "$dir/$name.log")"
	fi
}

none=0000000000000000 dac=0000000000000002
full=$(status $$ CapBnd)

# As root: switches to daemon; the bounding sets are cut too.
if run root; then
	expect $daemon_pid $daemon_uid $none $none $none
	[ -n "$opener" ] && expect "$opener" $daemon_uid $dac $dac $dac || fail "root: no opener"
	[ -z "$(status $daemon_pid Groups)" ] || fail "root: supplementary groups $(status $daemon_pid Groups)"
	stop
fi

# As daemon with ambient CAP_DAC_OVERRIDE: no switch, but nothing kept in
# the daemon; without CAP_SETPCAP the bounding set stays as it was given.
if run ambient setpriv --reuid=daemon --regid=daemon --clear-groups --inh-caps=+dac_override \
	--ambient-caps=+dac_override --; then
	expect $daemon_pid $daemon_uid $none $none "$full"
	[ -n "$opener" ] && expect "$opener" $daemon_uid $dac $dac "$full" || fail "ambient: no opener"
	stop
fi

# With CAP_SETPCAP too (and a capability the daemon has no use for): the
# bounding sets are cut as well.
if run ambient-setpcap setpriv --reuid=daemon --regid=daemon --clear-groups \
	--inh-caps=+dac_override,+setpcap,+net_admin --ambient-caps=+dac_override,+setpcap,+net_admin --; then
	expect $daemon_pid $daemon_uid $none $none $none
	[ -n "$opener" ] && expect "$opener" $daemon_uid $dac $dac $dac || fail "ambient-setpcap: no opener"
	stop
fi

# A user whose primary group is root's: refused, and said why.
printf 'gidzero:x:%s:0::/nonexistent:/usr/sbin/nologin\n' "$daemon_uid" | cat /etc/passwd - > "$dir/passwd"
if unshare --mount sh -c 'mount --bind "$1" /etc/passwd && shift && exec "$@"' sh "$dir/passwd" \
	env PAGEIDLED_PROC_ROOT="$dir/proc" PAGEIDLED_SYS_ROOT="$dir/sys" \
	"$pageidled" --once --config "$dir/pageidled.conf" --user gidzero > /dev/null 2> "$dir/gid0.log"; then
	fail "started as gidzero, whose primary group is 0"
fi
grep 'primary group' "$dir/gid0.log" || fail "no word about group 0: $(cat "$dir/gid0.log")"

[ $failures -eq 0 ] || { echo "$failures checks failed"; exit 1; }
echo PASS
