/*
 * NAME
 *	daemon.h - the state mxtlsd's modules share
 * DESCRIPTION
 *	mxtlsd is one process with one libevent loop (DESIGN.md): listeners
 *	and connections (server.c), the answer cache with coalescing and
 *	deadlines (answers.c), proactive refresh (refresh.c), metrics
 *	(metrics.c), all on d->base, all asking the core engine for
 *	decisions and reply.c for the words. Nothing here blocks.
 */
#ifndef MXTLSD_DAEMON_H
#define MXTLSD_DAEMON_H

#include <event2/event.h>

#include "cache.h"
#include "config.h"
#include "decide.h"
#include "reply.h"

struct mxtlsd_answers;
struct mxtlsd_refresh;
struct mxtlsd_metrics;
struct mxtlsd_server;

struct mxtlsd {
	struct event_base *base;
	struct mxtls_config *cfg;	/* current snapshot; SIGHUP swaps it */
	struct mxtlsd_reply_opts ropts;	/* derived from cfg */
	struct mxtls_cache *cache;
	struct mxtls_engine *eng;
	struct mxtlsd_answers *answers;
	struct mxtlsd_refresh *refresh;
	struct mxtlsd_metrics *metrics;
	struct mxtlsd_server *server;
	int	draining;		/* SIGTERM: finish, accept nothing */
};

/* ---- answers.c: the decision cache in front of the engine */

/* What a client gets for one domain. Borrowed during the callback. */
struct mxtlsd_answer {
	const char *domain;
	enum mxtls_policy policy;
	const char *reply[MXTLSD_DIALECTS]; /* per enum mxtlsd_dialect */
	int	from_cache;		/* no resolution was waited for */
	int	timed_out;		/* deadline passed: RFC 8461 3.3 reply */
};

typedef void mxtlsd_answer_cb(void *arg, const struct mxtlsd_answer *a);

struct mxtlsd_answers *mxtlsd_answers_new(struct mxtlsd *d);
void	mxtlsd_answers_free(struct mxtlsd_answers *a);

/*
 * mxtlsd_answers_get - the answer for domain (already canonical), asked
 * through a map of dialect dia. A fresh or stale-but-valid cached answer
 * calls cb before returning (return 1; a stale one also starts a
 * background refresh). Otherwise a resolution is started or joined
 * (identical lookups coalesce) and cb runs later: with the decision, or at
 * the deadline (lookup_deadline) with the answer RFC 8461 3.3 gives when
 * nothing is cached ("NOTFOUND "), while the resolution goes on and fills
 * the cache (return 0; *handle set for cancel). -1 on ENOMEM. Answers are
 * rendered only in the dialects asked for so far; the first request of a
 * new dialect for a cached domain is resolved again. The reply of dia is
 * never NULL in what cb gets.
 */
int	mxtlsd_answers_get(struct mxtlsd_answers *a, const char *domain,
	    enum mxtlsd_dialect dia, mxtlsd_answer_cb *cb, void *arg,
	    void **handle);

/* mxtlsd_answers_cancel - the client went away: drop its callback. */
void	mxtlsd_answers_cancel(struct mxtlsd_answers *a, void *handle);

/* mxtlsd_answers_refresh - re-resolve domain in the background now. */
void	mxtlsd_answers_refresh(struct mxtlsd_answers *a, const char *domain);

/* mxtlsd_answers_count - entries held (for metrics). */
size_t	mxtlsd_answers_count(const struct mxtlsd_answers *a);

/* ---- refresh.c: proactive refresh (RFC 8461 3.3, 10.2) */
struct mxtlsd_refresh *mxtlsd_refresh_new(struct mxtlsd *d);
void	mxtlsd_refresh_free(struct mxtlsd_refresh *r);
size_t	mxtlsd_refresh_queue_len(const struct mxtlsd_refresh *r);

/* ---- metrics.c: counters and the optional Prometheus listener */
enum mxtlsd_counter {
	MXTLSD_C_LOOKUPS_DANE = 0,
	MXTLSD_C_LOOKUPS_STS_ENFORCE,
	MXTLSD_C_LOOKUPS_STS_TESTING,
	MXTLSD_C_LOOKUPS_NONE,
	MXTLSD_C_LOOKUPS_TEMPFAIL,
	MXTLSD_C_LOOKUPS_NOTFOUND_KEY,	/* IP literal, parent probe */
	MXTLSD_C_LOOKUPS_DEADLINE,	/* answered at the deadline */
	MXTLSD_C_CACHE_HITS,
	MXTLSD_C_CACHE_MISSES,
	MXTLSD_C_FETCH_FAIL_FETCH_ERROR,
	MXTLSD_C_FETCH_FAIL_POLICY_INVALID,
	MXTLSD_C_FETCH_FAIL_WEBPKI_INVALID,
	MXTLSD_C_DNSSEC_BOGUS,
	MXTLSD_C_BAD_REQUESTS,
	MXTLSD_C_CONNECTIONS,
	MXTLSD_C_MAX
};
struct mxtlsd_metrics *mxtlsd_metrics_new(struct mxtlsd *d);
void	mxtlsd_metrics_free(struct mxtlsd_metrics *m);
void	mxtlsd_metrics_inc(struct mxtlsd_metrics *m, enum mxtlsd_counter c);
/* record one lookup's latency in microseconds (histogram) */
void	mxtlsd_metrics_latency(struct mxtlsd_metrics *m, uint64_t usec);

/* ---- server.c: listeners and socketmap connections */
struct mxtlsd_server *mxtlsd_server_new(struct mxtlsd *d, struct mxtls_why *);
/* stop accepting; connections finish their pending requests */
void	mxtlsd_server_drain(struct mxtlsd_server *s);
/*
 * mxtlsd_server_reload - after d->cfg was swapped (SIGHUP): re-bind only
 * when listen changed, keeping the listeners that stay and every
 * connection. -1 + why (old listeners kept) when a new one cannot be had.
 */
int	mxtlsd_server_reload(struct mxtlsd_server *s, struct mxtls_why *why);
size_t	mxtlsd_server_connections(const struct mxtlsd_server *s);
void	mxtlsd_server_free(struct mxtlsd_server *s);

#endif /* MXTLSD_DAEMON_H */
