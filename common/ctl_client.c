/* ctl_client.c - placeholder until the control client lands */
typedef int mtasts_placeholder_ctl_client;
