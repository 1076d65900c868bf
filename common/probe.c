/*
 * NAME
 *	probe - connect to one MX host over SMTP STARTTLS and verify it as a
 *	sender would (RFC 7672 2.2, 3; RFC 8461 4.2; RFC 3207)
 * SYNOPSIS
 *	#include "probe.h"
 *
 *	enum mxtls_status
 *	mxtls_probe_host(const struct mxtls_probe_req *req,
 *	    struct mxtls_probe_result *res, struct mxtls_why *why);
 * DESCRIPTION
 *	mxtls_probe_host() tries the addresses of req->host in order until one
 *	accepts a TCP connection, then reads the banner, sends EHLO, STARTTLS,
 *	performs the TLS handshake (TLS 1.2 or later, with SNI), sends EHLO
 *	again and QUIT. The socket is non-blocking and every stage waits with
 *	poll() for at most req->timeout seconds, so a silent or slow server
 *	cannot hold the probe longer than that per stage.
 *
 *	What is verified depends on req->mode:
 *	MXTLS_PROBE_DANE	OpenSSL's DANE verifier with every usable
 *				record of req->host->tlsa; SNI and the primary
 *				reference identifier are the TLSA base domain;
 *				the MX host and, for a secure MX RRset, the
 *				next-hop domain are added (RFC 7672 3.2.2).
 *				DANE-EE names and dates are not checked
 *				(3.1.1).
 *	MXTLS_PROBE_STS		PKIX against req->ca_file or the system store,
 *				DNS-ID of the MX host name only, and the host
 *				against the policy's mx patterns (RFC 8461 4).
 *	MXTLS_PROBE_ENCRYPT	TLS is required, nothing is authenticated.
 *	MXTLS_PROBE_OPPORTUNISTIC nothing is required; the probe reports.
 *
 *	A host outside the MTA-STS policy is still connected to (to show its
 *	certificate), but fails as mx-not-in-policy whatever TLS shows.
 *
 *	Certificate errors do not abort the handshake: the verify callback
 *	records the first error and lets the handshake finish, so that the
 *	chain, version and cipher can be shown; the verdict is then taken
 *	from that first error exactly as a sender stopping at it would.
 *	No mail is ever sent.
 *
 *	Certificates and replies are untrusted: everything copied into *res
 *	is sanitized and bounded.
 * DIAGNOSTICS
 *	MXTLS_OK when the probe ran (res->pass, res->type and res->detail
 *	hold the verdict; timeouts and refused connections are verdicts with
 *	MXTLS_RT_NONE). MXTLS_TEMPFAIL when the host has no address or a CA
 *	file cannot be loaded, MXTLS_PERMFAIL for a request without what its
 *	mode needs, MXTLS_ENOMEM; why says which. Never logs.
 * BUGS
 *	OpenSSL writes to the socket with write(2): callers must ignore
 *	SIGPIPE (the mxtls tool does).
 * SEE ALSO
 *	shared/spec/dane-smtp.md sections 2, 4, 5; shared/spec/mta-sts.md
 *	sections 6, 11; SSL_CTX_dane_enable(3)
 */
#include "probe.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "smtp_reply.h"
#include "sts_match.h"

enum io_status {
	IO_OK = 0,
	IO_TIMEOUT,		/* the stage's time ran out */
	IO_CLOSED,		/* the server closed the connection */
	IO_ERROR,		/* socket or TLS error; text in io->err */
	IO_BADREPLY		/* bytes that are not an SMTP reply */
};

/* One connection: the socket, the TLS state once started, input bytes. */
struct probe_io {
	int	fd;
	SSL    *ssl;		/* NULL before STARTTLS */
	unsigned timeout;	/* seconds per stage */
	int64_t	deadline;	/* of the current stage, monotonic ms */
	size_t	len;
	char	buf[MXTLS_SMTP_REPLY_MAX];
	char	err[MXTLS_DETAIL_MAX];
};

/* The first certificate error seen by the verify callback. */
struct probe_verify {
	int	err;		/* X509_V_OK when none */
	int	depth;
};

static const char *const mode_names[] = {
	[MXTLS_PROBE_OPPORTUNISTIC] = "opportunistic",
	[MXTLS_PROBE_DANE] = "dane",
	[MXTLS_PROBE_ENCRYPT] = "encrypt",
	[MXTLS_PROBE_STS] = "sts",
};

const char *
mxtls_probe_mode_name(enum mxtls_probe_mode mode)
{
	if ((size_t)mode >= sizeof(mode_names) / sizeof(mode_names[0]))
		return "unknown";
	return mode_names[mode];
}

/* probe_now - monotonic milliseconds */

