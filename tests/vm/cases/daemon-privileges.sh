#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# After start-up pageidled runs exactly as pageidled(8) says: started as
# root, it switches to User= (default pageidled) with no supplementary
# groups, no capability in any set and no_new_privs, and still holds the
# bitmap, kpageflags and kpagecgroup it opened as root; its privileged
# opener, its one child, runs as the same user with cap_dac_override
# permitted, effective and bounding only.  Started as that user with
# ambient cap_dac_override, as pageidled.service starts it, it ends the
# same way; a User= whose primary group is 0 is refused.
set -u
. "$top_srcdir/tests/workload/daemon-lib.sh"

load_bitmap
chmod 0755 "$PWD"

# The guest's /etc is a writable overlay: give it the daemon's user.
uid=981
while getent passwd $uid > /dev/null || getent group $uid > /dev/null; do uid=$((uid + 1)); done
echo "pageidled:x:$uid:$uid:pageidled:/nonexistent:/usr/sbin/nologin" >> /etc/passwd
echo "pageidled:x:$uid:" >> /etc/group
echo "pageidled is uid $uid"

status_is() {
	line=$(grep "^$2:" /proc/$1/status | tr -s ' \t' ' ')
	[ "$line" = "$2: $3" ] || fail "$2 of pageidled is '$line', expected '$2: $3'"
	echo "$2: $3"
}

# Little to scan, and no pacing: the debug kernel is slow enough as it is.
cgroup_new /priv
printf '[Scan]\nCPUBudget=100%%\n' > pageidled.conf
start_daemon --config "$PWD/pageidled.conf" --interval 1s --cgroup /priv --json-file "$PWD/run/stats.json"
wait_scans run/stats.json 1
pid=$daemon_pid
status_is $pid Uid "$uid $uid $uid $uid"
status_is $pid Gid "$uid $uid $uid $uid"
status_is $pid Groups ""
status_is $pid CapInh 0000000000000000
status_is $pid CapPrm 0000000000000000
status_is $pid CapEff 0000000000000000
status_is $pid CapBnd 0000000000000000
status_is $pid CapAmb 0000000000000000
status_is $pid NoNewPrivs 1
opener=$(pgrep -P $pid) || fail "no privileged opener"
[ "$(echo "$opener" | wc -w)" = 1 ] || fail "children of pageidled: $opener"
echo "the privileged opener is pid $opener"
status_is $opener Uid "$uid $uid $uid $uid"
status_is $opener Groups ""
status_is $opener CapInh 0000000000000000
status_is $opener CapPrm 0000000000000002
status_is $opener CapEff 0000000000000002
status_is $opener CapBnd 0000000000000002
status_is $opener CapAmb 0000000000000000
status_is $opener NoNewPrivs 1
for f in $bitmap /proc/kpageflags /proc/kpagecgroup; do
	ls -l /proc/$pid/fd | grep -q " -> $f\$" || fail "pageidled does not hold $f open"
done
echo "holds $bitmap, /proc/kpageflags, /proc/kpagecgroup"
[ "$(stat -c %U run)" = pageidled ] || fail "run/ is not owned by pageidled"
[ "$(stat -c %U run/stats.json)" = pageidled ] || fail "stats.json is not owned by pageidled"
stop_daemon

# As pageidled.service starts it: the user already, with ambient caps.
mkdir -m 0777 run-ambient
setpriv --reuid=pageidled --regid=pageidled --clear-groups --inh-caps=+dac_override --ambient-caps=+dac_override -- \
	"$pageidled" --config "$PWD/pageidled.conf" --interval 1s --cgroup /priv --json-file "$PWD/run-ambient/stats.json" \
	2> daemon.log &
daemon_pid=$!
wait_scans run-ambient/stats.json 1
pid=$daemon_pid
opener=$(pgrep -P $pid) || fail "no privileged opener when started with ambient caps"
for p in $pid $opener; do
	status_is $p Uid "$uid $uid $uid $uid"
	status_is $p CapInh 0000000000000000
	status_is $p CapAmb 0000000000000000
	status_is $p NoNewPrivs 1
done
status_is $pid CapPrm 0000000000000000
status_is $pid CapEff 0000000000000000
status_is $opener CapPrm 0000000000000002
status_is $opener CapEff 0000000000000002
stop_daemon

# A primary group 0: refused.
echo "gidzero:x:$uid:0::/nonexistent:/usr/sbin/nologin" >> /etc/passwd
if "$pageidled" --once --interval 1s --cgroup /priv --user gidzero 2> daemon.log; then
	fail "started as a user whose primary group is 0"
fi
grep 'primary group' daemon.log || fail "no message about group 0"
sed -i '/^gidzero:/d' /etc/passwd

# User=root: no switch, as asked.
start_daemon --config "$PWD/pageidled.conf" --interval 1s --cgroup /priv --json-file "$PWD/run-root/stats.json" \
	--user root
wait_scans run-root/stats.json 1
status_is $daemon_pid Uid "0 0 0 0"
grep -q 'Running as root, as User=root asks.' daemon.log || fail "no notice about running as root"
stop_daemon

# A user that does not exist: refuses to start, and says what to do.
if "$pageidled" --once --interval 1s --user no-such-user 2> daemon.log; then
	fail "started with a user that does not exist"
fi
grep 'User no-such-user does not exist' daemon.log || fail "no message about the missing user"
