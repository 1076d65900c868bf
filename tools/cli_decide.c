/*
 * NAME
 *	cli_decide - run the decision engine once for the CLI
 * SYNOPSIS
 *	#include "cli.h"
 *	int cli_decide(struct cli *cli, const char *domain,
 *	    mxtls_decision_cb *cb, void *arg);
 * DESCRIPTION
 *	Opens the shared cache (or goes without it, with a warning) and asks
 *	mxtls_decide_once() with MXTLS_LOOKUP_CHECK_TXT (plus NO_CACHE for
 *	--no-cache); cb borrows the decision for the duration of the call.
 * DIAGNOSTICS
 *	0 when cb ran; -1 after a setup error, reported on stderr.
 */
#include "cli.h"
#include "decide_once.h"

int
cli_decide(struct cli *cli, const char *domain, mxtls_decision_cb *cb,
    void *arg)
{
	struct mxtls_cache *cache = NULL;
	struct mxtls_why why;
	unsigned flags = MXTLS_LOOKUP_CHECK_TXT;
	enum mxtls_status st;

	mxtls_why_clear(&why);
	if (cli->no_cache)
		flags |= MXTLS_LOOKUP_NO_CACHE;
	else if ((cache = mxtls_cache_open(cli->cfg.cache_dir,
	    cli->cfg.cache_map_size, MXTLS_CACHE_CREATE, &why)) == NULL)
		cli_err("warning: working without the cache: %s", why.text);
	if ((st = mxtls_decide_once(&cli->cfg, cache, domain, flags, 0, cb,
	    arg, &why)) != MXTLS_OK)
		cli_err("%s", why.text);
	mxtls_cache_close(cache);
	return st == MXTLS_OK ? 0 : -1;
}
