/* ctl_check.c - placeholder until mtasts-ctl check lands */
typedef int mtasts_placeholder_ctl_check;
