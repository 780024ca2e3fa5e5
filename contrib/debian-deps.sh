#!/bin/sh
# debian-deps.sh - install what building and testing mtasts needs on
# Debian 12. Daemons that the packages would start (postfix, unbound) are kept
# from starting: the tests run their own private instances.
set -e
export DEBIAN_FRONTEND=noninteractive
if [ "$(id -u)" -ne 0 ]; then
	echo "debian-deps.sh: run as root (it calls apt-get)" >&2
	exit 1
fi
# Keep package scripts from starting services.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
fi
# Postfix asks questions at install time; answer them up front.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections 2>/dev/null || true
apt-get update -q
apt-get install -y -q --no-install-recommends \
	autoconf automake libtool pkg-config make gcc clang libclang-rt-14-dev \
	libc6-dev libssl-dev libcurl4-openssl-dev liblmdb-dev lmdb-utils \
	libunbound-dev zlib1g-dev libjansson-dev libmilter-dev libopendkim-dev \
	ca-certificates openssl python3 python3-dnslib python3-pytest python3-dkim \
	python3-dnspython python3-cryptography unbound \
	iproute2 postfix mandoc git procps miltertest
# Packaging checks (tests/packaging): bmake parses the FreeBSD port, the
# rc.d scripts go through shellcheck, systemd-analyze verifies the units,
# nginx serves the domain owner's example. The checks skip a missing tool,
# so a failure here does not stop the build.
apt-get install -y -q --no-install-recommends \
	bmake shellcheck nginx systemd ||
	echo "debian-deps.sh: packaging tools not installed; their checks will be skipped" >&2
