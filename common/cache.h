/*
 * NAME
 *	cache.h - the LMDB cache shared by every mxtls process on the host
 * DESCRIPTION
 *	One LMDB environment in cache_dir with named databases: "sts" (policy
 *	domain -> struct mxtls_sts_entry) now; "dane", "neg", "rpt" later.
 *	Records are versioned binary (leading schema byte; an unknown version
 *	reads as a miss). Readers never block writers; each call is one short
 *	transaction and copies its values out before the transaction ends.
 *	A handle notices fork(): used in a child it reopens the environment
 *	rather than touch the parent's MDB_env.
 */
#ifndef MXTLS_CACHE_H
#define MXTLS_CACHE_H

#include <time.h>

#include "dane.h"
#include "sts_policy.h"
#include "tlsrpt_result.h"

struct mxtls_cache;

/* What we remember about one policy domain (RFC 8461 3.3, 5.1). */
struct mxtls_sts_entry {
	char	domain[MXTLS_DOMAIN_MAX + 1];	/* key: lower case, no dot */
	int	have_policy;			/* policy/body/id valid */
	char	id[MXTLS_STS_ID_MAX + 1];	/* TXT id the policy came with */
	int64_t	fetched_at;			/* last successful fetch */
	int64_t	expires_at;			/* fetched_at + max_age */
	int64_t	txt_checked_at;			/* last TXT lookup (any result) */
	/* last failure, for TLS-RPT and for the 5-minute back-off (3.3) */
	int64_t	failed_at;			/* 0: none since last success */
	char	failed_id[MXTLS_STS_ID_MAX + 1]; /* id whose fetch failed */
	enum mxtls_result_type fail_type;
	char	fail_detail[MXTLS_DETAIL_MAX];
	struct mxtls_sts_policy policy;		/* parsed form */
	char   *body;		/* raw policy; owned; NULL when not loaded */
	size_t	body_len;
};

/* cache open flags */
#define MXTLS_CACHE_RDONLY	0x01	/* never write (Exim plugin) */
#define MXTLS_CACHE_CREATE	0x02	/* create cache_dir if missing */

/*
 * mxtls_cache_open - open (creating the files if allowed) the environment in
 * dir with the given map size in bytes. Returns the handle (caller frees with
 * mxtls_cache_close) or NULL with the reason in why.
 */
struct mxtls_cache *mxtls_cache_open(const char *dir, size_t map_size,
    int flags, struct mxtls_why *why);
void	mxtls_cache_close(struct mxtls_cache *cache);

/*
 * What became of a record written behind: called on the writer thread
 * with MXTLS_OK and a text when the map was full and entries were evicted
 * to make room, or with the failure and its reason (the record is not
 * stored). text is borrowed for the call. The function must be
 * thread-safe (mxtls_log() with a syslog or stderr sink is).
 */
typedef void mxtls_cache_report_fn(void *arg, enum mxtls_status st,
    const char *text);

/*
 * mxtls_cache_write_behind - from now on the puts of this handle (sts,
 * dane, dec) encode the record, queue it and return: a thread of the
 * cache stores what has queued up in one transaction (one fsync for many
 * records), so the caller never waits for the disk (it waits only when
 * CACHE_WB_QUEUE_MAX records are queued). A put then reports only
 * encoding errors; storage failures go to fn(arg, ...). Reads of this
 * process see a record once it is written (mxtls_cache_flush waits for
 * that); deletes, purges and evictions flush first. mxtls_cache_close()
 * writes what is queued. For one long-lived process that writes a lot
 * (mxtlsd); not to be used across fork(). Returns MXTLS_OK or the reason
 * in why (a read-only handle: MXTLS_PERMFAIL).
 */
enum mxtls_status mxtls_cache_write_behind(struct mxtls_cache *cache,
    mxtls_cache_report_fn *fn, void *arg, struct mxtls_why *why);

