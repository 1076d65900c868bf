/*
 * NAME
 *	summary.h - a decision in one short line: what an MTA adapter that
 *	cannot run the engine (the Exim plugin) needs to route a message
 * DESCRIPTION
 *	A summary keeps the policy, the rule that decided it, two lifetimes
 *	and the domain's MX hosts in preference order with what each one
 *	requires. mxtlsd sends it over the socketmap "exim" map and every
 *	decision is stored in the LMDB "dec" database in the same form, so
 *	that the plugin reads it in a few microseconds.
 *
 *	The text form, one line of printable ASCII (at most
 *	MXTLS_SUMMARY_TEXT_MAX bytes):
 *
 *	    POLICY RULE REFRESH USABLE MX [HOST...] [| NOTE]
 *
 *	POLICY  none, sts-testing, sts-enforce, dane, tempfail
 *	RULE    none, mta-sts, dane
 *	REFRESH seconds since the epoch: ask again after this time
 *	USABLE  seconds since the epoch: never use after this time
 *	MX      "mx" (HOSTs are the MX set), "implicit" (no MX: the domain
 *	        itself, RFC 5321 5.1), "nomx" (unknown, null MX or NXDOMAIN)
 *	HOST    PREF/FLAGS/NAME: preference, then "-" or letters from
 *	        s (matches the MTA-STS policy, RFC 8461 4.1), d (usable TLSA:
 *	        DANE, RFC 7672 2.2), e (secure TLSA, none usable: encrypt
 *	        only), u (cannot be used now: a lookup error, RFC 7672
 *	        2.2.3); NAME a lower-case A-label host name
 *	NOTE    the first note of the decision, free text to the end
 * SEE ALSO
 *	decide.h, cache.h (mxtls_cache_dec_get), exim-plugin/
 */
#ifndef MXTLS_SUMMARY_H
#define MXTLS_SUMMARY_H

#include <stdint.h>
#include <time.h>

#include "bounds.h"
#include "config.h"
#include "decide.h"

#define MXTLS_SUMMARY_HOSTS_MAX	MXTLS_DANE_HOSTS_MAX
/* "sts-enforce mta-sts " + 2 x (" " + 19 digits) + " implicit" (68),
 * 10 hosts of " 65535/sdeu/" + 253, " | " and the note */
#define MXTLS_SUMMARY_TEXT_MAX	(96 + MXTLS_SUMMARY_HOSTS_MAX * \
				    (MXTLS_DOMAIN_MAX + 12) + 3 + \
				    MXTLS_DETAIL_MAX)

#define MXTLS_SH_STS		0x01	/* s: matches the MTA-STS policy */
#define MXTLS_SH_DANE		0x02	/* d: usable TLSA records */
#define MXTLS_SH_ENCRYPT	0x04	/* e: secure TLSA, all unusable */
#define MXTLS_SH_UNUSABLE	0x08	/* u: do not connect now */

enum mxtls_summary_mx {
	MXTLS_SUMMARY_MX_NONE = 0,	/* "nomx" */
	MXTLS_SUMMARY_MX_LIST,		/* "mx" */
	MXTLS_SUMMARY_MX_IMPLICIT	/* "implicit" */
};

struct mxtls_summary_host {
	uint16_t preference;
	unsigned flags;			/* MXTLS_SH_* */
	char	name[MXTLS_DOMAIN_MAX + 1];
};

struct mxtls_summary {
	enum mxtls_policy policy;
	enum mxtls_rule decided_by;
	int64_t	refresh_at;		/* ask again after */
	int64_t	usable_until;		/* never use after */
	enum mxtls_summary_mx mx;
	size_t	nhosts;
	struct mxtls_summary_host hosts[MXTLS_SUMMARY_HOSTS_MAX];
	char	note[MXTLS_DETAIL_MAX];	/* "" when none */
};

/*
 * mxtls_decision_lifetime - when an answer built from d (decided at now)
 * must be refreshed and when it stops being usable. One table for every
 * process that keeps decisions (mxtlsd's answers, the "dec" database):
 *
 *	policy         refresh at                     usable until
 *	sts-enforce,   now + sts_recheck_interval     the policy's expiry
 *	sts-testing,                                  (RFC 8461 3.3, 5.1)
 *	none with an
 *	MTA-STS policy
 *	dane           now + smallest host TTL,       refresh + 1 hour
 *	               within [30 s, 1 hour]
 *	none           now + negative_ttl             refresh + negative_ttl
 *	tempfail       now + 15 s                     the same
 */
void	mxtls_decision_lifetime(const struct mxtls_config *cfg,
	    const struct mxtls_decision *d, time_t now, time_t *refresh,
	    time_t *usable);

/* seconds a tempfail answer is kept (by mxtlsd; never stored in LMDB) */
#define MXTLS_TEMPFAIL_TTL	15

/*
 * mxtls_summary_make - fill *s from d, decided at now, with the lifetimes
 * of mxtls_decision_lifetime(). Never fails.
 */
void	mxtls_summary_make(const struct mxtls_config *cfg,
	    const struct mxtls_decision *d, time_t now,
	    struct mxtls_summary *s);

/*
 * mxtls_summary_format - the text form of *s into out (size outsz,
 * NUL-terminated). Returns its length, or 0 when it does not fit.
 */
size_t	mxtls_summary_format(const struct mxtls_summary *s, char *out,
	    size_t outsz);

/*
 * mxtls_summary_parse - read the text form (len untrusted bytes, not
 * NUL-terminated) into *s. MXTLS_OK, or MXTLS_PERMFAIL with the reason
 * (unknown word, a number out of range, a bad host name or flag, more
 * than MXTLS_SUMMARY_HOSTS_MAX hosts, over MXTLS_SUMMARY_TEXT_MAX bytes,
 * a control character).
 */
enum mxtls_status mxtls_summary_parse(const char *buf, size_t len,
    struct mxtls_summary *s, struct mxtls_why *why);

/*
 * mxtls_summary_hosts - the names of the hosts a delivery may use, in
 * preference order, separated by sep, into out (size outsz): for
 * sts-enforce only those matching the policy (RFC 8461 4.1, 5), for the
 * other policies every host that is not unusable now. Returns how many
 * (0: none), or -1 when out is too small.
 */
int	mxtls_summary_hosts(const struct mxtls_summary *s, char sep,
	    char *out, size_t outsz);

#endif /* MXTLS_SUMMARY_H */
