# SPDX-License-Identifier: GPL-2.0-or-later
# The checks the bus tests share, on the host (fake /proc and /sys) and in
# the VM (the real backend).  Sourced after bus-lib.sh, with pageidled
# serving org.pageidled1 and these cgroups, paths from the cgroup root:
#   CG_TRACKED   tracked through the configuration (Track=)
#   CG_OTHER     a cgroup that exists and is not tracked
#   CG_FILE      a file under the cgroup root
# Each check counts failures with fail() and goes on.

# scan_count: the manager's ScanCount, as nobody.
scan_count() {
	as_nobody busctl --system get-property org.pageidled1 /org/pageidled1 \
		org.pageidled1.Manager ScanCount | awk '{ print $2 }'
}

# wait_scans N: until ScanCount >= N.
wait_scans() {
	i=0
	while :; do
		n=$(scan_count)
		[ -n "$n" ] && [ "$n" -ge "$1" ] && return 0
		i=$((i + 1))
		[ $i -lt 1200 ] || { fail "no scan $1 after 120 s"; return 1; }
		sleep 0.1
	done
}

# listed CGROUP: whether ListCgroups names CGROUP.
listed() {
	as_nobody busctl --system --json=short call org.pageidled1 /org/pageidled1 \
		org.pageidled1.Manager ListCgroups |
		jq -e --arg p "$1" '.data[0] | map(.[0]) | index($p) != null' > /dev/null
}

# in_snapshot CGROUP: whether GetSnapshot's document lists CGROUP.
in_snapshot() {
	as_nobody busctl --system --json=short call org.pageidled1 /org/pageidled1 \
		org.pageidled1.Manager GetSnapshot | jq -r '.data[0]' |
		jq -e --arg p "$1" '.cgroups | map(.path) | index($p) != null' > /dev/null
}

object_of() {
	busctl --system call org.pageidled1 /org/pageidled1 org.pageidled1.Manager GetCgroup s "$1" |
		sed -n 's/^o "\(.*\)"$/\1/p'
}

