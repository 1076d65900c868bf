/*
 * NAME
 *	plugin.h - what mxtls_exim.so's Exim glue asks of its lookup module
 * DESCRIPTION
 *	lookup.c finds the decision summary (summary.h) of a domain: the
 *	shared LMDB cache first, then mxtlsd over its socket, then (with
 *	exim_inline_resolve) the engine in this process, never past
 *	exim_deadline. It knows nothing of Exim; mxtls_exim.c translates.
 */
#ifndef MXTLS_EXIM_PLUGIN_H
#define MXTLS_EXIM_PLUGIN_H

#include "config.h"
#include "summary.h"

/* Where an answer came from (for the log and the tests). */
enum mxtls_exim_source {
	MXTLS_EXIM_FROM_CACHE = 0,	/* a fresh "dec" record */
	MXTLS_EXIM_FROM_DAEMON,		/* mxtlsd answered */
	MXTLS_EXIM_FROM_INLINE,		/* resolved in this process */
	MXTLS_EXIM_FROM_STALE		/* refresh failed: the last usable
					   record (fail safe) */
};

/*
 * mxtls_exim_config - the configuration of this process, loaded from
 * path (NULL or "": MXTLS_CONFIG_DEFAULT, which may be missing) at the
 * first call and again when another path is asked for. Borrowed until
 * the next call. NULL + why when the file cannot be used.
 */
const struct mxtls_config *mxtls_exim_config(const char *path,
    struct mxtls_why *why);

/*
 * mxtls_exim_lookup - the summary of domain (normalized by the caller)
 * into *out. MXTLS_OK with *from set, or MXTLS_TEMPFAIL + why (the reason
 * in plain words: what failed and what to do). Never blocks longer than
 * cfg->exim_deadline milliseconds.
 */
enum mxtls_status mxtls_exim_lookup(const struct mxtls_config *cfg,
    const char *domain, struct mxtls_summary *out,
    enum mxtls_exim_source *from, struct mxtls_why *why);

/* mxtls_exim_source_name - "cache", "mxtlsd", "inline", "stale cache" */
const char *mxtls_exim_source_name(enum mxtls_exim_source from);

/* mxtls_exim_reset - close the cache and forget the configuration. */
void	mxtls_exim_reset(void);

#endif /* MXTLS_EXIM_PLUGIN_H */
