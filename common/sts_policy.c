/* sts_policy.c - placeholder until the module lands */
typedef int mtasts_placeholder_sts_policy;
