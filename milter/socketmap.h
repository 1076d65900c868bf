/*
 * NAME
 *	socketmap.h - the Postfix/Sendmail socketmap request and key
 * DESCRIPTION
 *	A request payload is "<name> <key>" (Postfix: the name after the last
 *	':' of socketmap:...:NAME; Sendmail: the K map name). Limits: requests
 *	up to 10,000 bytes, replies up to 100,000.
 */
#ifndef MXTLSD_SOCKETMAP_H
#define MXTLSD_SOCKETMAP_H

#include "mxtls.h"

#define MXTLSD_REQUEST_MAX	10000	/* payload bytes of one request */
#define MXTLSD_REPLY_MAX	100000	/* payload bytes of one reply */
#define MXTLSD_MAPNAME_MAX	64

/*
 * mxtlsd_socketmap_split - split one request payload (len bytes, untrusted)
 * at its first space into the map name (1..MXTLSD_MAPNAME_MAX bytes of
 * [A-Za-z0-9_.-]) and the key (the rest, 1..MXTLS_DOMAIN_MAX + 16 bytes,
 * printable ASCII, no spaces). MXTLS_OK or MXTLS_PERMFAIL + why.
 */
enum mxtls_status mxtlsd_socketmap_split(const char *buf, size_t len,
    char *name, size_t namesz, char *key, size_t keysz, struct mxtls_why *why);

/*
 * mxtlsd_socketmap_key - canonicalise a key as Postfix sends it into a
 * policy domain: strip "[...]" and ":port", lower-case, drop one trailing
 * dot, check it is a domain name (mxtls_domain_normalize). MXTLS_OK with
 * the domain in out (size >= MXTLS_DOMAIN_MAX + 1); MXTLS_NOTFOUND for IP
 * literals and parent-domain probes (keys starting with '.'), which never
 * have a policy; MXTLS_PERMFAIL for anything that is not a domain.
 */
enum mxtls_status mxtlsd_socketmap_key(const char *key, char *out,
    size_t outsz, struct mxtls_why *why);

#endif /* MXTLSD_SOCKETMAP_H */
