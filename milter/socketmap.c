/*
 * NAME
 *	socketmap - the socketmap request and its lookup key
 * SYNOPSIS
 *	#include "socketmap.h"
 *
 *	enum mxtls_status
 *	mxtlsd_socketmap_split(const char *buf, size_t len, char *name,
 *	    size_t namesz, char *key, size_t keysz, struct mxtls_why *why)
 *
 *	enum mxtls_status
 *	mxtlsd_socketmap_key(const char *key, char *out, size_t outsz,
 *	    struct mxtls_why *why)
 * DESCRIPTION
 *	A socketmap request is the payload of one netstring: "<name> <key>"
 *	(Postfix socketmap_table(5); Sendmail's K ... socket map sends the
 *	same with its map name).
 *
 *	mxtlsd_socketmap_split() splits the len untrusted bytes of buf (not
 *	NUL-terminated) at the first space. The name is 1 to
 *	MXTLSD_MAPNAME_MAX bytes of letters, digits, '_', '.' and '-'; the
 *	key is the rest, 1 to MXTLS_DOMAIN_MAX + 16 printable ASCII bytes
 *	without spaces (a domain with brackets, a trailing dot and a port).
 *	Both are copied, NUL-terminated, into the caller's name and key.
 *
 *	mxtlsd_socketmap_key() turns a key as Postfix sends it for
 *	smtp_tls_policy_maps (postconf(5): the next-hop domain, "[host]",
 *	"[host]:port", "domain:port", and ".parent" forms when
 *	parent_domain_matches_subdomains applies) into the policy domain:
 *
 *	- a key that starts with '.' is a parent-domain probe: MTA-STS and
 *	  DANE policies belong to exact domains (RFC 8461 4.1 matches MX
 *	  names, never policy domains, by wildcard), so MXTLS_NOTFOUND;
 *	- "[...]" is unwrapped, and then an optional ":port" (1 to 5
 *	  digits, at most 65535) is dropped;
 *	- "domain:port" with exactly one ':' loses its port; a key with
 *	  two or more ':' is an IPv6 address;
 *	- address literals ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321
 *	  4.1.3) and bare IPv4 or IPv6 addresses have no policy (RFC 8461
 *	  1.1 "Policy Domain"): MXTLS_NOTFOUND;
 *	- what is left must be a host name; mxtls_domain_normalize()
 *	  lower-cases it and drops one trailing dot.
 * DIAGNOSTICS
 *	MXTLS_OK; MXTLS_NOTFOUND (key only) as above; MXTLS_PERMFAIL with
 *	the reason in why (which may be NULL). After a failure the outputs
 *	hold empty strings. Never logs.
 * SEE ALSO
 *	Postfix socketmap_table(5), postconf(5) smtp_tls_policy_maps;
 *	RFC 5321 4.1.3; RFC 8461 1.1, 4.1; common/domain.c
 */
#include "socketmap.h"

#include <string.h>

#include "domain.h"

#define SM_KEY_MAX	(MXTLS_DOMAIN_MAX + 16)
#define SM_PORT_DIGITS	5
#define SM_PORT_MAX	65535
#define SM_QUOTE_MAX	48
#define SM_IPV6_TAG	"ipv6:"
#define SM_IPV6_TAG_LEN	(sizeof(SM_IPV6_TAG) - 1)

/* sm_name_char - 1 when ch may be in a map name */

static int
sm_name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';
}

/* sm_copy - check buf[0..n) with ok() and copy it into out (size outsz) */

static enum mxtls_status
sm_copy(const char *what, const char *p, size_t n, size_t max,
    int (*ok)(unsigned char), char *out, size_t outsz, struct mxtls_why *why)
{
	char q[SM_QUOTE_MAX];
	size_t i;

	if (n == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap request has an empty %s", what);
	if (n > max)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap %s is longer than %zu bytes", what, max);
	for (i = 0; i < n; i++)
		if (!ok((unsigned char)p[i]))
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "socketmap %s \"%s\" has a bad byte at offset %zu",
			    what, mxtls_sanitize(q, sizeof(q), p,
			    n < sizeof(q) - 1 ? n : sizeof(q) - 1), i);
	if (outsz <= n)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap %s: no room (internal error)", what);
	memcpy(out, p, n);
	out[n] = '\0';
	return MXTLS_OK;
}

/* sm_key_char - 1 when ch may be in a key: printable ASCII, no space */

static int
sm_key_char(unsigned char ch)
{
	return ch > 0x20 && ch < 0x7f;
}

enum mxtls_status
mxtlsd_socketmap_split(const char *buf, size_t len, char *name,
    size_t namesz, char *key, size_t keysz, struct mxtls_why *why)
{
	const char *sp;
	enum mxtls_status rv;

	if (name == NULL || key == NULL || namesz == 0 || keysz == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap: nowhere to put the request (internal error)");
	name[0] = key[0] = '\0';
	if (buf == NULL || (sp = memchr(buf, ' ', len)) == NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap request is not \"<name> <key>\": no space");
	rv = sm_copy("map name", buf, (size_t)(sp - buf), MXTLSD_MAPNAME_MAX,
	    sm_name_char, name, namesz, why);
	if (rv == MXTLS_OK)
		rv = sm_copy("key", sp + 1, len - (size_t)(sp - buf) - 1,
		    SM_KEY_MAX, sm_key_char, key, keysz, why);
	if (rv != MXTLS_OK)
		name[0] = key[0] = '\0';
	return rv;
}

/* sm_is_ipv4 - 1 when p[0..n) is a dotted quad of decimal octets */

static int
sm_is_ipv4(const char *p, size_t n)
{
	size_t i, parts = 0, digits = 0;
	unsigned v = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && p[i] >= '0' && p[i] <= '9') {
			v = v * 10 + (unsigned)(p[i] - '0');
			if (++digits > 3 || v > 255)
				return 0;
			continue;
		}
		if (digits == 0 || (i < n && p[i] != '.'))
			return 0;
		parts++;
		digits = 0;
		v = 0;
	}
	return parts == 4;
}

