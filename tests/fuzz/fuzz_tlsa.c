/*
 * NAME
 *	fuzz_tlsa - libFuzzer target for TLSA parsing and usability
 * DESCRIPTION
 *	The input is a set of records, each a 2-byte big-endian length and
 *	that many bytes of TLSA RDATA (a short last one takes what is left).
 *	Each goes through mxtls_tlsa_parse(); the parsed ones, up to
 *	MAX_RRS, through mxtls_tlsa_assess(). Aborts when an invariant
 *	breaks: parse fails exactly for RDATA under 4 bytes or data over
 *	MXTLS_TLSA_DATA_MAX; a usable record has usage 2 or 3, selector 0 or
 *	1, matching type 0, 1 or 2 with a digest of the right length and no
 *	reason; an unusable one has a reason; no usable SHA2-256 record
 *	shares its usage and selector with a usable SHA2-512 one; the count
 *	returned is the number usable; assess is deterministic and leaves
 *	the records' fields alone; the hex is the data.
 * SEE ALSO
 *	RFC 6698 2.1, RFC 7671 9, common/dane_tlsa.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dane_tlsa.h"

#define MAX_RRS		16

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct mxtls_tlsa rrs[MAX_RRS], again[MAX_RRS];
static char hex[2 * MXTLS_TLSA_DATA_MAX + 1];

static void
check_parse(struct mxtls_tlsa *t, const uint8_t *p, size_t n, int *ok)
{
	struct mxtls_why why;
	enum mxtls_status rv;

	rv = mxtls_tlsa_parse(t, p, n, &why);
	*ok = rv == MXTLS_OK;
	if (n < 4 || n - 3 > MXTLS_TLSA_DATA_MAX) {
		if (rv != MXTLS_PERMFAIL || why.text[0] == '\0')
			abort();
		return;
	}
	if (rv != MXTLS_OK || t->usage != p[0] || t->selector != p[1] ||
	    t->mtype != p[2] || t->len != n - 3 ||
	    memcmp(t->data, p + 3, n - 3) != 0 || t->usable)
		abort();
}

static void
check_one(const struct mxtls_tlsa *t)
{
	size_t want;

	if (memchr(t->unusable_why, '\0', sizeof(t->unusable_why)) == NULL)
		abort();
	if (!t->usable) {
		if (t->usable != 0 || t->unusable_why[0] == '\0')
			abort();
		return;
	}
	if (t->usable != 1 || t->unusable_why[0] != '\0' ||
	    (t->usage != 2 && t->usage != 3) || t->selector > 1 ||
	    t->mtype > 2)
		abort();
	want = t->mtype == 1 ? 32 : t->mtype == 2 ? 64 : 0;
	if (want != 0 && t->len != want)
		abort();
	if (t->mtype == 0 && t->len == 0)
		abort();
}

/* check_agility - no usable SHA2-256 beside a usable SHA2-512 (7671 9) */

static void
check_agility(const struct mxtls_tlsa *t, size_t n)
{
	size_t i, j;
	int strong;

	for (i = 0; i < n; i++) {
		if (t[i].mtype != 1 || t[i].len != 32 || t[i].selector > 1 ||
		    (t[i].usage != 2 && t[i].usage != 3))
			continue;
		for (j = 0, strong = 0; j < n; j++)
			if (t[j].usable && t[j].mtype == 2 &&
			    t[j].usage == t[i].usage &&
			    t[j].selector == t[i].selector)
				strong = 1;
		/* a well-formed SHA2-256 record is usable iff no stronger */
		if (t[i].usable == strong)
			abort();
	}
}

static void
check_hex(const struct mxtls_tlsa *t, size_t outsz)
{
	static const char digits[] = "0123456789abcdef";
	size_t i, n;

	memset(hex, 'z', sizeof(hex));
	if (mxtls_tlsa_hex(t, hex, outsz) != hex)
		abort();
	n = strnlen(hex, outsz);
	if (n >= outsz)
		abort();
	if (n == 2 * t->len) {
		for (i = 0; i < t->len; i++)
			if (hex[2 * i] != digits[t->data[i] >> 4] ||
			    hex[2 * i + 1] != digits[t->data[i] & 0xf])
				abort();
	} else if (outsz > 2 * t->len ||
	    (n != 0 && (n < 3 || memcmp(hex + n - 3, "...", 3) != 0)) ||
	    (n == 0 && outsz >= 4))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0, n, k = 0, usable, i;
	int parsed;

	while (off < size && k < MAX_RRS) {
		if (size - off < 2)
			break;
		n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (size - off < n)
			n = size - off;
		check_parse(&rrs[k], data + off, n, &parsed);
		off += n;
		if (parsed)
			k++;
	}
	memcpy(again, rrs, sizeof(rrs[0]) * k);
	usable = mxtls_tlsa_assess(rrs, k);
	for (i = 0, n = 0; i < k; i++) {
		check_one(&rrs[i]);
		if (rrs[i].usage != again[i].usage ||
		    rrs[i].selector != again[i].selector ||
		    rrs[i].mtype != again[i].mtype ||
		    rrs[i].len != again[i].len ||
		    memcmp(rrs[i].data, again[i].data, rrs[i].len) != 0)
			abort();
		n += rrs[i].usable;
	}
	if (n != usable)
		abort();
	check_agility(rrs, k);
	if (mxtls_tlsa_assess(again, k) != usable)
		abort();
	for (i = 0; i < k; i++)
		if (again[i].usable != rrs[i].usable ||
		    strcmp(again[i].unusable_why, rrs[i].unusable_why) != 0)
			abort();
	if (k > 0) {
		check_hex(&rrs[0], sizeof(hex));
		check_hex(&rrs[0], 1 + (size > 0 ? data[size - 1] : 0));
	}
	return 0;
}