/* mxtls_cache_flush - wait until every record queued so far is stored */
void	mxtls_cache_flush(struct mxtls_cache *cache);

/*
 * mxtls_cache_sts_get - read the entry for domain into *out. With want_body
 * the raw policy is copied into out->body (caller frees with
 * mxtls_sts_entry_clear); without it out->body is NULL, which is the fast
 * path. Returns MXTLS_OK, MXTLS_NOTFOUND (no entry, or an unknown schema
 * version), or MXTLS_TEMPFAIL with why (I/O or a corrupt record).
 */
enum mxtls_status mxtls_cache_sts_get(struct mxtls_cache *cache,
    const char *domain, struct mxtls_sts_entry *out, int want_body,
    struct mxtls_why *why);

/*
 * mxtls_cache_sts_put - store *e (body included when e->body is set; when
 * e->body is NULL and e->have_policy, the stored body is kept). When the map
 * is full, expired entries and then the least recently refreshed ones are
 * evicted and the put is retried once; the eviction is reported in why
 * (status MXTLS_OK, non-empty text). Returns MXTLS_OK or MXTLS_TEMPFAIL.
 */
enum mxtls_status mxtls_cache_sts_put(struct mxtls_cache *cache,
    const struct mxtls_sts_entry *e, struct mxtls_why *why);

/* mxtls_cache_sts_del - remove domain; MXTLS_NOTFOUND if absent. */
enum mxtls_status mxtls_cache_sts_del(struct mxtls_cache *cache,
    const char *domain, struct mxtls_why *why);

/*
 * mxtls_cache_sts_list - call fn for each entry (without body) in key order,
 * from a snapshot: fn runs after the read transaction has ended, so it may
 * call back into the cache. Stops early when fn returns non-zero.
 */
enum mxtls_status mxtls_cache_sts_list(struct mxtls_cache *cache,
    int (*fn)(void *arg, const struct mxtls_sts_entry *e), void *arg,
    struct mxtls_why *why);

/*
 * mxtls_cache_sts_purge - remove every entry (domain NULL) or one; *count
 * gets the number removed. The "dec" records (decisions) of the purged
 * domains go too; _del removes the domain's decision as well.
 */
enum mxtls_status mxtls_cache_sts_purge(struct mxtls_cache *cache,
    const char *domain, size_t *count, struct mxtls_why *why);

/*
 * mxtls_cache_sts_evict - remove entries whose policy has expired at now and
 * that carry no pending failure younger than the back-off; *count removed.
 */
enum mxtls_status mxtls_cache_sts_evict(struct mxtls_cache *cache,
    time_t now, size_t *count, struct mxtls_why *why);

/* mxtls_sts_entry_clear - free what *e owns and zero it. */
void	mxtls_sts_entry_clear(struct mxtls_sts_entry *e);

/*
 * mxtls_sts_entry_encode / _decode - the versioned binary record (exposed
 * for the fuzz target and the tests). encode: *out malloc'd, caller frees.
 * decode: MXTLS_OK, MXTLS_NOTFOUND for an unknown version, MXTLS_PERMFAIL
 * for a malformed record.
 */
enum mxtls_status mxtls_sts_entry_encode(const struct mxtls_sts_entry *e,
    unsigned char **out, size_t *outlen, struct mxtls_why *why);
enum mxtls_status mxtls_sts_entry_decode(struct mxtls_sts_entry *e,
    const unsigned char *buf, size_t len, int want_body,
    struct mxtls_why *why);

/*
 * The "dane" database: MX host name -> the outcome of its TLSA lookup
 * (RFC 7672 2.2.3), kept for the smallest TTL of the answers it came from,
 * so that every process on the host (the Exim plugin, the CLI) shares it.
 * Only definite outcomes are stored (dane, encrypt, opportunistic), never a
 * lookup error.
 */
