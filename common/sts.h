/*
 * NAME
 *	sts.h - the MTA-STS engine: domain -> policy (RFC 8461 3.3, 5.1)
 * DESCRIPTION
 *	mxtls_sts_lookup() answers from the LMDB cache when it can and
 *	otherwise (or when asked to check) looks up the TXT id, fetches the
 *	policy when the id changed or nothing is cached, and stores the result
 *	for every other process. Concurrent lookups of one domain share one
 *	resolution. Failures never downgrade a cached policy before it
 *	expires; they are recorded for TLS-RPT.
 */
#ifndef MXTLS_STS_H
#define MXTLS_STS_H

#include <event2/event.h>

#include "cache.h"
#include "config.h"
#include "decision.h"
#include "dns.h"

struct mxtls_engine;

/* Where the TXT lookup of this resolution ended. */
enum mxtls_sts_txt {
	MXTLS_TXT_NOT_CHECKED = 0,	/* answered from cache only */
	MXTLS_TXT_FOUND,		/* one valid v=STSv1 record */
	MXTLS_TXT_NONE,			/* no v=STSv1 record */
	MXTLS_TXT_INVALID,		/* several, or a syntax error */
	MXTLS_TXT_ERROR			/* SERVFAIL, timeout, bogus */
};

struct mxtls_sts_result {
	char	domain[MXTLS_DOMAIN_MAX + 1];
	enum mxtls_policy policy;	/* NONE, STS_TESTING, STS_ENFORCE,
					   TEMPFAIL */
	enum mxtls_sts_txt txt;
	char	txt_id[MXTLS_STS_ID_MAX + 1];	/* id seen now, if FOUND */
	enum mxtls_dnssec dnssec;	/* of the TXT answer */
	int	have_entry;		/* entry holds a cached/new policy */
	int	from_cache;		/* policy not fetched by this call */
	int	fetched;		/* a fetch was attempted */
	struct mxtls_sts_entry entry;	/* borrowed during the callback */
	size_t	nerrors;
	struct mxtls_err errors[MXTLS_ERRORS_MAX];
};

typedef void mxtls_sts_cb(void *arg, const struct mxtls_sts_result *res);

#define MXTLS_LOOKUP_CHECK_TXT	0x01	/* look up the TXT id now */
#define MXTLS_LOOKUP_NO_CACHE	0x02	/* neither read nor write cache */
/*
 * MXTLS_LOOKUP_REFETCH (with CHECK_TXT; for proactive refresh, RFC 8461
 * 3.3, 10.2): when a valid policy is cached, fetch it again even though the
 * TXT id is unchanged, missing, invalid or could not be looked up, so that
 * its lifetime counts from this fetch. A failed fetch keeps the cached
 * policy like any other failure; the 5-minute back-off per id still holds.
 */
#define MXTLS_LOOKUP_REFETCH	0x04

/*
 * mxtls_engine_new - an engine on base. cache may be NULL (no caching).
 * cfg and cache are borrowed and must outlive the engine. Caller frees with
 * mxtls_engine_free (pending lookups are dropped without callbacks).
 */
struct mxtls_engine *mxtls_engine_new(struct event_base *base,
    const struct mxtls_config *cfg, struct mxtls_cache *cache,
    struct mxtls_why *why);
void	mxtls_engine_free(struct mxtls_engine *eng);

/*
 * mxtls_sts_lookup - resolve domain (normalized by the caller or not: it is
 * checked and lower-cased here). cb runs once: before this call returns
 * when the cache answers (a valid entry whose TXT was checked less than
 * sts_recheck_interval ago, and no MXTLS_LOOKUP_CHECK_TXT), otherwise from
 * the event loop. Returns MXTLS_OK when cb has run or will run; otherwise an
 * error + why (bad domain name) and cb is not called.
 */
enum mxtls_status mxtls_sts_lookup(struct mxtls_engine *eng,
    const char *domain, unsigned flags, mxtls_sts_cb *cb, void *arg,
    struct mxtls_why *why);

/* mxtls_engine_dns - the engine's resolver (borrowed; lives as long as
 * the engine), for the other resolutions that share its loop (DANE). */
struct mxtls_dns *mxtls_engine_dns(struct mxtls_engine *eng);
/* mxtls_engine_cache - the engine's cache (borrowed; may be NULL). */
struct mxtls_cache *mxtls_engine_cache(struct mxtls_engine *eng);
/* mxtls_engine_config - the configuration it was made with (borrowed). */
const struct mxtls_config *mxtls_engine_config(const struct mxtls_engine *eng);

/* mxtls_engine_pending - resolutions in flight (for tests and metrics). */
size_t	mxtls_engine_pending(const struct mxtls_engine *eng);

/* mxtls_engine_fetches - fetches started since creation (for tests). */
unsigned long mxtls_engine_fetches(const struct mxtls_engine *eng);

/* mxtls_sts_txt_name - "not-checked", "found", "none", "invalid", "error" */
const char *mxtls_sts_txt_name(enum mxtls_sts_txt txt);

#endif /* MXTLS_STS_H */
