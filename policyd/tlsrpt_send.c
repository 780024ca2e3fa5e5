/* tlsrpt_send.c - placeholder until the TLS-RPT module lands */
typedef int mtasts_placeholder_tlsrpt_send;
