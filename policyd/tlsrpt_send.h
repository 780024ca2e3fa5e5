/* tlsrpt_send.h - placeholder until the TLS-RPT module lands */
