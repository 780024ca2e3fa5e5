/* tlsrpt_collect.h - placeholder until the TLS-RPT module lands */
