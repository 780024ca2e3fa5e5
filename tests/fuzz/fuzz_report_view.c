/*
 * fuzz_report_view - libFuzzer target for "mtasts-ctl report view FILE"
 * (ctl/ctl_view.c): the file is a report someone sent - JSON, gzipped
 * JSON or a whole MIME mail with base64 parts - so every byte is hostile.
 * The corpus holds mails whose parameters are quoted, commented and RFC
 * 2231-encoded or continued (filename*=, filename*0*=, boundary*0=), the
 * cases the parameter reader and the delimiter scan of issue 15 handle.
 *
 * Each input is written to one temporary file and summarised twice, for
 * people and as --json, with the output going to /dev/null; the exit
 * status must be one of the three mtasts-ctl(8) names; the tool's own
 * messages still go to stderr (libFuzzer reports there too). ASan and
 * UBSan catch the rest, such as the signed overflow of issue 16.9.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_out.h"
#include "ctl_view.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

static char path[64];
static FILE *devnull;

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ctl_out o;
	FILE   *fp;
	int	json, rc, fd;

	if (path[0] == '\0') {
		snprintf(path, sizeof(path), "/tmp/fuzz-report-view.XXXXXX");
		if ((fd = mkstemp(path)) == -1)
			abort();
		close(fd);
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
	}
	if ((fp = fopen(path, "wb")) == NULL)
		abort();
	if (n > 0 && fwrite(d, 1, n, fp) != n)
		abort();
	fclose(fp);
	for (json = 0; json < 2; json++) {
		memset(&o, 0, sizeof(o));
		o.fp = devnull;
		o.json = json;
		o.now = 1700000000;
		rc = ctl_view_file(path, &o);
		if (rc != CTL_EXIT_OK && rc != CTL_EXIT_NEGATIVE &&
		    rc != CTL_EXIT_USAGE)
			abort();
	}
	return 0;
}
