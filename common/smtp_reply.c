/*
 * NAME
 *	smtp_reply - parse one SMTP reply from an untrusted server
 * SYNOPSIS
 *	#include "smtp_reply.h"
 *
 *	enum mxtls_status
 *	mxtls_smtp_reply_parse(struct mxtls_smtp_reply *r, const char *buf,
 *	    size_t len, size_t *used, struct mxtls_why *why)
 * DESCRIPTION
 *	mxtls_smtp_reply_parse() looks at the len bytes received so far
 *	(borrowed, not NUL-terminated) and reads one reply (RFC 5321 4.2):
 *
 *	    Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *	                 Reply-code [ SP textstring ] CRLF
 *
 *	Every line starts with the same three-digit code, 200 to 599 (a 1yz
 *	reply is not used in SMTP, 4.2.1). A bare LF ends a line too (2.3.8
 *	asks for CRLF; clients commonly tolerate LF); a CR just before the LF
 *	is not part of the text. A line may hold at most MXTLS_SMTP_LINE_MAX
 *	bytes with its line end (4.5.3.1.5), the whole reply at most
 *	MXTLS_SMTP_REPLY_MAX, and a NUL byte is never accepted.
 *
 *	Bytes are judged as they arrive: a bad code, a missing separator or
 *	a NUL fails at once, without waiting for the end of the line, so that
 *	a prefix of a reply that can still become valid is always
 *	MXTLS_NOTFOUND and an error stays an error when more bytes come.
 *	Nothing after the last line is looked at.
 *
 *	r->starttls is set when the reply is a 250 reply with a line after
 *	the first whose text is the EHLO keyword STARTTLS (RFC 3207 4),
 *	compared case-insensitively (RFC 5321 4.1.1.1), alone or followed by
 *	a space and parameters: the first line of an EHLO reply is the
 *	greeting, not a keyword, and "STARTTLSX" is another keyword.
 *	r->text is the text of the first line, sanitized (mxtls_sanitize())
 *	and cut to fit. *r is owned by the caller; nothing points into buf.
 * DIAGNOSTICS
 *	MXTLS_OK with *r filled and *used set to the bytes of the reply;
 *	MXTLS_NOTFOUND when more bytes are needed; MXTLS_PERMFAIL with the
 *	reason in why (which may be NULL) when the bytes cannot be a reply.
 *	On anything but MXTLS_OK, *r is zeroed and *used is 0. Never logs.
 * SEE ALSO
 *	RFC 5321 2.3.8, 4.1.1.1, 4.2, 4.5.3.1.5; RFC 3207 4
 */
#include "smtp_reply.h"

#include <string.h>

#define REPLY_CODE_LEN		3
#define REPLY_EHLO_OK		250
#define REPLY_STARTTLS		"STARTTLS"
#define REPLY_STARTTLS_LEN	(sizeof(REPLY_STARTTLS) - 1)

/* One line, as offsets into the reply. */
struct reply_line {
	size_t	clen;		/* bytes before CRLF or LF */
	size_t	next;		/* offset just after the LF */
	int	last;		/* "DDD" or "DDD text": the final line */
};

/* reply_code_char - 1 when ch may be at position k of a reply code */

static int
reply_code_char(size_t k, char ch)
{
	if (k == 0)
		return ch >= '2' && ch <= '5';
	return ch >= '0' && ch <= '9';
}

/*
 * reply_head - judge the first n bytes known of a line at p: the code,
 * the same code as the first line (first, or NULL on the first line), and
 * the byte after it. complete: the line ends after those n bytes.
 */

static enum mxtls_status
reply_head(const char *p, size_t n, int complete, const char *first,
    size_t lineno, struct mxtls_why *why)
{
	char q[4 * REPLY_CODE_LEN];
	size_t k;

	for (k = 0; k < REPLY_CODE_LEN && k < n; k++)
		if (!reply_code_char(k, p[k]))
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "line %zu does not start with a reply code from "
			    "200 to 599: \"%s\" (RFC 5321 4.2)", lineno,
			    mxtls_sanitize(q, sizeof(q), p,
			    n < REPLY_CODE_LEN ? n : REPLY_CODE_LEN));
	if (complete && n < REPLY_CODE_LEN)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu ends before its 3-digit reply code "
		    "(RFC 5321 4.2)", lineno);
	if (first != NULL && memcmp(p, first, k) != 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu has reply code %s, not %.3s as line 1 "
		    "(RFC 5321 4.2.1)", lineno,
		    mxtls_sanitize(q, sizeof(q), p, k), first);
	if (n > REPLY_CODE_LEN && p[REPLY_CODE_LEN] != ' ' &&
	    p[REPLY_CODE_LEN] != '-')
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu: the reply code is followed by neither a "
		    "space nor a hyphen (RFC 5321 4.2)", lineno);
	return MXTLS_OK;
}