static int64_t
probe_now(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
probe_stage(struct probe_io *io)
{
	io->deadline = probe_now() + (int64_t)io->timeout * 1000;
}

/* probe_fail - the verdict is a failure of type, for the reason given */

static void
probe_fail(struct mxtls_probe_result *res, enum mxtls_result_type type,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
probe_fail(struct mxtls_probe_result *res, enum mxtls_result_type type,
    const char *fmt, ...)
{
	va_list ap;

	res->pass = 0;
	res->type = type;
	va_start(ap, fmt);
	(void)vsnprintf(res->detail, sizeof(res->detail), fmt, ap);
	va_end(ap);
}

/* probe_ssl_errors - drain OpenSSL's error queue into out, "" if empty */

static char *
probe_ssl_errors(char *out, size_t outsz)
{
	unsigned long e;
	char one[160];
	size_t n = 0;

	out[0] = '\0';
	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, one, sizeof(one));
		if (n < outsz)
			n += (size_t)snprintf(out + n, outsz - n, "%s%s",
			    n ? "; " : "", one);
	}
	return out;
}

/*
 * probe_wait - wait until fd is ready for events or the stage deadline
 * passes. IO_OK, IO_TIMEOUT, or IO_ERROR with the reason in io->err.
 */

static enum io_status
probe_wait(struct probe_io *io, short events)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	for (;;) {
		if ((left = io->deadline - probe_now()) <= 0)
			return IO_TIMEOUT;
		pfd.fd = io->fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return IO_OK;	/* errors and hangups surface in I/O */
		if (n < 0 && errno != EINTR) {
			(void)snprintf(io->err, sizeof(io->err), "poll: %s",
			    strerror(errno));
			return IO_ERROR;
		}
	}
}

/* probe_ssl_retry - after an SSL call returned r: wait and retry, or not */

static enum io_status
probe_ssl_retry(struct probe_io *io, int r, int *again)
{
	char q[MXTLS_DETAIL_MAX];

	*again = 0;
	switch (SSL_get_error(io->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*again = 1;
		return probe_wait(io, POLLIN);
	case SSL_ERROR_WANT_WRITE:
		*again = 1;
		return probe_wait(io, POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		return IO_CLOSED;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0) {
			if (r == 0 || errno == 0 || errno == ECONNRESET ||
			    errno == EPIPE)
				return IO_CLOSED;
			(void)snprintf(io->err, sizeof(io->err), "%s",
			    strerror(errno));
			return IO_ERROR;
		}
		/* FALLTHROUGH */
	default:
		(void)snprintf(io->err, sizeof(io->err), "%s",
		    probe_ssl_errors(q, sizeof(q)));
		if (io->err[0] == '\0')
			mxtls_strlcpy(io->err, "TLS error", sizeof(io->err));
		return IO_ERROR;
	}
}

/* probe_fill - read more bytes into io->buf before the stage deadline */

static enum io_status
probe_fill(struct probe_io *io)
{
	enum io_status st;
	ssize_t n;
	int r, again;

	for (;;) {
		if (io->ssl != NULL) {
			ERR_clear_error();
			r = SSL_read(io->ssl, io->buf + io->len,
			    (int)(sizeof(io->buf) - io->len));
			if (r > 0) {
				io->len += (size_t)r;
				return IO_OK;
			}
			if ((st = probe_ssl_retry(io, r, &again)) != IO_OK ||
			    !again)
				return st == IO_OK ? IO_ERROR : st;
			continue;
		}
		n = recv(io->fd, io->buf + io->len, sizeof(io->buf) - io->len,
		    0);
		if (n > 0) {
			io->len += (size_t)n;
			return IO_OK;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return IO_CLOSED;
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			(void)snprintf(io->err, sizeof(io->err), "%s",
			    strerror(errno));
			return IO_ERROR;
		}
		if ((st = probe_wait(io, POLLIN)) != IO_OK)
			return st;
	}
}

/* probe_send - write all of s before the stage deadline */

static enum io_status
probe_send(struct probe_io *io, const char *s)
{
	size_t off = 0, len = strlen(s);
	enum io_status st;
	ssize_t n;
	int r, again;

	while (off < len) {
		if (io->ssl != NULL) {
			ERR_clear_error();
			r = SSL_write(io->ssl, s + off, (int)(len - off));
			if (r > 0) {
				off += (size_t)r;
				continue;
			}
			if ((st = probe_ssl_retry(io, r, &again)) != IO_OK ||
			    !again)
				return st == IO_OK ? IO_ERROR : st;
			continue;
		}
		n = send(io->fd, s + off, len - off, MSG_NOSIGNAL);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EPIPE)
			return IO_CLOSED;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR) {
			(void)snprintf(io->err, sizeof(io->err), "%s",
			    strerror(errno));
			return IO_ERROR;
		}
		if ((st = probe_wait(io, POLLOUT)) != IO_OK)
			return st;
	}
	return IO_OK;
}

/* probe_reply - read one complete reply before the stage deadline */

