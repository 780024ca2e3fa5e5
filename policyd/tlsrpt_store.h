/* tlsrpt_store.h - placeholder until the TLS-RPT module lands */
