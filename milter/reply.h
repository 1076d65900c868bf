/*
 * NAME
 *	reply.h - the one table from a decision to a socketmap reply
 * DESCRIPTION
 *	Each row of reply.c cites its RFC clause. Replies are the payload
 *	without the netstring framing: "OK <data>", "NOTFOUND ", "TEMP
 *	<reason>", "PERM <reason>".
 */
#ifndef MXTLSD_REPLY_H
#define MXTLSD_REPLY_H

#include <time.h>

#include "config.h"
#include "decide.h"

enum mxtlsd_dialect {
	MXTLSD_DIALECT_POSTFIX = 0,	/* smtp_tls_policy_maps */
	MXTLSD_DIALECT_SENDMAIL,	/* K... socket map, FEATURE(sts) */
	MXTLSD_DIALECT_EXIM		/* the Exim plugin: a summary */
};
#define MXTLSD_DIALECTS	3

/* what the configuration says about the reply rows */
struct mxtlsd_reply_opts {
	int	dane_only;		/* every MX host has usable TLSA:
					   "dane-only" (1) or "dane" (0) */
	int	encrypt_as_dane;	/* all TLSA unusable: "dane" (1) or
					   "encrypt" (0); never dane-only */
	int	testing_enforce;	/* sts-testing: 0 NOTFOUND, 1 answer
					   like enforce, 2 "OK may" */
	int	postfix_tlsrpt;		/* append Postfix 3.10 TLSRPT attrs */
};

/*
 * mxtlsd_reply - render d for the dialect into out (size outsz, NUL-
 * terminated). Returns the length, or 0 when out is too small (the caller
 * then answers "TEMP reply too long").
 */
size_t	mxtlsd_reply(const struct mxtls_decision *d, enum mxtlsd_dialect dia,
	    const struct mxtlsd_reply_opts *o, char *out, size_t outsz);

/*
 * mxtlsd_reply_exim - the reply for the Exim plugin (exim-plugin/): a
 * tempfail is "TEMP <reason>" as in the Postfix dialect, every other
 * decision "OK <summary>" (summary.h) with the lifetimes of cfg at now.
 * Returns the length, or 0 when out (size outsz) is too small.
 */
size_t	mxtlsd_reply_exim(const struct mxtls_decision *d,
	    const struct mxtls_config *cfg, time_t now, char *out,
	    size_t outsz);

#endif /* MXTLSD_REPLY_H */
