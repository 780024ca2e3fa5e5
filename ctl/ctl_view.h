/*
 * ctl_view.h - "mtasts-ctl report view FILE" (ctl_view.c): summarise an
 * RFC 8460 report someone sent us (.json, .json.gz or a whole .eml).
 */
#ifndef MTASTS_CTL_VIEW_H
#define MTASTS_CTL_VIEW_H

#include "ctl_out.h"

#define CTL_VIEW_FILE_MAX	(32 * 1024 * 1024)	/* a report file or mail */
#define CTL_VIEW_JSON_MAX	(64 * 1024 * 1024)	/* after gunzip */

/*
 * ctl_view_file - read path, find the report (MIME, base64, gzip as
 * needed), print per policy its successes and failures by result type
 * and by MX. Returns a CTL_EXIT_* code; errors go to stderr (and as
 * {"error": ...} with --json).
 */
int	ctl_view_file(const char *path, const struct ctl_out *o);

#endif
