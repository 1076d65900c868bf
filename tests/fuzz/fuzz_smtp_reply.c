/*
 * NAME
 *	fuzz_smtp_reply - libFuzzer target for the SMTP reply parser
 * DESCRIPTION
 *	The whole input goes through mxtls_smtp_reply_parse(). Aborts when
 *	an invariant breaks: on MXTLS_OK, 0 < used <= len, used is at most
 *	MXTLS_SMTP_REPLY_MAX, the reply ends in LF, the code is 200..599,
 *	there is a line, the text is printable and NUL-terminated, parsing
 *	buf[0..used) alone gives the same result and buf[0..used-1) needs
 *	more bytes; on MXTLS_NOTFOUND, a shorter prefix needs more bytes
 *	too; on MXTLS_PERMFAIL there is a reason and one more byte does not
 *	help. Anything but MXTLS_OK leaves *r zeroed and used 0.
 * SEE ALSO
 *	RFC 5321 4.2, common/smtp_reply.c
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_reply.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char more[MXTLS_SMTP_REPLY_MAX + 2];

static void
check_zero(const struct mxtls_smtp_reply *r, size_t used)
{
	if (used != 0 || r->code != 0 || r->nlines != 0 || r->starttls != 0 ||
	    r->text[0] != '\0')
		abort();
}

static void
check_ok(const char *buf, const struct mxtls_smtp_reply *r, size_t used)
{
	struct mxtls_smtp_reply r2;
	struct mxtls_why why;
	size_t used2 = 99, i;

	if (used == 0 || used > MXTLS_SMTP_REPLY_MAX || buf[used - 1] != '\n'
	    || r->code < 200 || r->code > 599 || r->nlines == 0 ||
	    (r->starttls != 0 && r->starttls != 1) ||
	    memchr(r->text, '\0', sizeof(r->text)) == NULL)
		abort();
	for (i = 0; r->text[i] != '\0'; i++)
		if (r->text[i] < 0x20 || r->text[i] > 0x7e)
			abort();
	if (memchr(buf, '\0', used) != NULL)
		abort();
	if (mxtls_smtp_reply_parse(&r2, buf, used, &used2, &why) != MXTLS_OK ||
	    used2 != used || memcmp(&r2, r, sizeof(r2)) != 0)
		abort();
	if (mxtls_smtp_reply_parse(&r2, buf, used - 1, &used2, &why) !=
	    MXTLS_NOTFOUND)
		abort();
	check_zero(&r2, used2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct mxtls_smtp_reply r;
	struct mxtls_why why;
	enum mxtls_status rv;
	size_t used = 99, used2 = 99;

	memset(&r, 0x55, sizeof(r));
	why.text[0] = '\0';
	rv = mxtls_smtp_reply_parse(&r, buf, size, &used, &why);
	switch (rv) {
	case MXTLS_OK:
		if (used > size)
			abort();
		check_ok(buf, &r, used);
		break;
	case MXTLS_NOTFOUND:
		check_zero(&r, used);
		if (size >= MXTLS_SMTP_REPLY_MAX)
			abort();
		if (size > 0 && mxtls_smtp_reply_parse(&r, buf, size / 2,
		    &used2, &why) != MXTLS_NOTFOUND)
			abort();
		break;
	case MXTLS_PERMFAIL:
		check_zero(&r, used);
		if (why.text[0] == '\0')
			abort();
		/* an error stays an error when more bytes come */
		if (size <= MXTLS_SMTP_REPLY_MAX) {
			memcpy(more, buf, size);
			more[size] = '\n';
			if (mxtls_smtp_reply_parse(&r, more, size + 1, &used2,
			    &why) != MXTLS_PERMFAIL)
				abort();
		}
		break;
	default:
		abort();
	}
	return 0;
}
