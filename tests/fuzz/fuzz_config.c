/*
 * fuzz_config.c - libFuzzer target for the mtasts.conf parser: any bytes
 * must either parse or be refused with a message, never crash, read out of
 * bounds or leak (config_parse_buf is the same code config_load runs).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LLVMFuzzerTestOneInput - parse, dump and re-parse what parsed, free. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *cfg, *again;
	char	err[512], *d1 = NULL, *d2 = NULL;
	size_t	n1 = 0, n2 = 0;
	FILE   *fp;

	err[0] = '\0';
	cfg = config_parse_buf("fuzz.conf", (const char *)data, size, err,
	    sizeof(err));
	if (cfg == NULL) {
		/* Every refusal says why, naming the file. */
		if (strncmp(err, "fuzz.conf", 9) != 0)
			__builtin_trap();
		return 0;
	}
	/* The dump of an accepted config reads back to the same dump. */
	if ((fp = open_memstream(&d1, &n1)) != NULL) {
		config_dump(cfg, fp);
		fclose(fp);
		again = config_parse_buf("fuzz.conf", d1, n1, err, sizeof(err));
		if (again == NULL)
			__builtin_trap();
		if ((fp = open_memstream(&d2, &n2)) != NULL) {
			config_dump(again, fp);
			fclose(fp);
			if (n1 != n2 || memcmp(d1, d2, n1) != 0)
				__builtin_trap();
			free(d2);
		}
		config_free(again);
		free(d1);
	}
	config_free(cfg);
	return 0;
}
