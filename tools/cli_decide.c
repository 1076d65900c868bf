/*
 * NAME
 *	cli_decide - run the decision engine once, on a private event loop
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_decide(struct cli *cli, const char *domain,
 *	    mxtls_decision_cb *cb, void *arg);
 * DESCRIPTION
 *	What the daemon does on its loop, done once for the CLI: open the
 *	shared cache (or go without it, with a warning), make an engine, ask
 *	mxtls_decide() with MXTLS_LOOKUP_CHECK_TXT (plus NO_CACHE for
 *	--no-cache), and dispatch until cb has run with the decision, which
 *	it borrows for the duration of the call.
 * DIAGNOSTICS
 *	0 when cb ran; -1 after a setup error, reported on stderr.
 */
#include <string.h>

#include "cli.h"

struct cli_decide_state {
	struct event_base *base;
	mxtls_decision_cb *cb;
	void   *arg;
	int	done;
};

static void
cli_decided(void *arg, const struct mxtls_decision *d)
{
	struct cli_decide_state *st = arg;

	st->cb(st->arg, d);
	st->done = 1;
	event_base_loopbreak(st->base);
}

int
cli_decide(struct cli *cli, const char *domain, mxtls_decision_cb *cb,
    void *arg)
{
	struct cli_decide_state st;
	struct mxtls_cache *cache = NULL;
	struct mxtls_engine *eng = NULL;
	struct mxtls_why why;
	unsigned flags = MXTLS_LOOKUP_CHECK_TXT;

	memset(&st, 0, sizeof(st));
	st.cb = cb;
	st.arg = arg;
	mxtls_why_clear(&why);
	if (cli->no_cache)
		flags |= MXTLS_LOOKUP_NO_CACHE;
	else if ((cache = mxtls_cache_open(cli->cfg.cache_dir,
	    cli->cfg.cache_map_size, MXTLS_CACHE_CREATE, &why)) == NULL)
		cli_err("warning: working without the cache: %s", why.text);
	if ((st.base = event_base_new()) == NULL) {
		cli_err("cannot create an event loop");
		goto out;
	}
	if ((eng = mxtls_engine_new(st.base, &cli->cfg, cache, &why)) == NULL) {
		cli_err("%s", why.text);
		goto out;
	}
	if (mxtls_decide(eng, domain, flags, cli_decided, &st, &why) !=
	    MXTLS_OK) {
		cli_err("%s", why.text);
		goto out;
	}
	while (!st.done && event_base_dispatch(st.base) == 0)
		;
out:
	mxtls_engine_free(eng);
	if (st.base)
		event_base_free(st.base);
	mxtls_cache_close(cache);
	return st.done ? 0 : -1;
}
