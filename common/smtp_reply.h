/*
 * NAME
 *	smtp_reply.h - parse one SMTP reply from an untrusted server
 *	(RFC 5321 4.2; STARTTLS keyword, RFC 3207)
 */
#ifndef MXTLS_SMTP_REPLY_H
#define MXTLS_SMTP_REPLY_H

#include "mxtls.h"

#define MXTLS_SMTP_REPLY_MAX	8192	/* bytes of one (multi-line) reply */
#define MXTLS_SMTP_LINE_MAX	1000	/* RFC 5321 4.5.3.1.5, with CRLF */

struct mxtls_smtp_reply {
	int	code;			/* 3 digits, 200..599 */
	size_t	nlines;
	int	starttls;		/* an EHLO keyword line "STARTTLS" */
	char	text[256];		/* first line's text, sanitized */
};

/*
 * mxtls_smtp_reply_parse - look at the len bytes received so far (buf, not
 * NUL-terminated). Returns MXTLS_OK when buf starts with one complete reply
 * (every line "DDD-text" CRLF up to a last line "DDD text" CRLF or "DDD"
 * CRLF, all with the same code): *r filled and *used = bytes consumed.
 * MXTLS_NOTFOUND when more bytes are needed. MXTLS_PERMFAIL with the reason
 * when the bytes cannot be a reply: a bad code, codes that differ between
 * lines, a line over MXTLS_SMTP_LINE_MAX, a reply over
 * MXTLS_SMTP_REPLY_MAX, or a NUL byte. A bare LF ends a line too (RFC 5321
 * 2.3.8 asks for CRLF; clients commonly tolerate LF).
 */
enum mxtls_status mxtls_smtp_reply_parse(struct mxtls_smtp_reply *r,
    const char *buf, size_t len, size_t *used, struct mxtls_why *why);

#endif /* MXTLS_SMTP_REPLY_H */