static enum io_status
probe_reply(struct probe_io *io, struct mxtls_smtp_reply *r)
{
	struct mxtls_why why;
	enum mxtls_status st;
	enum io_status ist;
	size_t used;

	for (;;) {
		mxtls_why_clear(&why);
		st = mxtls_smtp_reply_parse(r, io->buf, io->len, &used, &why);
		if (st == MXTLS_OK && used <= io->len) {
			memmove(io->buf, io->buf + used, io->len - used);
			io->len -= used;
			return IO_OK;
		}
		if (st != MXTLS_NOTFOUND || io->len == sizeof(io->buf)) {
			mxtls_strlcpy(io->err, why.text[0] ? why.text :
			    "reply too long", sizeof(io->err));
			return IO_BADREPLY;
		}
		if ((ist = probe_fill(io)) != IO_OK)
			return ist;
	}
}

/* probe_command - send cmd (NULL: none, read the banner), read the reply */

static enum io_status
probe_command(struct probe_io *io, const char *cmd,
    struct mxtls_smtp_reply *r)
{
	enum io_status st;

	probe_stage(io);
	memset(r, 0, sizeof(*r));
	if (cmd != NULL && (st = probe_send(io, cmd)) != IO_OK)
		return st;
	return probe_reply(io, r);
}

/* probe_io_fail - turn an I/O outcome at stage into the verdict */

static void
probe_io_fail(struct mxtls_probe_result *res, const struct probe_io *io,
    enum io_status st, const char *stage)
{
	switch (st) {
	case IO_TIMEOUT:
		probe_fail(res, MXTLS_RT_NONE, "no %s within %u s", stage,
		    io->timeout);
		break;
	case IO_CLOSED:
		probe_fail(res, MXTLS_RT_NONE, "the server closed the "
		    "connection while the probe waited for the %s", stage);
		break;
	case IO_BADREPLY:
		probe_fail(res, MXTLS_RT_NONE, "the %s is not an SMTP reply "
		    "(RFC 5321 4.2): %s", stage, io->err);
		break;
	default:
		probe_fail(res, MXTLS_RT_NONE, "error while waiting for the "
		    "%s: %s", stage, io->err);
		break;
	}
}

/* probe_connect_one - TCP connection to addr within the timeout; -1 on
 * failure with the reason in err */

static int
probe_connect_one(const char *addr, unsigned port, unsigned timeout,
    char *err, size_t errsz)
{
	struct addrinfo hints, *ai = NULL;
	struct probe_io tmp;
	enum io_status st;
	char serv[8];
	socklen_t sl;
	int fd = -1, e, soerr = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	(void)snprintf(serv, sizeof(serv), "%u", port);
	if ((e = getaddrinfo(addr, serv, &hints, &ai)) != 0) {
		(void)snprintf(err, errsz, "%s is not an address: %s", addr,
		    gai_strerror(e));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1 || (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    errno != EINPROGRESS)) {
		(void)snprintf(err, errsz, "%s port %u: %s", addr, port,
		    strerror(errno));
		goto fail;
	}
	memset(&tmp, 0, sizeof(tmp));
	tmp.fd = fd;
	tmp.timeout = timeout;
	probe_stage(&tmp);
	if ((st = probe_wait(&tmp, POLLOUT)) != IO_OK) {
		if (st == IO_TIMEOUT)
			(void)snprintf(err, errsz, "no TCP connection to %s "
			    "port %u within %u s", addr, port, timeout);
		else
			(void)snprintf(err, errsz, "%s port %u: %.150s",
			    addr, port, tmp.err);
		goto fail;
	}
	sl = sizeof(soerr);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == -1 ||
	    soerr != 0) {
		(void)snprintf(err, errsz, "%s port %u: %s", addr, port,
		    strerror(soerr ? soerr : errno));
		goto fail;
	}
	freeaddrinfo(ai);
	return fd;
fail:
	if (fd != -1)
		(void)close(fd);
	freeaddrinfo(ai);
	return -1;
}

/* probe_connect - the first address of the host that accepts */

static int
probe_connect(const struct mxtls_probe_req *req, struct probe_io *io,
    struct mxtls_probe_result *res)
{
	const struct mxtls_dane_host *h = req->host;
	char err[MXTLS_DETAIL_MAX] = "";
	size_t i;

	for (i = 0; i < h->naddrs && i < MXTLS_DNS_ADDRS_MAX; i++) {
		io->fd = probe_connect_one(h->addrs[i], req->port,
		    req->timeout, err, sizeof(err));
		if (io->fd != -1) {
			mxtls_sanitize(res->address, sizeof(res->address),
			    h->addrs[i], strnlen(h->addrs[i],
			    sizeof(h->addrs[i])));
			res->connected = 1;
			return 0;
		}
	}
	probe_fail(res, MXTLS_RT_NONE, "could not connect to any of %zu "
	    "address%s; last: %s", i, i == 1 ? "" : "es", err);
	return -1;
}

/* probe_verify_cb - record the first certificate error, go on (see the
 * DESCRIPTION: the verdict is taken from it after the handshake) */

