/*
 * NAME
 *	cursor.h - a length-carrying cursor with a sticky error, for parsing
 *	untrusted bytes
 * DESCRIPTION
 *	A cursor never reads past len and never relies on NUL termination.
 *	Once err is set, every further read fails and returns zeros, so a
 *	parser can check once at the end.
 */
#ifndef MXTLS_CURSOR_H
#define MXTLS_CURSOR_H

#include <stddef.h>
#include <stdint.h>

struct mxtls_cursor {
	const unsigned char *p;	/* borrowed; not owned */
	size_t	len;
	size_t	off;
	int	err;		/* sticky: set by any short read */
};

void	mxtls_cursor_init(struct mxtls_cursor *c, const void *p, size_t len);
/* bytes left (0 once err is set) */
size_t	mxtls_cursor_left(const struct mxtls_cursor *c);
/* next byte without consuming it; -1 at the end or on error */
int	mxtls_cursor_peek(const struct mxtls_cursor *c);
uint8_t	mxtls_cursor_u8(struct mxtls_cursor *c);
uint16_t mxtls_cursor_u16(struct mxtls_cursor *c);	/* network order */
uint32_t mxtls_cursor_u32(struct mxtls_cursor *c);	/* network order */
uint64_t mxtls_cursor_u64(struct mxtls_cursor *c);	/* network order */
/* borrow n bytes; returns NULL (and sets err) when fewer are left */
const unsigned char *mxtls_cursor_bytes(struct mxtls_cursor *c, size_t n);
/* copy n bytes into out of size outsz plus a NUL; err if n >= outsz */
int	mxtls_cursor_str(struct mxtls_cursor *c, char *out, size_t outsz,
	    size_t n);

#endif /* MXTLS_CURSOR_H */
