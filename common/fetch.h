/*
 * NAME
 *	fetch.h - the MTA-STS policy fetch over HTTPS (RFC 8461 3.3)
 * DESCRIPTION
 *	libcurl's multi-socket interface on a libevent base. The URL is always
 *	https://mta-sts.<domain>/.well-known/mta-sts.txt on port 443; the
 *	addresses come from the caller (our own validated DNS answers) through
 *	CURLOPT_RESOLVE. No redirects, HTTP 200 only, text/plain only, at most
 *	MXTLS_STS_BODY_MAX bytes, fetch_timeout seconds, Web PKI against
 *	mta-sts.<domain> (ca_file or the system store).
 */
#ifndef MXTLS_FETCH_H
#define MXTLS_FETCH_H

#include <event2/event.h>

#include "config.h"
#include "tlsrpt_result.h"

struct mxtls_fetch;

/* The outcome of one fetch; borrowed for the duration of the callback. */
struct mxtls_fetch_result {
	enum mxtls_status status;	/* MXTLS_OK: body holds the policy */
	enum mxtls_result_type type;	/* failure class when not OK */
	char	detail[MXTLS_DETAIL_MAX];	/* plain words, sanitized */
	long	http_code;
	char	content_type[MXTLS_STS_CTYPE_MAX];
	const char *body;
	size_t	len;
};

typedef void mxtls_fetch_cb(void *arg, const struct mxtls_fetch_result *res);

/* mxtls_fetch_new - caller frees with mxtls_fetch_free; NULL + why. */
struct mxtls_fetch *mxtls_fetch_new(struct event_base *base,
    const struct mxtls_config *cfg, struct mxtls_why *why);
/* mxtls_fetch_free - abort transfers (no callbacks) and free. */
void	mxtls_fetch_free(struct mxtls_fetch *f);

/*
 * mxtls_fetch_policy - fetch the policy of domain from one of the naddrs
 * textual addresses. cb runs once, from the event loop. Returns MXTLS_OK when
 * started; otherwise an error + why and cb is not called.
 */
enum mxtls_status mxtls_fetch_policy(struct mxtls_fetch *f,
    const char *domain, const char *const *addrs, size_t naddrs,
    mxtls_fetch_cb *cb, void *arg, struct mxtls_why *why);

/* mxtls_fetch_user_agent - "mxtls/<version>"; static storage. */
const char *mxtls_fetch_user_agent(void);

#endif /* MXTLS_FETCH_H */
