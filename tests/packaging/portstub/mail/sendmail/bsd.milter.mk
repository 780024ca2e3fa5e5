# bsd.milter.mk - stub of mail/sendmail/bsd.milter.mk (see
# ../../bsd.port.pre.mk): the real one picks libmilter from base or from
# mail/libmilter and sets MILTERBASE; it must come after bsd.port.pre.mk.

.if !defined(_STUB_PRE_INCLUDED)
.  error bsd.milter.mk must be included after bsd.port.pre.mk
.endif
MILTERBASE?=	/usr
MILTERINC=	-I${MILTERBASE}/include
MILTERLIB=	-L${MILTERBASE}/lib