static int
probe_verify_cb(int ok, X509_STORE_CTX *xs)
{
	SSL *ssl;
	struct probe_verify *v;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (v = SSL_get_app_data(ssl)) == NULL)
		return ok;
	if (!ok && v->err == X509_V_OK) {
		v->err = X509_STORE_CTX_get_error(xs);
		v->depth = X509_STORE_CTX_get_error_depth(xs);
		if (v->err == X509_V_OK)
			v->err = X509_V_ERR_UNSPECIFIED;
	}
	return 1;
}

/* probe_ctx_new - a client context for req->mode; NULL + why on failure */

static SSL_CTX *
probe_ctx_new(const struct mxtls_probe_req *req, struct mxtls_why *why)
{
	char q[MXTLS_DETAIL_MAX];
	SSL_CTX *ctx;
	int ok = 1;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		mxtls_why_set(why, MXTLS_ENOMEM, "cannot create a TLS context: "
		    "%s", probe_ssl_errors(q, sizeof(q)));
		return NULL;
	}
	/* RFC 8461 7.2, RFC 7671 3 (TLS 1.2 minimum is ours) */
	ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1;
	if (ok && req->mode == MXTLS_PROBE_DANE)
		ok = SSL_CTX_dane_enable(ctx) > 0;
	if (ok && req->mode == MXTLS_PROBE_STS) {
		if (req->ca_file != NULL && req->ca_file[0] != '\0')
			ok = SSL_CTX_load_verify_locations(ctx, req->ca_file,
			    NULL) == 1;
		else
			ok = SSL_CTX_set_default_verify_paths(ctx) == 1;
	}
	if (!ok) {
		mxtls_why_set(why, MXTLS_TEMPFAIL, "cannot set up TLS for "
		    "the %s mode%s%s: %s", mxtls_probe_mode_name(req->mode),
		    req->mode == MXTLS_PROBE_STS ? " (CA file " : "",
		    req->mode == MXTLS_PROBE_STS ? (req->ca_file &&
		    req->ca_file[0] ? req->ca_file : "system store)") : "",
		    probe_ssl_errors(q, sizeof(q)));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * probe_dane_setup - DANE on ssl (RFC 7672 3, spec section 4). Returns the
 * number of records OpenSSL accepted, or -1 on an internal error.
 */

static int
probe_dane_setup(const struct mxtls_probe_req *req, SSL *ssl)
{
	const struct mxtls_dane_host *h = req->host;
	const char *base = h->base[0] ? h->base : h->host;
	const struct mxtls_tlsa *t;
	size_t i;
	int added = 0, r;

	if (SSL_dane_enable(ssl, base) <= 0)
		return -1;
	/* 7672 3.2.1: DANE-EE names are not checked */
	(void)SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
	/* 7672 3.2.2: extra reference identifiers for DANE-TA */
	if (strcmp(h->host, base) != 0 && SSL_add1_host(ssl, h->host) != 1)
		return -1;
	if (req->mx_secure && req->domain != NULL && req->domain[0] &&
	    strcmp(req->domain, base) != 0 && strcmp(req->domain, h->host) &&
	    SSL_add1_host(ssl, req->domain) != 1)
		return -1;
	SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (i = 0; i < h->ntlsa && i < MXTLS_TLSA_RRS_MAX; i++) {
		t = &h->tlsa[i];
		/* 7672 3.1.3: PKIX-TA(0) and PKIX-EE(1) are unusable */
		if (!t->usable || t->usage < MXTLS_TLSA_USAGE_DANE_TA ||
		    t->len > MXTLS_TLSA_DATA_MAX)
			continue;
		r = SSL_dane_tlsa_add(ssl, t->usage, t->selector, t->mtype,
		    t->data, t->len);
		if (r < 0)
			return -1;
		if (r > 0)
			added++;
	}
	return added;
}

/* probe_ssl_new - the SSL object for req; NULL with the verdict or why */

static SSL *
probe_ssl_new(const struct mxtls_probe_req *req, SSL_CTX *ctx,
    struct probe_verify *v, struct mxtls_probe_result *res,
    struct mxtls_why *why)
{
	const struct mxtls_dane_host *h = req->host;
	const char *sni = h->host;
	char q[MXTLS_DETAIL_MAX];
	SSL *ssl;
	int ok, n = 0;

	if ((ssl = SSL_new(ctx)) == NULL)
		goto err;
	if (req->mode == MXTLS_PROBE_DANE && h->base[0])
		sni = h->base;	/* 7672 8.1: SNI is the TLSA base domain */
	ok = SSL_set_tlsext_host_name(ssl, sni) == 1 &&
	    SSL_set_app_data(ssl, v) == 1;
	if (ok && req->mode == MXTLS_PROBE_DANE)
		ok = (n = probe_dane_setup(req, ssl)) >= 0;
	if (ok && req->mode == MXTLS_PROBE_STS) {
		/* RFC 8461 4.2: a DNS-ID for the MX host; no CN fallback */
		ok = SSL_set1_host(ssl, h->host) == 1;
		SSL_set_hostflags(ssl, X509_CHECK_FLAG_NEVER_CHECK_SUBJECT |
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	}
	if (!ok)
		goto err;
	if (req->mode == MXTLS_PROBE_DANE && n == 0) {
		probe_fail(res, MXTLS_RT_TLSA_INVALID, "OpenSSL accepted none "
		    "of the %zu usable TLSA records of %s; not connecting",
		    h->nusable, sni);
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_verify(ssl, req->mode == MXTLS_PROBE_DANE ||
	    req->mode == MXTLS_PROBE_STS ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    probe_verify_cb);
	return ssl;
err:
	mxtls_why_set(why, MXTLS_ENOMEM, "cannot set up the TLS connection "
	    "to %s: %s", h->host, probe_ssl_errors(q, sizeof(q)));
	SSL_free(ssl);
	return NULL;
}

/* probe_handshake - non-blocking SSL_connect before the stage deadline */

static enum io_status
probe_handshake(struct probe_io *io)
{
	enum io_status st;
	int r, again;

	probe_stage(io);
	if (SSL_set_fd(io->ssl, io->fd) != 1) {
		mxtls_strlcpy(io->err, "SSL_set_fd failed", sizeof(io->err));
		return IO_ERROR;
	}
	for (;;) {
		ERR_clear_error();
		errno = 0;
		if ((r = SSL_connect(io->ssl)) == 1)
			return IO_OK;
		if ((st = probe_ssl_retry(io, r, &again)) != IO_OK)
			return st;
		if (!again)
			return IO_ERROR;
	}
}

/* probe_time - an ASN1_TIME as RFC 3339 and days from now */

static void
probe_time(const ASN1_TIME *t, char *out, size_t outsz, long *days)
{
	struct tm tm;
	int d = 0, s = 0;

	out[0] = '\0';
	*days = 0;
	if (t == NULL)
		return;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(t, &tm) == 1 &&
	    strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		out[0] = '\0';
	if (ASN1_TIME_diff(&d, &s, NULL, t) == 1)
		*days = d;
}

/* probe_name - an X509_NAME as sanitized RFC 2253 text */

static void
probe_name(const X509_NAME *name, char *out, size_t outsz)
{
	BIO *b;
	char *p;
	long n;

	out[0] = '\0';
	if (name == NULL || (b = BIO_new(BIO_s_mem())) == NULL)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0 &&
	    (n = BIO_get_mem_data(b, &p)) > 0)
		mxtls_sanitize(out, outsz, p, (size_t)n);
	BIO_free(b);
}

/* probe_sans - the DNS SANs, comma separated, cut with "..." */

static void
probe_sans(X509 *x, char *out, size_t outsz)
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	char one[MXTLS_DOMAIN_MAX + 1];
	size_t n = 0, l;
	int i;

	out[0] = '\0';
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL,
	    NULL)) == NULL)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != GEN_DNS || g->d.dNSName == NULL ||
		    ASN1_STRING_length(g->d.dNSName) < 0)
			continue;
		mxtls_sanitize(one, sizeof(one),
		    ASN1_STRING_get0_data(g->d.dNSName),
		    (size_t)ASN1_STRING_length(g->d.dNSName));
		l = strlen(one) + (n ? 1 : 0);
		if (outsz - n < l + 4) {
			mxtls_strlcpy(out + n, n ? ",..." : "...", outsz - n);
			break;
		}
		n += (size_t)snprintf(out + n, outsz - n, "%s%s", n ? "," : "",
		    one);
	}
	GENERAL_NAMES_free(gens);
}

