/*
 * NAME
 *	mxtls.h - outcome type, reasons and spans shared by all of libmxtls
 * DESCRIPTION
 *	Every core function returns an enum mxtls_status and, where it can
 *	fail, fills a caller-supplied struct mxtls_why with a bounded,
 *	human-readable reason. The core never logs and never exits.
 */
#ifndef MXTLS_H
#define MXTLS_H

#include <stddef.h>
#include <stdint.h>

#include "bounds.h"

enum mxtls_status {
	MXTLS_OK = 0,		/* done; the answer is valid */
	MXTLS_NOTFOUND,		/* no such thing (no record, no policy) */
	MXTLS_TEMPFAIL,		/* try again later (DNS, network, lock) */
	MXTLS_PERMFAIL,		/* malformed or invalid input */
	MXTLS_ENOMEM		/* allocation failure */
};

/* A status with its reason; text is always NUL-terminated. */
struct mxtls_why {
	enum mxtls_status status;
	char	text[MXTLS_WHY_MAX];
};

/* A borrowed byte range; not NUL-terminated. */
struct mxtls_span {
	const char *p;
	size_t	len;
};

/*
 * mxtls_why_set - record status and a printf-style reason in why (which may
 * be NULL). Returns status, so callers can "return mxtls_why_set(...)".
 */
enum mxtls_status mxtls_why_set(struct mxtls_why *why,
    enum mxtls_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* mxtls_why_clear - reset why to MXTLS_OK with an empty text. */
void	mxtls_why_clear(struct mxtls_why *why);

/* mxtls_status_name - "ok", "notfound", ...; static storage. */
const char *mxtls_status_name(enum mxtls_status status);

/*
 * mxtls_sanitize - copy at most len untrusted bytes into out (size outsz,
 * always NUL-terminated), replacing control and non-ASCII bytes by '?', so
 * that they can be shown or logged. Returns out.
 */
char   *mxtls_sanitize(char *out, size_t outsz, const void *in, size_t len);

/* mxtls_strlcpy - BSD strlcpy: copies, always terminates, returns strlen(src). */
size_t	mxtls_strlcpy(char *dst, const char *src, size_t dstsz);

#endif /* MXTLS_H */
