/* ctl_client.h - placeholder */
