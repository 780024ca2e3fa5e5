/* socketmap.c - placeholder until the module lands */
typedef int mtasts_placeholder_socketmap;
