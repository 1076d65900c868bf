/*
 * NAME
 *	decide_once.h - one decision on a private event loop
 */
#ifndef MXTLS_DECIDE_ONCE_H
#define MXTLS_DECIDE_ONCE_H

#include "cache.h"
#include "config.h"
#include "decide.h"

/*
 * mxtls_decide_once - what mxtlsd does on its loop, done once for a
 * program that has no loop (the CLI, the Exim plugin resolving in-process):
 * make an event loop and an engine on cfg and cache (borrowed; cache may
 * be NULL), run mxtls_decide(domain, flags) and dispatch until cb has run
 * (it borrows the decision for the call) or deadline_ms have passed (0:
 * no deadline). Everything made here is freed before returning, threads
 * included. MXTLS_OK when cb ran; MXTLS_PERMFAIL for a bad domain name;
 * MXTLS_TEMPFAIL + why after a setup error or at the deadline (cb not
 * called).
 */
enum mxtls_status mxtls_decide_once(const struct mxtls_config *cfg,
    struct mxtls_cache *cache, const char *domain, unsigned flags,
    unsigned deadline_ms, mxtls_decision_cb *cb, void *arg,
    struct mxtls_why *why);

#endif /* MXTLS_DECIDE_ONCE_H */
