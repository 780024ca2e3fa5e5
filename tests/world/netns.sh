#!/bin/sh
#
# netns.sh - run a command inside a fresh network namespace.
#
# SYNOPSIS
#	sh tests/world/netns.sh COMMAND [ARG ...]
#
# DESCRIPTION
#	Creates a network namespace with a unique name, brings up its
#	loopback interface, gives it /etc/netns/NAME/resolv.conf with
#	"nameserver 127.0.0.1" (ip-netns(8) bind-mounts that over
#	/etc/resolv.conf for commands run with "ip netns exec"), and runs
#	COMMAND inside with MTASTS_NETNS=1 and MTASTS_NETNS_NAME=NAME in the
#	environment. Inside, the test world listens on 127.0.0.1 ports 53
#	and 443, so a program's defaults (resolv.conf, port 443) are what
#	gets exercised. The namespace and its /etc/netns directory are
#	removed afterwards, also when the command fails or a signal arrives.
#
# EXIT STATUS
#	The command's exit status; 77 when the namespace cannot be made (not
#	root, no ip(8), no CAP_SYS_ADMIN), so callers can skip.
#
set -u

if [ $# -eq 0 ]; then
	echo "usage: netns.sh COMMAND [ARG ...]" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null 2>&1; then
	echo "netns.sh: needs root and ip(8)" >&2
	exit 77
fi

name="mtasts-$$-$(date +%s)"
made_etc=0
created=0

cleanup() {
	if [ "$created" = 1 ]; then
		ip netns delete "$name" 2>/dev/null
	fi
	rm -f "/etc/netns/$name/resolv.conf"
	rmdir "/etc/netns/$name" 2>/dev/null
	if [ "$made_etc" = 1 ]; then
		rmdir /etc/netns 2>/dev/null
	fi
	return 0
}
trap 'cleanup' EXIT
trap 'cleanup; trap - EXIT; exit 130' INT
trap 'cleanup; trap - EXIT; exit 143' TERM
trap 'cleanup; trap - EXIT; exit 129' HUP

if ! ip netns add "$name" 2>/dev/null; then
	echo "netns.sh: cannot create network namespace $name" >&2
	exit 77
fi
created=1
if ! ip netns exec "$name" ip link set lo up; then
	echo "netns.sh: cannot bring up lo in $name" >&2
	exit 77
fi
if [ ! -d /etc/netns ]; then
	mkdir /etc/netns || exit 77
	made_etc=1
fi
mkdir -p "/etc/netns/$name" || exit 77
echo "nameserver 127.0.0.1" > "/etc/netns/$name/resolv.conf" || exit 77

ip netns exec "$name" env MTASTS_NETNS=1 MTASTS_NETNS_NAME="$name" "$@"
rc=$?
exit $rc