# The members the XML documents, one per line: KIND NAME IN OUT, "-" for none.
xml_members() {
	awk -v want="$1" '
		/<interface name=/ { match($0, /name="[^"]*"/); iface = substr($0, RSTART + 6, RLENGTH - 7) }
		iface != want { next }
		/<(method|signal|property) / {
			match($0, /<[a-z]*/); kind = substr($0, RSTART + 1, RLENGTH - 1)
			match($0, /name="[^"]*"/); name = substr($0, RSTART + 6, RLENGTH - 7)
			in_ = ""; out = ""
			if (kind == "property") {
				match($0, /type="[^"]*"/); in_ = substr($0, RSTART + 6, RLENGTH - 7)
				print kind, "." name, in_, "-"; next
			}
			if ($0 ~ /\/>/) { print kind, "." name, "-", "-"; next }
			open = 1; next
		}
		open && /<arg / {
			match($0, /type="[^"]*"/); t = substr($0, RSTART + 6, RLENGTH - 7)
			if ($0 ~ /direction="out"/) out = out t; else in_ = in_ t
		}
		open && /<\/(method|signal)>/ {
			print kind, "." name, (in_ == "" ? "-" : in_), (out == "" ? "-" : out); open = 0
		}
	' "$top_srcdir/dbus/org.pageidled1.xml" | sort
}

# What busctl introspect shows for INTERFACE at PATH, in the same form.
live_members() {
	as_nobody busctl --system introspect --no-legend org.pageidled1 "$1" "$2" |
		awk '$2 == "method" || $2 == "signal" { print $2, $1, $3, $4 }
		     $2 == "property" { print $2, $1, $3, "-" }' | sort
}

check_introspection() {
	echo "--- introspection against dbus/org.pageidled1.xml"
	obj=$(object_of "$CG_TRACKED")
	[ -n "$obj" ] || { fail "GetCgroup $CG_TRACKED gave no object"; return; }
	for pair in "/org/pageidled1 org.pageidled1.Manager" "$obj org.pageidled1.Cgroup"; do
		set -- $pair
		xml_members "$2" > xml.txt
		live_members "$1" "$2" > live.txt
		[ -s xml.txt ] || fail "no members of $2 in the XML"
		if diff -u xml.txt live.txt; then
			echo "$2 at $1: $(wc -l < live.txt) members, as documented"
		else
			fail "$2 at $1 differs from the XML"
		fi
	done
	# The documented Manager members are all there by name too (a typo in
	# both would hide from the diff above).
	for m in Version Backend State ScanIntervalUSec WorkingSetWindowUSec WorkingSetWindowsUSec ColdAgeUSec LastScanTimestamp LastScanDurationUSec ScanCount Sampling \
		ListCgroups GetCgroup Track Untrack ScanNow GetSnapshot ScanCompleted; do
		grep -q " \.$m " live-manager.txt 2> /dev/null ||
			live_members /org/pageidled1 org.pageidled1.Manager > live-manager.txt
		grep -q " \.$m " live-manager.txt || fail "Manager lacks $m"
	done
	for m in Path Labels Bytes IdleBytes IdleRatio WorkingSetBytes WorkingSetMeasuredUSec AnonBytes AnonIdleBytes FileBytes FileIdleBytes \
		ColdBytes ColdAnonBytes ColdFileBytes ReclaimableBytes PromotedBytes PromotionBytesPerMinute PromotionRatio \
		HeadroomRatio SuggestedLimitBytes WorkingSets MemoryCurrentBytes MemoryHighBytes MemoryMaxBytes \
		CadvisorWorkingSetBytes WorkingsetRefaultAnonPerSecond WorkingsetRefaultFilePerSecond \
		MemoryPressureSomeAvg10Ratio MemoryPressureFullAvg10Ratio \
		IdleAgeHistogram LastScanTimestamp SampledBytes IdleBytesStderr WorkingSetBytesStderr AnonIdleBytesStderr \
		FileIdleBytesStderr; do
		live_members "$obj" org.pageidled1.Cgroup | grep -q " \.$m " || fail "Cgroup lacks $m"
	done
	as_nobody busctl --system tree org.pageidled1 | grep -q "$obj" || fail "busctl tree does not show $obj"
}

check_reads() {
	echo "--- reads, as nobody"
	v=$(as_nobody busctl --system get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager Version)
	[ "$v" = "s \"$($pageidled --version | awk '{ print $2 }')\"" ] || fail "Version is $v"
	v=$(as_nobody busctl --system get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager Backend)
	[ "$v" = 's "page_idle"' ] || fail "Backend is $v"
	v=$(as_nobody busctl --system get-property org.pageidled1 /org/pageidled1 org.pageidled1.Manager State)
	[ "$v" = 's "running"' ] || fail "State is $v"
	listed "$CG_TRACKED" || fail "ListCgroups does not list $CG_TRACKED"
	listed "$CG_OTHER" && fail "ListCgroups lists the untracked $CG_OTHER"
	in_snapshot "$CG_TRACKED" || fail "GetSnapshot does not list $CG_TRACKED"
	obj=$(object_of "$CG_TRACKED")
	# The ObjectManager lists the object, and the policy lets everyone ask.
	as_nobody busctl --system call org.pageidled1 /org/pageidled1 org.freedesktop.DBus.ObjectManager \
		GetManagedObjects > managed.txt || fail "GetManagedObjects as nobody"
	grep -q "\"$obj\"" managed.txt && grep -q '"org.pageidled1.Cgroup"' managed.txt ||
		fail "GetManagedObjects does not list $obj with its Cgroup interface"
	v=$(as_nobody busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup Path)
	[ "$v" = "s \"$CG_TRACKED\"" ] || fail "Path of $obj is $v"
	v=$(as_nobody busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup IdleAgeHistogram)
	case $v in "a(tt) 9 0 "*) ;; *) fail "IdleAgeHistogram is $v" ;; esac
	v=$(as_nobody busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup LastScanTimestamp)
	[ "${v#t }" -gt 0 ] || fail "LastScanTimestamp of $CG_TRACKED is $v"

	as_nobody "$pageidlectl" status || fail "pageidlectl status"
	as_nobody "$pageidlectl" status --json | jq -e '.state == "running" and .scan_count > 0' > /dev/null ||
		fail "pageidlectl status --json"
	as_nobody "$pageidlectl" list || fail "pageidlectl list"
	as_nobody "$pageidlectl" --json list | jq -e --arg p "$CG_TRACKED" 'map(.path) | index($p) != null' \
		> /dev/null || fail "pageidlectl --json list"
	as_nobody env LC_ALL=C.UTF-8 "$pageidlectl" show "$CG_TRACKED" > show.txt || fail "pageidlectl show"
	cat show.txt
	grep -q "in use" show.txt || fail "show draws no histogram"
	as_nobody env LC_ALL=C "$pageidlectl" show "$CG_TRACKED" | grep -q '^ *>= ' || fail "show in the C locale"
	as_nobody "$pageidlectl" show --json "$CG_TRACKED" |
		jq -e --arg p "$CG_TRACKED" '.path == $p and (.idle_age_histogram | length) == 9 and .bytes >= .idle_bytes' \
		> /dev/null || fail "pageidlectl show --json"
	as_nobody "$pageidlectl" advise || fail "pageidlectl advise"
	as_nobody "$pageidlectl" --json advise "$CG_TRACKED" | jq -e --arg p "$CG_TRACKED" 'length == 1 and
		.[0].path == $p and (.[0] | has("suggested_limit_bytes") and has("reclaimable_bytes"))' > /dev/null ||
		fail "pageidlectl --json advise $CG_TRACKED"
}

