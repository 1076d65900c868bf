/*
 * NAME
 *	fuzz_dns_mx - libFuzzer target for the wire name and MX RDATA readers
 * DESCRIPTION
 *	The whole input goes through mxtls_dns_name_text() and
 *	mxtls_dns_mx_parse(). Aborts when an invariant breaks: on success
 *	the text is at most MXTLS_DOMAIN_MAX bytes of lower-case letters,
 *	digits, '-', '_' and single dots (or "." alone), and encoding it
 *	back to wire form with the small encoder below gives the input bytes
 *	used, lower-cased, which parse back to the same text; on failure the
 *	output is empty and nothing is used.
 * SEE ALSO
 *	RFC 1035 3.1, 3.3.9, RFC 7505, common/dns_rdata.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns_rdata.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define OUTSZ	(MXTLS_DOMAIN_MAX + 2)

/* encode - the text as a wire name into w (room for 256); its length */

static size_t
encode(const char *text, unsigned char *w)
{
	size_t o = 0, start = 0, n = strlen(text), i;

	if (strcmp(text, ".") == 0) {
		w[0] = 0;
		return 1;
	}
	for (;;) {
		for (i = start; i < n && text[i] != '.'; i++)
			;
		if (i == start || i - start > 63 || o + 1 + i - start > 254)
			abort();
		w[o++] = (unsigned char)(i - start);
		memcpy(w + o, text + start, i - start);
		o += i - start;
		if (i == n)
			break;
		start = i + 1;
	}
	w[o++] = 0;
	return o;
}

static void
check_text(const char *t)
{
	size_t n = strlen(t), i;

	if (n == 0 || n > MXTLS_DOMAIN_MAX)
		abort();
	if (strcmp(t, ".") == 0)
		return;
	if (t[0] == '.' || t[n - 1] == '.')
		abort();
	for (i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') ||
		    (t[i] >= '0' && t[i] <= '9') || t[i] == '-' ||
		    t[i] == '_' || (t[i] == '.' && t[i + 1] != '.')))
			abort();
}

/* same_lower - w equals p (n bytes) with A-Z lowered */

static void
same_lower(const unsigned char *w, const uint8_t *p, size_t n)
{
	size_t i;
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = p[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (unsigned char)(ch - 'A' + 'a');
		if (w[i] != ch)
			abort();
	}
}

static void
check_name(const uint8_t *p, size_t n)
{
	char out[OUTSZ], back[OUTSZ];
	unsigned char w[300];
	struct mxtls_why why;
	size_t used = 99, used2 = 99, wl;

	if (mxtls_dns_name_text(p, n, out, sizeof(out), &used, &why) !=
	    MXTLS_OK) {
		if (out[0] != '\0' || used != 0 || why.text[0] == '\0')
			abort();
		return;
	}
	check_text(out);
	if (used == 0 || used > n || used > 255)
		abort();
	wl = encode(out, w);
	if (wl != used)
		abort();
	same_lower(w, p, used);
	if (mxtls_dns_name_text(w, wl, back, sizeof(back), &used2, &why) !=
	    MXTLS_OK || used2 != wl || strcmp(back, out) != 0)
		abort();
}

static void
check_mx(const uint8_t *p, size_t n)
{
	char out[OUTSZ], back[OUTSZ];
	unsigned char w[300];
	struct mxtls_why why;
	uint16_t pref = 99, pref2 = 98;
	size_t wl;

	if (mxtls_dns_mx_parse(p, n, &pref, out, sizeof(out), &why) !=
	    MXTLS_OK) {
		if (out[0] != '\0' || pref != 0 || why.text[0] == '\0')
			abort();
		return;
	}
	check_text(out);
	if (n < 3 || pref != ((uint16_t)(p[0] << 8 | p[1])))
		abort();
	w[0] = p[0];
	w[1] = p[1];
	wl = 2 + encode(out, w + 2);
	if (wl != n)
		abort();
	same_lower(w + 2, p + 2, n - 2);
	if (mxtls_dns_mx_parse(w, wl, &pref2, back, sizeof(back), &why) !=
	    MXTLS_OK || pref2 != pref || strcmp(back, out) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_name(data, size);
	check_mx(data, size);
	return 0;
}
