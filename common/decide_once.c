/*
 * NAME
 *	decide_once - one decision on a private event loop
 * SYNOPSIS
 *	#include "decide_once.h"
 * DESCRIPTION
 *	See decide_once.h. The deadline is a libevent timer on the same loop
 *	that breaks the dispatch; the engine is then freed with its lookups
 *	still pending, which drops them without callbacks (sts.h, dns.h).
 * DIAGNOSTICS
 *	A status and why; never logs.
 */
#include "decide_once.h"

#include <string.h>

#include <event2/event.h>

#include "sts.h"

struct once_state {
	struct event_base *base;
	mxtls_decision_cb *cb;
	void   *arg;
	int	done;
	int	late;
};

static void
once_decided(void *arg, const struct mxtls_decision *d)
{
	struct once_state *st = arg;

	st->cb(st->arg, d);
	st->done = 1;
	event_base_loopbreak(st->base);
}

static void
once_late(evutil_socket_t fd, short what, void *arg)
{
	struct once_state *st = arg;

	(void)fd;
	(void)what;
	st->late = 1;
	event_base_loopbreak(st->base);
}

enum mxtls_status
mxtls_decide_once(const struct mxtls_config *cfg, struct mxtls_cache *cache,
    const char *domain, unsigned flags, unsigned deadline_ms,
    mxtls_decision_cb *cb, void *arg, struct mxtls_why *why)
{
	struct once_state st;
	struct mxtls_engine *eng = NULL;
	struct event *timer = NULL;
	struct timeval tv;
	enum mxtls_status rc = MXTLS_TEMPFAIL;

	memset(&st, 0, sizeof(st));
	st.cb = cb;
	st.arg = arg;
	if ((st.base = event_base_new()) == NULL) {
		(void)mxtls_why_set(why, MXTLS_TEMPFAIL, "cannot create an "
		    "event loop");
		goto out;
	}
	if ((eng = mxtls_engine_new(st.base, cfg, cache, why)) == NULL)
		goto out;
	if (deadline_ms > 0) {
		tv.tv_sec = (time_t)(deadline_ms / 1000);
		tv.tv_usec = (suseconds_t)(deadline_ms % 1000) * 1000;
		if ((timer = evtimer_new(st.base, once_late, &st)) == NULL ||
		    evtimer_add(timer, &tv) != 0) {
			(void)mxtls_why_set(why, MXTLS_TEMPFAIL, "cannot arm "
			    "the deadline");
			goto out;
		}
	}
	if ((rc = mxtls_decide(eng, domain, flags, once_decided, &st, why)) !=
	    MXTLS_OK)
		goto out;
	while (!st.done && !st.late && event_base_dispatch(st.base) == 0)
		;
	if (st.done)
		rc = MXTLS_OK;
	else
		rc = mxtls_why_set(why, MXTLS_TEMPFAIL, "the lookup of %s did "
		    "not finish within %u ms", domain, deadline_ms);
out:
	if (timer != NULL)
		event_free(timer);
	mxtls_engine_free(eng);
	if (st.base != NULL)
		event_base_free(st.base);
	return rc;
}
