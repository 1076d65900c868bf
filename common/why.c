/*
 * NAME
 *	why - status values with a bounded reason
 * SYNOPSIS
 *	#include "mxtls.h"
 * DESCRIPTION
 *	mxtls_why_set() formats a reason into a caller-supplied buffer,
 *	truncating at MXTLS_WHY_MAX. mxtls_sanitize() makes untrusted bytes
 *	safe to show before they enter a reason.
 * DIAGNOSTICS
 *	None; these functions cannot fail.
 */
#include "mxtls.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum mxtls_status
mxtls_why_set(struct mxtls_why *why, enum mxtls_status status,
    const char *fmt, ...)
{
	va_list ap;

	if (why == NULL)
		return status;
	why->status = status;
	va_start(ap, fmt);
	(void)vsnprintf(why->text, sizeof(why->text), fmt, ap);
	va_end(ap);
	return status;
}

void
mxtls_why_clear(struct mxtls_why *why)
{
	if (why == NULL)
		return;
	why->status = MXTLS_OK;
	why->text[0] = '\0';
}

const char *
mxtls_status_name(enum mxtls_status status)
{
	switch (status) {
	case MXTLS_OK:
		return "ok";
	case MXTLS_NOTFOUND:
		return "notfound";
	case MXTLS_TEMPFAIL:
		return "tempfail";
	case MXTLS_PERMFAIL:
		return "permfail";
	case MXTLS_ENOMEM:
		return "enomem";
	}
	return "unknown";
}

char *
mxtls_sanitize(char *out, size_t outsz, const void *in, size_t len)
{
	const unsigned char *s = in;
	size_t i, o = 0;

	if (outsz == 0)
		return out;
	for (i = 0; i < len && o + 1 < outsz; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
	out[o] = '\0';
	return out;
}

size_t
mxtls_strlcpy(char *dst, const char *src, size_t dstsz)
{
	size_t n = strlen(src);

	if (dstsz) {
		size_t c = n < dstsz - 1 ? n : dstsz - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}
