/*
 * NAME
 *	fuzz_cache_dane - libFuzzer target for the DANE cache record decoder
 * DESCRIPTION
 *	Decodes the input as a "dane" cache record. Aborts when an invariant
 *	breaks: a failure carries a printable, NUL-terminated reason of its
 *	own status and leaves no TLSA record; a record that decodes is
 *	within every bound, never holds requirement UNUSABLE, re-encodes to
 *	exactly the input (the format has one encoding per entry), and that
 *	re-encoding decodes to the same entry.
 * SEE ALSO
 *	common/cache_record.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_why(const struct mxtls_why *why, enum mxtls_status rv)
{
	size_t i;

	if (why->status != rv)
		abort();
	for (i = 0; i < sizeof(why->text) && why->text[i] != '\0'; i++)
		if (why->text[i] < 0x20 || why->text[i] > 0x7e)
			abort();
	if (i == 0 || i == sizeof(why->text))
		abort();
}

static int
same(const struct mxtls_dane_entry *a, const struct mxtls_dane_entry *b)
{
	const struct mxtls_tlsa *s, *t;
	size_t i;

	if (a->fetched_at != b->fetched_at || a->expires_at != b->expires_at ||
	    a->requirement != b->requirement ||
	    strcmp(a->base, b->base) != 0 ||
	    a->tlsa_dnssec != b->tlsa_dnssec || a->ntlsa != b->ntlsa)
		return 0;
	for (i = 0; i < a->ntlsa; i++) {
		s = &a->tlsa[i];
		t = &b->tlsa[i];
		if (s->usage != t->usage || s->selector != t->selector ||
		    s->mtype != t->mtype || s->usable != t->usable ||
		    strcmp(s->unusable_why, t->unusable_why) != 0 ||
		    s->len != t->len || memcmp(s->data, t->data, s->len) != 0)
			return 0;
	}
	return 1;
}

static void
check_bounds(const struct mxtls_dane_entry *e)
{
	size_t i;

	if (e->host[0] != '\0' || e->requirement == MXTLS_DANE_REQ_UNUSABLE ||
	    (unsigned)e->requirement > MXTLS_DANE_REQ_UNUSABLE ||
	    (unsigned)e->tlsa_dnssec > MXTLS_DNSSEC_BOGUS ||
	    strlen(e->base) > MXTLS_DOMAIN_MAX ||
	    e->ntlsa > MXTLS_TLSA_RRS_MAX)
		abort();
	for (i = 0; i < e->ntlsa; i++)
		if (e->tlsa[i].len > MXTLS_TLSA_DATA_MAX ||
		    (e->tlsa[i].usable != 0 && e->tlsa[i].usable != 1) ||
		    strlen(e->tlsa[i].unusable_why) >=
		    sizeof(e->tlsa[i].unusable_why))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mxtls_dane_entry e, again;
	struct mxtls_why why;
	enum mxtls_status rv;
	unsigned char *out = NULL;
	size_t outlen = 0;

	mxtls_why_clear(&why);
	memset(&e, 0x5a, sizeof(e));	/* decode needs no clean struct */
	rv = mxtls_dane_entry_decode(&e, data, size, &why);
	if (rv != MXTLS_OK) {
		check_why(&why, rv);
		if (e.ntlsa != 0 || (rv != MXTLS_NOTFOUND &&
		    rv != MXTLS_PERMFAIL))
			abort();
		return 0;
	}
	check_bounds(&e);
	if (mxtls_dane_entry_encode(&e, &out, &outlen, &why) != MXTLS_OK ||
	    outlen != size || memcmp(out, data, size) != 0)
		abort();
	if (mxtls_dane_entry_decode(&again, out, outlen, &why) != MXTLS_OK ||
	    !same(&e, &again))
		abort();
	free(out);
	return 0;
}