/*
 * reply_line - find and judge the line at buf[off..len); off is also the
 * size of the lines before it, for the reply bound.
 */

static enum mxtls_status
reply_line(const char *buf, size_t len, size_t off, const char *first,
    size_t lineno, struct reply_line *ln, struct mxtls_why *why)
{
	const char *p = buf + off;
	size_t i, avail = len - off, n;
	enum mxtls_status rv;

	for (i = 0; i < avail && i < MXTLS_SMTP_LINE_MAX; i++) {
		if (p[i] == '\0')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "NUL byte in line %zu at offset %zu of the reply",
			    lineno, off + i);
		if (p[i] == '\n')
			break;
	}
	if (i < avail && i < MXTLS_SMTP_LINE_MAX) {	/* p[i] is the LF */
		n = i > 0 && p[i - 1] == '\r' ? i - 1 : i;
		if ((rv = reply_head(p, n, 1, first, lineno, why)) != MXTLS_OK)
			return rv;
		if (MXTLS_SMTP_REPLY_MAX - off < i + 1)
			goto toobig;
		ln->clen = n;
		ln->next = off + i + 1;
		ln->last = n == REPLY_CODE_LEN || p[REPLY_CODE_LEN] == ' ';
		return MXTLS_OK;
	}
	/* no LF yet; a last CR may be the start of a CRLF */
	n = i > 0 && p[i - 1] == '\r' ? i - 1 : i;
	if ((rv = reply_head(p, n, 0, first, lineno, why)) != MXTLS_OK)
		return rv;
	if (i >= MXTLS_SMTP_LINE_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "line %zu is longer than %d bytes (RFC 5321 4.5.3.1.5)",
		    lineno, MXTLS_SMTP_LINE_MAX);
	if (MXTLS_SMTP_REPLY_MAX - off <= avail)	/* the LF won't fit */
		goto toobig;
	return MXTLS_NOTFOUND;
toobig:
	return mxtls_why_set(why, MXTLS_PERMFAIL,
	    "reply is longer than %d bytes", MXTLS_SMTP_REPLY_MAX);
}

/* reply_is_starttls - 1 when the text t (n bytes) is the STARTTLS keyword */

static int
reply_is_starttls(const char *t, size_t n)
{
	size_t k;
	char ch;

	if (n < REPLY_STARTTLS_LEN)
		return 0;
	for (k = 0; k < REPLY_STARTTLS_LEN; k++) {
		ch = t[k];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (ch != REPLY_STARTTLS[k])
			return 0;
	}
	return n == REPLY_STARTTLS_LEN || t[REPLY_STARTTLS_LEN] == ' ';
}

/* reply_fail - *r zeroed, *used 0, the status passed on */

static enum mxtls_status
reply_fail(struct mxtls_smtp_reply *r, size_t *used, enum mxtls_status rv)
{
	memset(r, 0, sizeof(*r));
	*used = 0;
	return rv;
}

enum mxtls_status
mxtls_smtp_reply_parse(struct mxtls_smtp_reply *r, const char *buf,
    size_t len, size_t *used, struct mxtls_why *why)
{
	struct reply_line ln = {0, 0, 0};
	const char *p, *first = NULL;
	size_t off = 0;
	enum mxtls_status rv;

	if (r == NULL || used == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "SMTP reply: nowhere to put it (internal error)");
	memset(r, 0, sizeof(*r));
	*used = 0;
	if (buf == NULL || len == 0)
		return MXTLS_NOTFOUND;
	do {
		rv = reply_line(buf, len, off, first, r->nlines + 1, &ln,
		    why);
		if (rv != MXTLS_OK)
			return reply_fail(r, used, rv);
		p = buf + off;
		if (first == NULL) {
			first = p;
			r->code = (p[0] - '0') * 100 + (p[1] - '0') * 10 +
			    (p[2] - '0');
			if (ln.clen > REPLY_CODE_LEN + 1)
				(void)mxtls_sanitize(r->text, sizeof(r->text),
				    p + REPLY_CODE_LEN + 1,
				    ln.clen - REPLY_CODE_LEN - 1);
		} else if (r->code == REPLY_EHLO_OK &&
		    ln.clen > REPLY_CODE_LEN + 1 &&
		    reply_is_starttls(p + REPLY_CODE_LEN + 1,
		    ln.clen - REPLY_CODE_LEN - 1))
			r->starttls = 1;
		r->nlines++;
		off = ln.next;
	} while (!ln.last);
	*used = off;
	return MXTLS_OK;
}