/* probe_chain - fill res->chain from the certificates the server sent */

static void
probe_chain(SSL *ssl, struct mxtls_probe_result *res)
{
	STACK_OF(X509) *sk = SSL_get_peer_cert_chain(ssl);
	struct mxtls_probe_cert *c;
	X509 *x;
	int i;

	for (i = 0; sk != NULL && i < sk_X509_num(sk) &&
	    res->nchain < MXTLS_PROBE_CHAIN_MAX; i++) {
		if ((x = sk_X509_value(sk, i)) == NULL)
			continue;
		c = &res->chain[res->nchain++];
		probe_name(X509_get_subject_name(x), c->subject,
		    sizeof(c->subject));
		probe_name(X509_get_issuer_name(x), c->issuer,
		    sizeof(c->issuer));
		probe_sans(x, c->san, sizeof(c->san));
		probe_time(X509_get0_notAfter(x), c->not_after,
		    sizeof(c->not_after), &c->days_left);
	}
}

/* probe_hex - len bytes as lower-case hex, cut with "..." */

static void
probe_hex(const unsigned char *p, size_t len, char *out, size_t outsz)
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < len && o + 2 < outsz; i++) {
		out[o++] = hx[p[i] >> 4];
		out[o++] = hx[p[i] & 15];
	}
	if (i < len && o >= 3)
		o -= 3, out[o++] = '.', out[o++] = '.', out[o++] = '.';
	out[o] = '\0';
}

/* probe_leaf_key - "3 1 1 <hex>" of the leaf, to tell the operator what
 * a DANE-EE record for this certificate would be */

