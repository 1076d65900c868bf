/*
 * NAME
 *	fuzz_dns_txt - libFuzzer target for the TXT and address RDATA readers
 * DESCRIPTION
 *	The first byte chooses the output size for mxtls_dns_txt_join() and
 *	the RR type for mxtls_dns_addr_text(); the rest is the RDATA. Aborts
 *	when an invariant breaks: the joined text equals an independent walk
 *	of the strings, always fits and is NUL-terminated; an address text
 *	converts back to the same bytes.
 * SEE ALSO
 *	RFC 1035 3.3.14, common/dns_rdata.c
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_rdata.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char out[MXTLS_STS_TXT_MAX + 1], want[70000];

/* walk - join independently; -1 when a length runs past the end */

static long
walk(const uint8_t *p, size_t n)
{
	size_t i = 0, o = 0, len;

	while (i < n) {
		len = p[i++];
		if (n - i < len)
			return -1;
		memcpy(want + o, p + i, len);
		o += len;
		i += len;
	}
	return (long)o;
}

static void
check_txt(uint8_t sel, const uint8_t *p, size_t n)
{
	size_t outsz = sel & 1 ? sizeof(out) : (size_t)(sel >> 1) + 1;
	struct mxtls_why why;
	size_t outlen = 99;
	enum mxtls_status rv;
	long w;

	rv = mxtls_dns_txt_join(p, n, out, outsz, &outlen, &why);
	w = n == 0 ? -1 : walk(p, n);
	if (rv == MXTLS_OK) {
		if (w < 0 || (size_t)w != outlen || outlen >= outsz ||
		    out[outlen] != '\0' || memcmp(out, want, outlen) != 0)
			abort();
	} else if (rv == MXTLS_PERMFAIL) {
		if (outlen != 0 || out[0] != '\0' ||
		    (w >= 0 && (size_t)w < outsz))
			abort();
	} else
		abort();
}

static void
check_addr(uint8_t sel, const uint8_t *p, size_t n)
{
	static const int types[4] = {1, 28, 15, 1};
	unsigned char back[16];
	struct mxtls_why why;
	char text[64];
	enum mxtls_status rv;
	int type = types[(sel >> 1) & 3];

	rv = mxtls_dns_addr_text(type, p, n, text, sizeof(text), &why);
	if (rv != MXTLS_OK) {
		if (text[0] != '\0' || (type == 1 && n == 4) ||
		    (type == 28 && n == 16))
			abort();
		return;
	}
	if (inet_pton(type == 1 ? AF_INET : AF_INET6, text, back) != 1 ||
	    memcmp(back, p, n) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	check_txt(data[0], data + 1, size - 1);
	check_addr(data[0], data + 1, size - 1);
	return 0;
}
