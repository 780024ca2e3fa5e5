# sys.mk - stub (see bsd.port.pre.mk): bmake reads a sys.mk first; the
# port needs no system rules to be parsed, so this one has none.
