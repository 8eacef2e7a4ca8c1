# SPDX-License-Identifier: GPL-2.0-or-later
# Sourced by the bus tests (tests/test-bus-*.sh on the host, and
# tests/vm/cases/bus-*.sh in the VM): a private system bus with the real
# policy, and checks on busctl's answers.  Needs top_srcdir, top_builddir.
pageidled=$top_builddir/daemon/pageidled
pageidlectl=$top_builddir/daemon/pageidlectl
policy=$top_srcdir/dbus/org.pageidled1.conf
bus_pid=
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# start_bus DIR [EXTRA-CONF]: dbus-daemon with the distribution's system
# bus policy (system.conf without its socket, user, service directories
# and includes), then org.pageidled1.conf, then EXTRA-CONF if given,
# listening in DIR.  Sets DBUS_SYSTEM_BUS_ADDRESS for what follows.
# The policy lets user pageidled own the name; where the test runs the
# daemon as another user ($bus_daemon_user), that user takes its place.
start_bus() {
	extra=
	[ -n "${2:-}" ] && extra="<include>$2</include>"
	sed "s|<policy user=\"pageidled\">|<policy user=\"${bus_daemon_user:-pageidled}\">|" "$policy" > "$1/policy.conf"
	grep -q "<policy user=\"${bus_daemon_user:-pageidled}\">" "$1/policy.conf" ||
		{ echo "no <policy user=\"pageidled\"> in $policy"; exit 1; }
	system_conf=/usr/share/dbus-1/system.conf
	[ -f $system_conf ] || system_conf=/etc/dbus-1/system.conf
	sed -e '/<user>/d; /<fork\/>/d; /<pidfile>/d; /<syslog\/>/d' \
	    -e '/<standard_system_servicedirs\/>/d; /<servicehelper>/d' \
	    -e '/<includedir>/d; /<include /d' \
	    -e "s|<listen>.*</listen>|<listen>unix:path=$1/system_bus_socket</listen>|" \
	    -e "s|</busconfig>|<include>$1/policy.conf</include>$extra</busconfig>|" \
	    $system_conf > "$1/bus.conf"
	grep -q "$1/system_bus_socket" "$1/bus.conf" || { echo "cannot adapt $system_conf"; exit 1; }
	rm -f "$1/bus.address"
	dbus-daemon --config-file="$1/bus.conf" --nofork --nopidfile --print-address=3 \
		3> "$1/bus.address" 2> "$1/bus.log" &
	bus_pid=$!
	i=0
	while [ ! -s "$1/bus.address" ]; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "dbus-daemon did not start:"; cat "$1/bus.log"; exit 1; }
		sleep 0.1
	done
	DBUS_SYSTEM_BUS_ADDRESS=$(head -n 1 "$1/bus.address")
	export DBUS_SYSTEM_BUS_ADDRESS
}

# A policy that lets everyone call everything of org.pageidled1, as a
# careless local policy might: the daemon's own check must still hold.
write_loose_policy() {
	cat > "$1" <<EOT
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
        "https://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
        <policy context="default">
                <allow send_destination="org.pageidled1"/>
        </policy>
</busconfig>
EOT
}

stop_bus() {
	[ -n "$bus_pid" ] && kill "$bus_pid" 2> /dev/null && wait "$bus_pid" 2> /dev/null
	bus_pid=
}

# As an unprivileged user.
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
}

# wait_name: until org.pageidled1 is on the bus.
wait_name() {
	i=0
	until busctl --system status org.pageidled1 > /dev/null 2>&1; do
		i=$((i + 1))
		[ $i -lt 300 ] || { echo "org.pageidled1 never appeared"; return 1; }
		sleep 0.1
	done
}

# expect_error ERROR TEXT COMMAND...: COMMAND (dbus-send --print-reply or
# pageidlectl) fails, saying ERROR (a D-Bus error name) and TEXT.
expect_error() {
	error=$1 text=$2
	shift 2
	if out=$("$@" 2>&1); then
		fail "$*: succeeded, expected $error: $out"
		return 0
	fi
	case $out in
	*"$error"*) case $out in *"$text"*) echo "refused as expected: $out"; return 0 ;; esac ;;
	esac
	fail "$*: expected $error \"$text\", got: $out"
}

# call METHOD [TYPE:ARG]: a Manager method through dbus-send, which
# prints D-Bus error names.
call() {
	method=$1
	shift
	dbus-send --system --print-reply --dest=org.pageidled1 /org/pageidled1 \
		org.pageidled1.Manager."$method" "$@"
}

# ncall METHOD [TYPE:ARG]: the same, as nobody.
ncall() {
	method=$1
	shift
	as_nobody dbus-send --system --print-reply --dest=org.pageidled1 /org/pageidled1 \
		org.pageidled1.Manager."$method" "$@"
}

# get MANAGER-PROPERTY: the value of a property, as busctl prints it.
prop() {
	busctl --system get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager "$1"
}