check_refused() {
	echo "--- Track, Untrack and ScanNow as nobody: the policy refuses"
	expect_error org.freedesktop.DBus.Error.AccessDenied "" ncall Track string:"$CG_OTHER"
	expect_error org.freedesktop.DBus.Error.AccessDenied "" ncall Untrack string:"$CG_TRACKED"
	expect_error org.freedesktop.DBus.Error.AccessDenied "" ncall ScanNow
	for args in "track $CG_OTHER" "untrack $CG_TRACKED" "scan"; do
		# shellcheck disable=SC2086
		if out=$(as_nobody "$pageidlectl" $args 2>&1); then
			fail "pageidlectl $args as nobody succeeded"
		else
			echo "pageidlectl $args: exit $?: $out"
			case $out in "Failed to "*"ccess denied"*|"Failed to "*"Rejected"*) ;; *) fail "pageidlectl $args: $out" ;; esac
		fi
	done
	listed "$CG_TRACKED" || fail "$CG_TRACKED untracked by nobody"
	listed "$CG_OTHER" && fail "$CG_OTHER tracked by nobody"
}

# With a policy that lets everyone call everything, the daemon still refuses.
check_refused_by_daemon() {
	echo "--- Track, Untrack and ScanNow as nobody, past a loose policy: the daemon refuses"
	for m in "Track string:$CG_OTHER" "Untrack string:$CG_TRACKED" "ScanNow"; do
		# shellcheck disable=SC2086
		expect_error org.freedesktop.DBus.Error.AccessDenied "needs root; the caller is uid $(id -u nobody)" \
			ncall $m
	done
	listed "$CG_TRACKED" || fail "$CG_TRACKED untracked by nobody"
	listed "$CG_OTHER" && fail "$CG_OTHER tracked by nobody"
}