struct mxtls_dane_entry {
	char	host[MXTLS_DOMAIN_MAX + 1];	/* key: lower case, no dot */
	int64_t	fetched_at;
	int64_t	expires_at;			/* fetched_at + smallest TTL */
	enum mxtls_dane_req requirement;	/* not UNUSABLE */
	char	base[MXTLS_DOMAIN_MAX + 1];	/* TLSA base domain or "" */
	enum mxtls_dnssec tlsa_dnssec;
	size_t	ntlsa;
	struct mxtls_tlsa tlsa[MXTLS_TLSA_RRS_MAX];	/* as assessed */
};

/*
 * mxtls_cache_dane_get - read the entry of host into *out (an expired entry
 * is returned too: the caller compares expires_at with mxtls_now()).
 * MXTLS_OK, MXTLS_NOTFOUND (none, or an unknown schema version), or
 * MXTLS_TEMPFAIL with why.
 */
enum mxtls_status mxtls_cache_dane_get(struct mxtls_cache *cache,
    const char *host, struct mxtls_dane_entry *out, struct mxtls_why *why);

/* mxtls_cache_dane_put - store *e (same map-full handling as sts_put). */
enum mxtls_status mxtls_cache_dane_put(struct mxtls_cache *cache,
    const struct mxtls_dane_entry *e, struct mxtls_why *why);

/* encode (*out malloc'd, caller frees) / decode, versioned like the sts
 * record; exposed for the fuzz target and the tests. */
enum mxtls_status mxtls_dane_entry_encode(const struct mxtls_dane_entry *e,
    unsigned char **out, size_t *outlen, struct mxtls_why *why);
enum mxtls_status mxtls_dane_entry_decode(struct mxtls_dane_entry *e,
    const unsigned char *buf, size_t len, struct mxtls_why *why);

/*
 * The "dec" database: recipient domain -> the summary of its last
 * decision (summary.h), so that the Exim plugin reads a whole decision
 * in one short transaction. Written by whoever decides (mxtlsd, the CLI,
 * the plugin resolving in-process), never for a tempfail, so a stored
 * answer stays until its usable_until even while refreshes fail.
 */
struct mxtls_summary;

/*
 * mxtls_cache_dec_get - the summary stored for domain into *out (expired
 * ones too: the caller compares the times). MXTLS_OK, MXTLS_NOTFOUND
 * (none, or an unknown schema version), or MXTLS_TEMPFAIL with why (I/O,
 * or a corrupt record: the reason names the file).
 */
enum mxtls_status mxtls_cache_dec_get(struct mxtls_cache *cache,
    const char *domain, struct mxtls_summary *out, struct mxtls_why *why);

/* mxtls_cache_dec_put - store *s for domain (map-full as sts_put). */
enum mxtls_status mxtls_cache_dec_put(struct mxtls_cache *cache,
    const char *domain, const struct mxtls_summary *s,
    struct mxtls_why *why);

/* The record: version byte 1, then the summary's text form. encode:
 * *out malloc'd, caller frees. decode: as mxtls_dane_entry_decode. */
/*
 * mxtls_cache_dec_list - call fn for each stored decision in key order,
 * from a snapshot (fn runs after the read transaction has ended; domain
 * and s are borrowed for the call). Stops early when fn returns non-zero.
 * Unreadable records are skipped and counted in why (MXTLS_OK). Returns
 * MXTLS_OK, or MXTLS_TEMPFAIL/MXTLS_ENOMEM with why.
 */
enum mxtls_status mxtls_cache_dec_list(struct mxtls_cache *cache,
    int (*fn)(void *arg, const char *domain, const struct mxtls_summary *s),
    void *arg, struct mxtls_why *why);

enum mxtls_status mxtls_dec_record_encode(const struct mxtls_summary *s,
    unsigned char **out, size_t *outlen, struct mxtls_why *why);
enum mxtls_status mxtls_dec_record_decode(struct mxtls_summary *s,
    const unsigned char *buf, size_t len, struct mxtls_why *why);

#endif /* MXTLS_CACHE_H */
