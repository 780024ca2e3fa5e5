/* ctl_check.h - placeholder */
