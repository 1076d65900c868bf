/*
 * NAME
 *	smclient.h - one socketmap request to mxtlsd, with a deadline
 * DESCRIPTION
 *	The client side of the protocol milter/server.c speaks, for the
 *	programs that ask a running mxtlsd instead of resolving themselves:
 *	`mxtls query` (map "json") and the Exim plugin (map "exim"). Blocking
 *	with poll(), never past the caller's deadline, one connection per
 *	request.
 */
#ifndef MXTLS_SMCLIENT_H
#define MXTLS_SMCLIENT_H

#include <stddef.h>
#include <time.h>

#include "config.h"

/* mxtls_deadline_in - *deadline = CLOCK_MONOTONIC now + ms */
void	mxtls_deadline_in(struct timespec *deadline, unsigned ms);

/* mxtls_deadline_left - milliseconds until deadline, >= 0 */
int	mxtls_deadline_left(const struct timespec *deadline);

/*
 * mxtls_smclient_ask - send "MAP KEY" as a netstring to ep and read one
 * netstring reply of at most bufsz - 16 bytes into buf (caller's, size
 * bufsz); *data and *dlen point at the payload inside buf (borrowed).
 * Returns 0, or -1 with errno: ETIMEDOUT (deadline, CLOCK_MONOTONIC),
 * EPROTO (a malformed or oversized reply), EINVAL (key or map too long or
 * containing a space), or the connect/send/recv error (ENOENT,
 * ECONNREFUSED, ECONNRESET, ...).
 */
int	mxtls_smclient_ask(const struct mxtls_endpoint *ep, const char *map,
	    const char *key, const struct timespec *deadline, char *buf,
	    size_t bufsz, const char **data, size_t *dlen);

#endif /* MXTLS_SMCLIENT_H */