check_bad_input() {
	echo "--- bad input, as root"
	long=/$(head -c 4200 /dev/zero | tr '\0' x)
	expect_error org.pageidled1.Error.InvalidPath "not absolute" call Track string:"${CG_OTHER#/}"
	expect_error org.pageidled1.Error.InvalidPath ". or .." call Track string:"$CG_TRACKED/../${CG_OTHER#/}"
	expect_error org.pageidled1.Error.InvalidPath ". or .." call Untrack string:"/./$CG_TRACKED"
	expect_error org.pageidled1.Error.InvalidPath "longer than PATH_MAX" call Track string:"$long"
	expect_error org.pageidled1.Error.InvalidPath "empty" call GetCgroup string:""
	expect_error org.pageidled1.Error.NoSuchCgroup "No such file or directory" call Track string:/no/such/cgroup
	expect_error org.pageidled1.Error.NoSuchCgroup "not a directory" call Track string:"$CG_FILE"
	expect_error org.pageidled1.Error.NoSuchCgroup "No such file" call GetCgroup string:/no/such/cgroup
	# Anyone may read that error: it names the path asked for, not where
	# the hierarchy is mounted.
	out=$(ncall GetCgroup string:/no/such/cgroup 2>&1)
	case $out in
	*"No cgroup /no/such/cgroup: No such file or directory"*) ;;
	*) fail "GetCgroup /no/such/cgroup as nobody: $out" ;;
	esac
	case $out in *"${CG_ROOT:?}"*) fail "the NoSuchCgroup error names the cgroup root: $out" ;; esac
	expect_error org.pageidled1.Error.AlreadyTracked "already tracked" call Track string:"$CG_TRACKED"
	expect_error org.pageidled1.Error.NotTracked "not tracked" call Untrack string:"$CG_OTHER"
	expect_error org.pageidled1.Error.NotTracked "not tracked" call GetCgroup string:"$CG_OTHER"
	# Not UTF-8: no client library sends it (and the bus would drop the
	# sender); pageidlectl says so itself.
	bad=$(printf '/\377\376')
	expect_error "" "not valid UTF-8" "$pageidlectl" track "$bad"
	if busctl --system call org.pageidled1 /org/pageidled1 org.pageidled1.Manager Track s "$bad" 2> /dev/null; then
		fail "busctl sent a path that is not UTF-8"
	fi
	expect_error "" "Failed to track relative: Invalid cgroup path" "$pageidlectl" track relative
	expect_error "" "Failed to show /no/such/cgroup: No cgroup" "$pageidlectl" show /no/such/cgroup
	expect_error "" "Too few arguments" "$pageidlectl" track
	expect_error "" "Unknown command verb" "$pageidlectl" frobnicate
	# The daemon goes on.
	[ -n "$(scan_count)" ] || fail "the daemon no longer answers"
}

check_track_untrack() {
	echo "--- Track, ScanNow, Untrack, as root"
	n=$(scan_count)
	"$pageidlectl" track "$CG_OTHER" || fail "pageidlectl track $CG_OTHER"
	listed "$CG_OTHER" || fail "$CG_OTHER not listed after Track"
	obj=$(object_of "$CG_OTHER")
	[ -n "$obj" ] || fail "GetCgroup $CG_OTHER after Track"
	"$pageidlectl" scan || fail "pageidlectl scan"
	"$pageidlectl" --json scan | jq -e --argjson n "$n" '.scan_count >= $n + 2' > /dev/null ||
		fail "pageidlectl --json scan: the count did not go up by two"
	in_snapshot "$CG_OTHER" || fail "$CG_OTHER not in the document after two scans"
	v=$(busctl --system get-property org.pageidled1 "$obj" org.pageidled1.Cgroup LastScanTimestamp)
	[ "${v#t }" -gt 0 ] || fail "LastScanTimestamp of $CG_OTHER is $v after two scans"

	"$pageidlectl" untrack "$CG_OTHER" || fail "pageidlectl untrack $CG_OTHER"
	listed "$CG_OTHER" && fail "$CG_OTHER listed after Untrack"
	expect_error org.pageidled1.Error.NotTracked "" call GetCgroup string:"$CG_OTHER"
	"$pageidlectl" scan > /dev/null || fail "pageidlectl scan"
	in_snapshot "$CG_OTHER" && fail "$CG_OTHER in the document after Untrack and a scan"

	# A configured one goes, and comes back.
	call Untrack string:"$CG_TRACKED" > /dev/null || fail "Untrack $CG_TRACKED"
	listed "$CG_TRACKED" && fail "$CG_TRACKED listed after Untrack"
	"$pageidlectl" scan > /dev/null || fail "pageidlectl scan"
	in_snapshot "$CG_TRACKED" && fail "$CG_TRACKED in the document after Untrack and a scan"
	"$pageidlectl" --json track "$CG_TRACKED" | jq -e --arg p "$CG_TRACKED" '.path == $p and (.object | startswith("/org/pageidled1/cgroup/"))' \
		> /dev/null || fail "pageidlectl --json track $CG_TRACKED"
	"$pageidlectl" scan > /dev/null || fail "pageidlectl scan"
	in_snapshot "$CG_TRACKED" || fail "$CG_TRACKED not back in the document"
}

