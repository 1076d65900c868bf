/*
 * NAME
 *	fuzz_socketmap - libFuzzer target for the socketmap request and key
 * DESCRIPTION
 *	The input goes through mxtlsd_socketmap_split() and, as a string
 *	and as the key it splits into, through mxtlsd_socketmap_key().
 *	Aborts when an invariant breaks: a split gives a name and a key
 *	within their bounds, of the allowed bytes, that put together with
 *	one space give back the input; a canonical key is a lower-case host
 *	name that mxtls_domain_normalize() leaves as it is, and that comes
 *	out the same again by itself, in brackets and with a port; an
 *	outcome other than MXTLS_OK leaves the outputs empty, and a
 *	MXTLS_PERMFAIL has a reason.
 * SEE ALSO
 *	milter/socketmap.c, common/domain.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "socketmap.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define KEY_MAX	(MXTLS_DOMAIN_MAX + 16)

static void
check_name_key(const char *buf, size_t size, const char *name,
    const char *key)
{
	size_t nl = strlen(name), kl = strlen(key), i;

	if (nl == 0 || nl > MXTLSD_MAPNAME_MAX || kl == 0 || kl > KEY_MAX ||
	    nl + 1 + kl != size || memcmp(buf, name, nl) != 0 ||
	    buf[nl] != ' ' || memcmp(buf + nl + 1, key, kl) != 0)
		abort();
	for (i = 0; i < nl; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' &&
		    name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
		    name[i] == '_' || name[i] == '.' || name[i] == '-'))
			abort();
	for (i = 0; i < kl; i++)
		if (key[i] <= 0x20 || key[i] >= 0x7f)
			abort();
}

/* same_again - k, wrapped as Postfix may send it, canonicalises to dom */

static void
same_again(const char *pre, const char *dom, const char *post)
{
	char k[MXTLS_DOMAIN_MAX + 16], out[MXTLS_DOMAIN_MAX + 1];
	size_t a = strlen(pre), b = strlen(dom), c = strlen(post);

	memcpy(k, pre, a);
	memcpy(k + a, dom, b);
	memcpy(k + a + b, post, c + 1);
	if (mxtlsd_socketmap_key(k, out, sizeof(out), NULL) != MXTLS_OK ||
	    strcmp(out, dom) != 0)
		abort();
}

static void
check_key(const char *key)
{
	char out[MXTLS_DOMAIN_MAX + 1], again[MXTLS_DOMAIN_MAX + 1];
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t i, n;

	why.text[0] = '\0';
	memset(out, 'X', sizeof(out));
	rv = mxtlsd_socketmap_key(key, out, sizeof(out), &why);
	if (rv != MXTLS_OK) {
		if (out[0] != '\0' || (rv == MXTLS_PERMFAIL &&
		    why.text[0] == '\0') || (rv != MXTLS_PERMFAIL &&
		    rv != MXTLS_NOTFOUND))
			abort();
		return;
	}
	n = strnlen(out, sizeof(out));
	if (n == 0 || n > MXTLS_DOMAIN_MAX || out[0] == '.' ||
	    out[n - 1] == '.')
		abort();
	for (i = 0; i < n; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || (out[i] >= '0' &&
		    out[i] <= '9') || out[i] == '-' || out[i] == '.'))
			abort();
	if (mxtls_domain_normalize(out, n, again, sizeof(again), NULL) !=
	    MXTLS_OK || strcmp(again, out) != 0)
		abort();
	same_again("", out, "");
	same_again("[", out, "]");
	same_again("[", out, "]:25");
	same_again("", out, ".:587");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	char name[MXTLSD_MAPNAME_MAX + 1], key[KEY_MAX + 1], s[KEY_MAX + 8];
	struct mxtls_why why;
	size_t n;

	why.text[0] = '\0';
	if (mxtlsd_socketmap_split(buf, size, name, sizeof(name), key,
	    sizeof(key), &why) == MXTLS_OK) {
		check_name_key(buf, size, name, key);
		check_key(key);
	} else if (name[0] != '\0' || key[0] != '\0' || why.text[0] == '\0')
		abort();
	/* the raw bytes as a key string, NUL bytes and all */
	n = size < sizeof(s) - 1 ? size : sizeof(s) - 1;
	memcpy(s, buf, n);
	s[n] = '\0';
	check_key(s);
	return 0;
}
