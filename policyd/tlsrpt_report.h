/* tlsrpt_report.h - placeholder until the TLS-RPT module lands */
