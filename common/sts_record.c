/* sts_record.c - placeholder until the module lands */
typedef int mtasts_placeholder_sts_record;
