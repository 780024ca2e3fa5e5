/*
 * fuzz_mailto - libFuzzer target for the mailto: rua parser of TLS-RPT
 * delivery (tlsrpt_send_mailto_addr in policyd/tlsrpt/tlsrpt_send.c): the
 * URI comes from a domain's _smtp._tls TXT record, i.e. from anyone.
 *
 * Invariants, checked with abort(): an accepted address is one plain
 * addr-spec - exactly one '@', something on both sides, a dot in the
 * domain, no white space, control character, comma, angle bracket or
 * quote (nothing that could add a header line or a recipient) - and it
 * is not longer than the URI.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tlsrpt_send.h"

int	LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char   *uri, *addr, *at;
	size_t	i;

	if ((uri = malloc(n + 8)) == NULL)
		return 0;
	/* Half the runs start with the scheme, so the parser gets past it. */
	if (n > 0 && (d[0] & 1)) {
		memcpy(uri, "mailto:", 7);
		memcpy(uri + 7, d + 1, n - 1);
		uri[n + 6] = '\0';
	} else {
		memcpy(uri, d, n);
		uri[n] = '\0';
	}
	if ((addr = tlsrpt_send_mailto_addr(uri)) != NULL) {
		if (strlen(addr) > strlen(uri) ||
		    (at = strchr(addr, '@')) == NULL || at == addr ||
		    strchr(at + 1, '@') != NULL || at[1] == '\0' ||
		    strchr(at + 1, '.') == NULL)
			abort();
		for (i = 0; addr[i] != '\0'; i++)
			if ((unsigned char)addr[i] <= 0x20 ||
			    (unsigned char)addr[i] >= 0x7f ||
			    strchr(",<>\"()[]\\;:", addr[i]) != NULL)
				abort();
		free(addr);
	}
	free(uri);
	return 0;
}