static void
probe_leaf_key(SSL *ssl, char *out, size_t outsz)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	X509 *leaf;
	int n;
	char hex[2 * 32 + 1];

	out[0] = '\0';
	if ((leaf = SSL_get0_peer_certificate(ssl)) == NULL ||
	    (n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der)) <= 0)
		return;
	if (EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1) {
		probe_hex(md, mdlen, hex, sizeof(hex));
		(void)snprintf(out, outsz, "3 1 1 %s", hex);
	}
	OPENSSL_free(der);
}

/* probe_cert_fail - the verdict for the first certificate error */

static void
probe_cert_fail(const struct mxtls_probe_req *req, SSL *ssl,
    const struct probe_verify *v, struct mxtls_probe_result *res)
{
	const struct mxtls_dane_host *h = req->host;
	const char *base = h->base[0] ? h->base : h->host;
	char key[80];

	switch (v->err) {
	case X509_V_ERR_DANE_NO_MATCH:
		probe_leaf_key(ssl, key, sizeof(key));
		probe_fail(res, MXTLS_RT_VALIDATION_FAILURE, "no TLSA record "
		    "matched the certificate chain (dane-no-match)%s%s",
		    key[0] ? "; the leaf key is " : "", key);
		break;
	case X509_V_ERR_HOSTNAME_MISMATCH:
		if (req->mode == MXTLS_PROBE_STS)
			probe_fail(res, MXTLS_RT_CERTIFICATE_HOST_MISMATCH,
			    "the certificate has no DNS name (SAN) matching "
			    "the MX host %s (RFC 8461 4.2)", h->host);
		else
			probe_fail(res, MXTLS_RT_CERTIFICATE_HOST_MISMATCH,
			    "the DANE-TA chain names none of %s%s%s%s%s "
			    "(RFC 7672 3.2.2)", base,
			    strcmp(h->host, base) ? ", " : "",
			    strcmp(h->host, base) ? h->host : "",
			    req->mx_secure && req->domain ? ", " : "",
			    req->mx_secure && req->domain ? req->domain : "");
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		probe_fail(res, MXTLS_RT_CERTIFICATE_EXPIRED, "the certificate "
		    "at depth %d has expired%s%s%s", v->depth,
		    v->depth == 0 && res->nchain ? " (not valid after " : "",
		    v->depth == 0 && res->nchain ? res->chain[0].not_after :
		    "", v->depth == 0 && res->nchain ? ")" : "");
		break;
	default:
		probe_fail(res, MXTLS_RT_CERTIFICATE_NOT_TRUSTED, "the "
		    "certificate at depth %d is not trusted: %s (X509 error "
		    "%d)", v->depth, X509_verify_cert_error_string(v->err),
		    v->err);
		break;
	}
}

/* probe_dane_match - record which TLSA record matched, at what depth */

static void
probe_dane_match(SSL *ssl, struct mxtls_probe_result *res)
{
	uint8_t u = 0, s = 0, m = 0;
	const unsigned char *data = NULL;
	size_t dlen = 0;
	char hex[140];
	int depth;

	depth = SSL_get0_dane_tlsa(ssl, &u, &s, &m, &data, &dlen);
	if (depth < 0 || data == NULL)
		return;
	res->tlsa_matched = 1;
	res->tlsa_depth = depth;
	probe_hex(data, dlen, hex, sizeof(hex));
	(void)snprintf(res->tlsa_match, sizeof(res->tlsa_match), "%u %u %u %s",
	    u, s, m, hex);
}

/* probe_usage_name - the name of usage digit c ("2" or "3") */

static const char *
probe_usage_name(char c)
{
	return c == '3' ? "DANE-EE" : c == '2' ? "DANE-TA" : "TLSA";
}

/* probe_verdict - after a completed handshake: what the mode requires */

static void
probe_verdict(const struct mxtls_probe_req *req, SSL *ssl,
    const struct probe_verify *first, struct mxtls_probe_result *res)
{
	struct probe_verify vv = *first, *v = &vv;
	const char *peer;

	if (v->err == X509_V_OK)	/* the callback missed nothing, but */
		v->err = (int)SSL_get_verify_result(ssl);
	res->pass = 1;
	if ((peer = SSL_get0_peername(ssl)) != NULL)
		mxtls_sanitize(res->peername, sizeof(res->peername), peer,
		    strlen(peer));
	switch (req->mode) {
	case MXTLS_PROBE_DANE:
		probe_dane_match(ssl, res);
		if (v->err != X509_V_OK)
			probe_cert_fail(req, ssl, v, res);
		else if (!res->tlsa_matched)
			probe_fail(res, MXTLS_RT_VALIDATION_FAILURE, "no TLSA "
			    "record matched the certificate chain");
		else
			(void)snprintf(res->detail, sizeof(res->detail), "DANE "
			    "authenticated: a %s record matched at depth %d",
			    probe_usage_name(res->tlsa_match[0]),
			    res->tlsa_depth);
		break;
	case MXTLS_PROBE_STS:
		if (v->err != X509_V_OK)
			probe_cert_fail(req, ssl, v, res);
		else
			mxtls_strlcpy(res->detail, "the certificate is trusted "
			    "and names the MX host", sizeof(res->detail));
		break;
	case MXTLS_PROBE_ENCRYPT:
		mxtls_strlcpy(res->detail, "TLS established; no "
		    "authentication is required because every TLSA record is "
		    "unusable (RFC 7672 2.2)", sizeof(res->detail));
		break;
	default:
		mxtls_strlcpy(res->detail, "TLS established; no policy "
		    "requires authentication", sizeof(res->detail));
		break;
	}
}

