/* mx_match.c - placeholder until the module lands */
typedef int mtasts_placeholder_mx_match;