/* sm_is_ipv6 - 1 when p[0..n) has only IPv6 address bytes, two ':' */

static int
sm_is_ipv6(const char *p, size_t n)
{
	size_t i, colons = 0;
	char ch;

	for (i = 0; i < n; i++) {
		ch = p[i];
		if (ch == ':')
			colons++;
		else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' &&
		    ch <= 'f') || (ch >= 'A' && ch <= 'F') || ch == '.'))
			return 0;
	}
	return colons >= 2;
}

/* sm_is_literal - 1 when the inside of "[...]" is an address */

static int
sm_is_literal(const char *p, size_t n)
{
	size_t i;

	if (n >= SM_IPV6_TAG_LEN) {
		for (i = 0; i < SM_IPV6_TAG_LEN; i++)
			if ((p[i] | 0x20) != SM_IPV6_TAG[i])
				break;
		if (i == SM_IPV6_TAG_LEN)
			return 1;	/* RFC 5321 4.1.3 IPv6 literal */
	}
	return sm_is_ipv4(p, n) || sm_is_ipv6(p, n);
}

/* sm_port - check that p[0..n) is a port number, 1 to 65535 */

static enum mxtls_status
sm_port(const char *key, const char *p, size_t n, struct mxtls_why *why)
{
	char q[SM_QUOTE_MAX];
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n && i < SM_PORT_DIGITS; i++) {
		if (p[i] < '0' || p[i] > '9')
			break;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (n == 0 || i != n || v == 0 || v > SM_PORT_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap key \"%s\" has a bad port", mxtls_sanitize(q,
		    sizeof(q), key, strnlen(key, sizeof(q) - 1)));
	return MXTLS_OK;
}

/*
 * sm_unwrap - find the host part of key (klen bytes): *host and *hlen.
 * MXTLS_NOTFOUND for address literals and bare addresses.
 */

static enum mxtls_status
sm_unwrap(const char *key, size_t klen, const char **host, size_t *hlen,
    struct mxtls_why *why)
{
	const char *end, *colon;
	char q[SM_QUOTE_MAX];

	if (key[0] == '[') {
		if ((end = memchr(key, ']', klen)) == NULL)
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "socketmap key \"%s\" has '[' without ']'",
			    mxtls_sanitize(q, sizeof(q), key,
			    klen < sizeof(q) - 1 ? klen : sizeof(q) - 1));
		*host = key + 1;
		*hlen = (size_t)(end - key) - 1;
		if (sm_is_literal(*host, *hlen))
			return MXTLS_NOTFOUND;
		if (end + 1 == key + klen)
			return MXTLS_OK;
		if (end[1] != ':')
			return mxtls_why_set(why, MXTLS_PERMFAIL,
			    "socketmap key \"%s\" has bytes after ']' that "
			    "are not a port", mxtls_sanitize(q, sizeof(q),
			    key, klen < sizeof(q) - 1 ? klen : sizeof(q) - 1));
		return sm_port(key, end + 2, klen - (size_t)(end - key) - 2,
		    why);
	}
	if (sm_is_ipv4(key, klen) || sm_is_ipv6(key, klen))
		return MXTLS_NOTFOUND;
	*host = key;
	*hlen = klen;
	if ((colon = memchr(key, ':', klen)) == NULL)
		return MXTLS_OK;
	*hlen = (size_t)(colon - key);
	if (memchr(colon + 1, ':', klen - *hlen - 1) != NULL)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap key \"%s\" has several ':' but is not an IPv6 "
		    "address", mxtls_sanitize(q, sizeof(q), key,
		    klen < sizeof(q) - 1 ? klen : sizeof(q) - 1));
	if (sm_is_ipv4(key, *hlen))
		return MXTLS_NOTFOUND;
	return sm_port(key, colon + 1, klen - *hlen - 1, why);
}

enum mxtls_status
mxtlsd_socketmap_key(const char *key, char *out, size_t outsz,
    struct mxtls_why *why)
{
	const char *host = NULL;
	size_t klen, hlen = 0;
	enum mxtls_status rv;

	if (out == NULL || outsz < MXTLS_DOMAIN_MAX + 1)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap key: output buffer too small (internal error)");
	out[0] = '\0';
	if (key == NULL || (klen = strnlen(key, SM_KEY_MAX + 1)) == 0)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap key is empty");
	if (klen > SM_KEY_MAX)
		return mxtls_why_set(why, MXTLS_PERMFAIL,
		    "socketmap key is longer than %d bytes", SM_KEY_MAX);
	if (key[0] == '.')
		return MXTLS_NOTFOUND;	/* parent-domain probe */
	if ((rv = sm_unwrap(key, klen, &host, &hlen, why)) != MXTLS_OK)
		return rv;
	if (hlen > 0 && host[0] == '.')
		return MXTLS_NOTFOUND;	/* "[.example.com]": a probe too */
	if (hlen > 0 && sm_is_ipv4(host, host[hlen - 1] == '.' ? hlen - 1 :
	    hlen))
		return MXTLS_NOTFOUND;	/* "192.0.2.1.": still an address */
	return mxtls_domain_normalize(host, hlen, out, outsz, why);
}