/* probe_no_tls - STARTTLS is missing or refused: why says how */

static void
probe_no_tls(const struct mxtls_probe_req *req,
    struct mxtls_probe_result *res, const char *why)
{
	switch (req->mode) {
	case MXTLS_PROBE_DANE:
	case MXTLS_PROBE_ENCRYPT:
		probe_fail(res, MXTLS_RT_STARTTLS_NOT_SUPPORTED, "%s, but the "
		    "host's secure TLSA records make TLS mandatory (RFC 7672 "
		    "2.2.3)", why);
		break;
	case MXTLS_PROBE_STS:
		probe_fail(res, MXTLS_RT_STARTTLS_NOT_SUPPORTED, "%s, but the "
		    "MTA-STS policy requires TLS (RFC 8461 4.2)", why);
		break;
	default:
		res->pass = 1;
		res->type = MXTLS_RT_NONE;
		(void)snprintf(res->detail, sizeof(res->detail), "%s: mail to "
		    "this host goes in clear (no policy requires TLS)", why);
		break;
	}
}

/* probe_tls_fail - the handshake did not complete */

static void
probe_tls_fail(const struct mxtls_probe_req *req, const struct probe_io *io,
    enum io_status st, struct mxtls_probe_result *res)
{
	char what[MXTLS_DETAIL_MAX];

	if (st == IO_TIMEOUT)
		(void)snprintf(what, sizeof(what), "no TLS handshake within "
		    "%u s", io->timeout);
	else if (st == IO_CLOSED)
		mxtls_strlcpy(what, "the server closed the connection during "
		    "the TLS handshake", sizeof(what));
	else
		(void)snprintf(what, sizeof(what), "the TLS handshake failed: "
		    "%.200s", io->err);
	if (req->mode == MXTLS_PROBE_OPPORTUNISTIC) {
		res->pass = 1;
		res->type = MXTLS_RT_NONE;
		(void)snprintf(res->detail, sizeof(res->detail), "%.190s; a "
		    "sender may retry in clear (no policy requires TLS)", what);
	} else if (st == IO_TIMEOUT)
		probe_fail(res, MXTLS_RT_NONE, "%s", what);
	else
		probe_fail(res, MXTLS_RT_VALIDATION_FAILURE, "%s", what);
}

/* probe_tls - STARTTLS accepted: handshake, verdict, EHLO again */

static void
probe_tls(const struct mxtls_probe_req *req, struct probe_io *io, SSL *ssl,
    const struct probe_verify *v, struct mxtls_probe_result *res)
{
	struct mxtls_smtp_reply r;
	enum io_status st;
	const char *cn;
	char cmd[MXTLS_DOMAIN_MAX + 16];

	io->len = 0;	/* RFC 3207 4.2: forget what came before TLS */
	io->ssl = ssl;
	st = probe_handshake(io);
	probe_chain(ssl, res);
	if (st != IO_OK) {
		io->ssl = NULL;
		probe_tls_fail(req, io, st, res);
		return;
	}
	res->tls_ok = 1;
	mxtls_strlcpy(res->tls_version, SSL_get_version(ssl),
	    sizeof(res->tls_version));
	if ((cn = SSL_get_cipher_name(ssl)) != NULL)
		mxtls_strlcpy(res->cipher, cn, sizeof(res->cipher));
	probe_verdict(req, ssl, v, res);
	(void)snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", req->helo);
	if ((st = probe_command(io, cmd, &r)) != IO_OK || r.code != 250) {
		if (res->pass)
			probe_fail(res, MXTLS_RT_NONE, "TLS is fine, but EHLO "
			    "after STARTTLS %s", st == IO_OK ? "was refused" :
			    st == IO_TIMEOUT ? "got no reply in time" :
			    "failed");
		return;
	}
	(void)probe_command(io, "QUIT\r\n", &r);
	(void)SSL_shutdown(ssl);
}

/* probe_session - banner, EHLO, STARTTLS, then TLS */

