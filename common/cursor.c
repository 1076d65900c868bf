/*
 * NAME
 *	cursor - bounded reads over untrusted bytes
 * SYNOPSIS
 *	#include "cursor.h"
 * DESCRIPTION
 *	See cursor.h. All length checks are written as "left < n" so that
 *	they cannot overflow.
 * DIAGNOSTICS
 *	Short reads set the sticky err flag; nothing is logged.
 */
#include "cursor.h"

#include <string.h>

void
mxtls_cursor_init(struct mxtls_cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->off = 0;
	c->err = 0;
}

size_t
mxtls_cursor_left(const struct mxtls_cursor *c)
{
	return c->err ? 0 : c->len - c->off;
}

int
mxtls_cursor_peek(const struct mxtls_cursor *c)
{
	if (mxtls_cursor_left(c) == 0)
		return -1;
	return c->p[c->off];
}

const unsigned char *
mxtls_cursor_bytes(struct mxtls_cursor *c, size_t n)
{
	const unsigned char *r;

	if (mxtls_cursor_left(c) < n) {
		c->err = 1;
		return NULL;
	}
	r = c->p + c->off;
	c->off += n;
	return r;
}

uint8_t
mxtls_cursor_u8(struct mxtls_cursor *c)
{
	const unsigned char *b = mxtls_cursor_bytes(c, 1);

	return b ? b[0] : 0;
}

uint16_t
mxtls_cursor_u16(struct mxtls_cursor *c)
{
	const unsigned char *b = mxtls_cursor_bytes(c, 2);

	return b ? (uint16_t)(b[0] << 8 | b[1]) : 0;
}

uint32_t
mxtls_cursor_u32(struct mxtls_cursor *c)
{
	const unsigned char *b = mxtls_cursor_bytes(c, 4);

	if (b == NULL)
		return 0;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | (uint32_t)b[3];
}

uint64_t
mxtls_cursor_u64(struct mxtls_cursor *c)
{
	uint64_t hi = mxtls_cursor_u32(c);

	return hi << 32 | mxtls_cursor_u32(c);
}

int
mxtls_cursor_str(struct mxtls_cursor *c, char *out, size_t outsz, size_t n)
{
	const unsigned char *b;

	if (outsz == 0 || n >= outsz) {
		c->err = 1;
		if (outsz)
			out[0] = '\0';
		return -1;
	}
	if ((b = mxtls_cursor_bytes(c, n)) == NULL) {
		out[0] = '\0';
		return -1;
	}
	memcpy(out, b, n);
	out[n] = '\0';
	return 0;
}
