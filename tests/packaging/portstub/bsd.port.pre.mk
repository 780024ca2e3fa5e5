# bsd.port.pre.mk - a stub of the FreeBSD ports framework for
# tests/packaging/check-packaging: just enough for bmake(1) on Linux to
# parse contrib/freebsd/mail/mtasts/Makefile and answer -V questions.
# It checks what the Porter's Handbook asks to be set before this point.

LOCALBASE?=	/usr/local
PREFIX?=	${LOCALBASE}
DOCSDIR?=	${PREFIX}/share/doc/${PORTNAME}
STAGEDIR?=	/nonexistent/stage
OPENSSLINC?=	/usr/include
OPENSSLLIB?=	/usr/lib
MKDIR?=		/bin/mkdir -p
RM?=		/bin/rm -f
PORT_OPTIONS?=	${OPTIONS_DEFINE}

.for _v in PORTNAME DISTVERSION CATEGORIES MASTER_SITES MAINTAINER COMMENT WWW LICENSE
.  if !defined(${_v}) || empty(${_v})
.    error ${_v} must be set before bsd.port.pre.mk
.  endif
.endfor

_STUB_PRE_INCLUDED=	yes
