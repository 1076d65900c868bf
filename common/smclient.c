/*
 * NAME
 *	smclient - one socketmap request to mxtlsd, with a deadline
 * SYNOPSIS
 *	#include "smclient.h"
 * DESCRIPTION
 *	A non-blocking socket and poll() for every step (connect, send,
 *	receive), each bounded by the same absolute deadline; the reply is
 *	read until one complete netstring has arrived, so a peer that trickles
 *	bytes cannot hold the caller past the deadline. The reply is
 *	untrusted: mxtls_netstring_parse() bounds it.
 * DIAGNOSTICS
 *	-1 with errno; never logs.
 */
#include "smclient.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bounds.h"
#include "netstring.h"

#define SMC_REQ_MAX	(MXTLS_DOMAIN_MAX + 64)

void
mxtls_deadline_in(struct timespec *deadline, unsigned ms)
{
	(void)clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += (time_t)(ms / 1000);
	deadline->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

int
mxtls_deadline_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms > 0 ? (int)ms : 0;
}

/* smc_wait - poll fd for events until the deadline; 0 ready, -1 not */

static int
smc_wait(int fd, short events, const struct timespec *deadline)
{
	struct pollfd pfd = { fd, events, 0 };
	int r;

	do
		r = poll(&pfd, 1, mxtls_deadline_left(deadline));
	while (r == -1 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r == 1 ? 0 : -1;
}

/* smc_connect - a connected non-blocking socket to ep, or -1 */

static int
smc_connect(const struct mxtls_endpoint *ep, const struct timespec *dl)
{
	socklen_t len = sizeof(int);
	int fd, err = 0;

	if ((fd = socket(ep->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)&ep->ss, ep->sslen) == 0)
		return fd;
	if (errno == EINPROGRESS && smc_wait(fd, POLLOUT, dl) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0) {
		if (err == 0)
			return fd;
		errno = err;
	}
	err = errno;
	(void)close(fd);
	errno = err;
	return -1;
}

/* smc_exchange - send req (len bytes), read one netstring reply */

static int
smc_exchange(int fd, const char *req, size_t len, char *buf, size_t bufsz,
    const char **data, size_t *dlen, const struct timespec *dl)
{
	struct mxtls_why why;
	size_t off = 0, have = 0, used;
	ssize_t n;

	while (off < len) {
		if (smc_wait(fd, POLLOUT, dl) != 0)
			return -1;
		if ((n = send(fd, req + off, len - off, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		off += (size_t)n;
	}
	for (;;) {
		switch (mxtls_netstring_parse(buf, have, bufsz - 16, data,
		    dlen, &used, &why)) {
		case MXTLS_OK:
			return 0;
		case MXTLS_NOTFOUND:
			break;
		default:
			errno = EPROTO;
			return -1;
		}
		if (have == bufsz) {
			errno = EPROTO;
			return -1;
		}
		if (smc_wait(fd, POLLIN, dl) != 0)
			return -1;
		n = recv(fd, buf + have, bufsz - have, 0);
		if (n <= 0) {
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		have += (size_t)n;
	}
}

int
mxtls_smclient_ask(const struct mxtls_endpoint *ep, const char *map,
    const char *key, const struct timespec *deadline, char *buf,
    size_t bufsz, const char **data, size_t *dlen)
{
	char req[SMC_REQ_MAX], ns[SMC_REQ_MAX + 16];
	size_t n;
	int fd, rc, err;
	int len;

	if (bufsz <= 16 || strchr(map, ' ') != NULL ||
	    strchr(key, ' ') != NULL ||
	    (len = snprintf(req, sizeof(req), "%s %s", map, key)) < 0 ||
	    (size_t)len >= sizeof(req) ||
	    (n = mxtls_netstring_encode(req, (size_t)len, ns, sizeof(ns))) ==
	    0) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = smc_connect(ep, deadline)) == -1)
		return -1;
	rc = smc_exchange(fd, ns, n, buf, bufsz, data, dlen, deadline);
	err = errno;
	(void)close(fd);
	errno = err;
	return rc;
}