static void
probe_session(const struct mxtls_probe_req *req, struct probe_io *io,
    SSL *ssl, const struct probe_verify *v, struct mxtls_probe_result *res)
{
	struct mxtls_smtp_reply r;
	enum io_status st;
	char cmd[MXTLS_DOMAIN_MAX + 16], why[MXTLS_DETAIL_MAX];

	if ((st = probe_command(io, NULL, &r)) != IO_OK) {
		probe_io_fail(res, io, st, "banner");
		return;
	}
	(void)snprintf(res->banner, sizeof(res->banner), "%d %.100s", r.code,
	    r.text);
	if (r.code != 220) {
		probe_fail(res, MXTLS_RT_NONE, "the server refused the session "
		    "in its banner: %d %.100s", r.code, r.text);
		goto quit;
	}
	(void)snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", req->helo);
	if ((st = probe_command(io, cmd, &r)) != IO_OK) {
		probe_io_fail(res, io, st, "reply to EHLO");
		return;
	}
	res->starttls_offered = r.code == 250 && r.starttls;
	if (!res->starttls_offered) {
		if (r.code != 250)
			(void)snprintf(why, sizeof(why), "EHLO was refused "
			    "(%d %.100s), so STARTTLS is unavailable", r.code,
			    r.text);
		else
			mxtls_strlcpy(why, "STARTTLS is not offered",
			    sizeof(why));
		probe_no_tls(req, res, why);
		goto quit;
	}
	if ((st = probe_command(io, "STARTTLS\r\n", &r)) != IO_OK) {
		probe_io_fail(res, io, st, "reply to STARTTLS");
		return;
	}
	if (r.code != 220) {
		(void)snprintf(why, sizeof(why), "the server answered STARTTLS "
		    "with %d %.100s", r.code, r.text);
		probe_no_tls(req, res, why);
		goto quit;
	}
	probe_tls(req, io, ssl, v, res);
	return;
quit:
	(void)probe_command(io, "QUIT\r\n", &r);
}

/* probe_sts_policy - RFC 8461 4.1: the MX host must match a pattern */

static void
probe_sts_policy(const struct mxtls_probe_req *req,
    struct mxtls_probe_result *res)
{
	char prev[MXTLS_DETAIL_MAX];

	if (req->mode != MXTLS_PROBE_STS || res->mx_matches_policy)
		return;
	mxtls_strlcpy(prev, res->pass ? "" : res->detail, sizeof(prev));
	probe_fail(res, MXTLS_RT_VALIDATION_FAILURE, "mx-not-in-policy: %s "
	    "matches no mx pattern of the MTA-STS policy (RFC 8461 4.1)%s%s",
	    res->host, prev[0] ? "; also: " : "", prev);
}

/* probe_tls_new - context and connection objects; *ssl NULL with st OK
 * means the verdict is already in res (nothing to connect for) */

static enum mxtls_status
probe_tls_new(const struct mxtls_probe_req *req, SSL_CTX **ctx, SSL **ssl,
    struct probe_verify *v, struct mxtls_probe_result *res,
    struct mxtls_why *why)
{
	struct mxtls_why w;

	mxtls_why_clear(&w);
	*ssl = NULL;
	if ((*ctx = probe_ctx_new(req, &w)) == NULL ||
	    (*ssl = probe_ssl_new(req, *ctx, v, res, &w)) == NULL) {
		if (w.status == MXTLS_OK)
			return MXTLS_OK;
		return mxtls_why_set(why, w.status, "%s", w.text);
	}
	return MXTLS_OK;
}

enum mxtls_status
mxtls_probe_host(const struct mxtls_probe_req *req,
    struct mxtls_probe_result *res, struct mxtls_why *why)
{
	struct probe_verify v = { X509_V_OK, 0 };
	struct probe_io io;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	enum mxtls_status st;
	const char *h;

	memset(res, 0, sizeof(*res));
	if (req == NULL || req->host == NULL || req->helo == NULL ||
	    req->port == 0 || req->port > 65535 || req->timeout == 0 ||
	    (req->mode == MXTLS_PROBE_STS && req->sts == NULL))
		return mxtls_why_set(why, MXTLS_PERMFAIL, "probe request "
		    "without a host, EHLO name, port, timeout or (for the sts "
		    "mode) policy");
	res->mode = req->mode;
	h = req->host->host;
	mxtls_sanitize(res->host, sizeof(res->host), h,
	    strnlen(h, sizeof(req->host->host)));
	if (req->host->naddrs == 0)
		return mxtls_why_set(why, MXTLS_TEMPFAIL, "%s has no address "
		    "to connect to", res->host);
	if (req->mode == MXTLS_PROBE_STS)
		res->mx_matches_policy = mxtls_sts_policy_matches(req->sts, h,
		    strlen(h));
	if ((st = probe_tls_new(req, &ctx, &ssl, &v, res, why)) != MXTLS_OK ||
	    ssl == NULL)
		goto out;
	memset(&io, 0, sizeof(io));
	io.timeout = req->timeout;
	if (probe_connect(req, &io, res) == 0) {
		probe_session(req, &io, ssl, &v, res);
		(void)close(io.fd);
	}
	probe_sts_policy(req, res);
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	ERR_clear_error();
	return st;
}
