# bsd.port.post.mk - stub (see bsd.port.pre.mk): checks that the files the
# Makefile names exist beside it.

.if !defined(_STUB_PRE_INCLUDED)
.  error bsd.port.post.mk without bsd.port.pre.mk
.endif
.for _f in ${USE_RC_SUBR}
.  if !exists(${.CURDIR}/files/${_f}.in)
.    error USE_RC_SUBR names ${_f}, but files/${_f}.in is missing
.  endif
.endfor
.for _f in ${SUB_FILES}
.  if !exists(${.CURDIR}/files/${_f}.in)
.    error SUB_FILES names ${_f}, but files/${_f}.in is missing
.  endif
.endfor
.for _f in pkg-descr pkg-plist
.  if !exists(${.CURDIR}/${_f})
.    error ${_f} is missing
.  endif
.endfor