# A cgroup object signals only what changed: CG_TRACKED, untracked and
# tracked again, goes from an empty object to its estimates at the scan,
# and says so.
check_signals() {
	echo "--- PropertiesChanged and ScanCompleted, watched by nobody"
	"$pageidlectl" untrack "$CG_TRACKED" > /dev/null || fail "pageidlectl untrack $CG_TRACKED"
	"$pageidlectl" scan > /dev/null || fail "pageidlectl scan"
	# Watched from before the track: the scan that fills the object may
	# be a scheduled one that comes before ours.
	as_nobody dbus-monitor --system "type='signal',sender='org.pageidled1'" > signals.txt 2> monitor.err &
	mon=$!
	sleep 1
	"$pageidlectl" track "$CG_TRACKED" > /dev/null || fail "pageidlectl track $CG_TRACKED"
	obj=$(object_of "$CG_TRACKED")
	n=$(scan_count)
	"$pageidlectl" scan > /dev/null || fail "pageidlectl scan"
	wait_scans $((n + 1))
	sleep 1
	kill $mon
	wait $mon 2> /dev/null
	grep -q "path=/org/pageidled1; interface=org.pageidled1.Manager; member=ScanCompleted" signals.txt ||
		fail "no ScanCompleted"
	grep -q "path=/org/pageidled1; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged" signals.txt ||
		fail "no PropertiesChanged for the manager"
	grep -q "path=$obj; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged" signals.txt ||
		fail "no PropertiesChanged for $obj"
	grep -A6 "path=$obj; interface=org.freedesktop.DBus.Properties; member=PropertiesChanged" signals.txt |
		grep -q '"Bytes"' || fail "the PropertiesChanged of $obj does not name Bytes"
	awk '/^signal / { cg = index($0, "path=/org/pageidled1/cgroup/") > 0 } cg && /"LastScanTimestamp"/' \
		signals.txt | grep -q . && fail "a cgroup object signalled LastScanTimestamp"
	grep -A3 "member=ScanCompleted" signals.txt | head -n 4
	[ $failures -eq 0 ] || { cat monitor.err; head -n 40 signals.txt; }
}

# check_snapshot FILE: GetSnapshot() returns the document in FILE (the
# daemon's JSONFile=), read between two scans.
check_snapshot() {
	echo "--- GetSnapshot against $1"
	# A scan may end between reading the file and the call: the snapshot
	# must then be the file as it was just before or just after the call.
	for try in 1 2 3 4 5; do
		jq -S . "$1" > before.json
		as_nobody busctl --system --json=short call org.pageidled1 /org/pageidled1 \
			org.pageidled1.Manager GetSnapshot | jq -r '.data[0]' | jq -S . > snapshot.json
		jq -S . "$1" > file.json
		if cmp -s snapshot.json file.json || cmp -s snapshot.json before.json; then
			echo "the same document ($(jq '.cgroups | length' snapshot.json) cgroups, scan $(jq .scan_count snapshot.json))"
			return 0
		fi
		echo "try $try: scans $(jq .scan_count before.json), $(jq .scan_count snapshot.json), $(jq .scan_count file.json)"
		sleep 0.2
	done
	# On a machine so loaded that scans end faster than three commands
	# run, no try sees one document twice: the snapshot must then be one
	# of those published meanwhile (scan_count between the two reads of
	# the file), for the same cgroups, with the same keys.
	if [ "$(jq .scan_count before.json)" -le "$(jq .scan_count snapshot.json)" ] &&
	   [ "$(jq .scan_count snapshot.json)" -le "$(jq .scan_count file.json)" ] &&
	   [ "$(jq -c 'keys' snapshot.json)" = "$(jq -c 'keys' file.json)" ] &&
	   [ "$(jq -c '[.cgroups[].path]' snapshot.json)" = "$(jq -c '[.cgroups[].path]' file.json)" ]; then
		echo "a document published between the reads (scan $(jq .scan_count snapshot.json)); never the same twice"
		return 0
	fi
	diff -u file.json snapshot.json | head -n 40
	fail "GetSnapshot differs from $1"
}
