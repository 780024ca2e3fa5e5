/* ctl.c - placeholder until mtasts-ctl lands */
#include <stdio.h>

int
main(void)
{
	fprintf(stderr, "mtasts-ctl: not built yet\n");
	return 2;
}
