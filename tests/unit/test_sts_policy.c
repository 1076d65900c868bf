/*
 * NAME
 *	test_sts_policy - table-driven tests of the MTA-STS policy parser
 * DESCRIPTION
 *	Each case gives the body with an explicit length (so NUL bytes can be
 *	tested), the status expected and, for MXTLS_OK, the exact mode,
 *	max_age, mx list and warning bits; for MXTLS_PERMFAIL, a key
 *	substring of the reason. Large bodies are generated.
 * SEE ALSO
 *	RFC 8461 3.2, common/sts_policy.c
 */
#include "sts_policy.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"

#define T(s)	s, sizeof(s) - 1

#define NONE	MXTLS_STS_MODE_NONE
#define TEST	MXTLS_STS_MODE_TESTING
#define ENF	MXTLS_STS_MODE_ENFORCE

#define W_LF	MXTLS_STS_WARN_LF_ONLY
#define W_SHORT	MXTLS_STS_WARN_SHORT_MAX_AGE
#define W_DUP	MXTLS_STS_WARN_DUPLICATE
#define W_UNK	MXTLS_STS_WARN_UNKNOWN_FIELD
#define W_DOT	MXTLS_STS_WARN_TRAILING_DOT
#define W_MIX	MXTLS_STS_WARN_MIXED_EOL
#define W_NOMX	MXTLS_STS_WARN_NO_MX_NONE
#define W_ZERO	MXTLS_STS_WARN_ZERO_MAX_AGE
#define W_CAP	MXTLS_STS_WARN_MAX_AGE_CAPPED

/* Building blocks; CRLF unless the name ends in _LF. */
#define V	"version: STSv1\r\n"
#define ME	"mode: enforce\r\n"
#define MA	"max_age: 86400\r\n"
#define MX1	"mx: mail.example.com\r\n"
#define HEAD	V ME MA
#define V_LF	"version: STSv1\n"
#define ME_LF	"mode: enforce\n"
#define MA_LF	"max_age: 86400\n"
#define MX1_LF	"mx: mail.example.com\n"

/* Labels for long names: 63 + 1 + 63 + 1 + 63 + 1 = 192 characters. */
#define L63 \
	"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc"
#define L192	L63 "." L63 "." L63 "."
#define D251 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456.c"
#define D252 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij01234567.c"
#define D253 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij012345678.c"
#define D254 \
	L192 "abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789.c"

enum gen {
	GEN_NONE,
	GEN_BODY,	/* a valid body of exactly arg bytes */
	GEN_MX,		/* HEAD and arg mx lines */
	GEN_LINE	/* HEAD MX1 and one extension line of arg bytes */
};

struct pol_case {
	const char *name;
	const char *in;
	size_t	len;
	enum mxtls_status want;
	enum mxtls_sts_mode mode;
	uint32_t max_age;
	size_t	nmx;
	const char *mx;		/* expected patterns, space-separated */
	unsigned warn;
	const char *why;	/* MXTLS_PERMFAIL: key substring */
	enum gen gen;
	size_t	arg;
};

#define OK_(n, s, mode, age, nmx, mx, w) \
	{n, T(s), MXTLS_OK, mode, age, nmx, mx, w, NULL, GEN_NONE, 0}
#define BAD(n, s, why) \
	{n, T(s), MXTLS_PERMFAIL, NONE, 0, 0, NULL, 0, why, GEN_NONE, 0}

static const struct pol_case cases[] = {
	/* line endings */
	OK_("rfc example, CRLF", V "mode: enforce\r\nmx: mail.example.com\r\n"
	    "mx: *.example.net\r\nmx: backupmx.example.com\r\n"
	    "max_age: 604800\r\n", ENF, 604800, 3,
	    "mail.example.com *.example.net backupmx.example.com", 0),
	OK_("rfc example, LF", V_LF "mode: enforce\nmx: mail.example.com\n"
	    "mx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n",
	    ENF, 604800, 3,
	    "mail.example.com *.example.net backupmx.example.com", W_LF),
	OK_("CRLF, no final terminator", HEAD "mx: mail.example.com",
	    ENF, 86400, 1, "mail.example.com", 0),
	OK_("LF, no final terminator", V_LF ME_LF MA_LF "mx: mail.example.com",
	    ENF, 86400, 1, "mail.example.com", W_LF),
	OK_("mixed CRLF and LF", V ME_LF MA MX1, ENF, 86400, 1,
	    "mail.example.com", W_MIX),
	OK_("mixed, last unterminated", V MA_LF "mode: testing\r\nmx: a.b",
	    TEST, 86400, 1, "a.b", W_MIX),
	OK_("one trailing empty line, CRLF", HEAD MX1 "\r\n", ENF, 86400, 1,
	    "mail.example.com", 0),
	OK_("one trailing empty line, LF", V_LF ME_LF MA_LF MX1_LF "\n", ENF,
	    86400, 1, "mail.example.com", W_LF),
	BAD("two trailing empty lines", HEAD MX1 "\r\n\r\n", "line 5 is empty"),
	BAD("two trailing empty lines, LF", V_LF ME_LF MA_LF MX1_LF "\n\n",
	    "line 5 is empty"),
	BAD("empty line inside", V "\r\n" ME MA MX1, "line 2 is empty"),
	BAD("empty line first", "\r\n" HEAD MX1, "line 1 is empty"),
	BAD("empty body", "", "the policy is empty"),
	BAD("body is one LF", "\n", "line 1 is empty"),
	BAD("body is one CRLF", "\r\n", "line 1 is empty"),
	BAD("lone CR ends a line", V "mode: enforce\r" MA MX1,
	    "line 2 contains a carriage return"),
	BAD("lone CR at the end", HEAD MX1 "\r",
	    "line 5 contains a carriage return"),
	BAD("CR CR LF", V "mode: enforce\r\r\n" MA MX1,
	    "line 2 contains a carriage return"),
	BAD("whitespace-only last line", HEAD MX1 "  ",
	    "line 5 begins with whitespace"),
	/* line syntax */
	BAD("leading space", V " mode: enforce\r\n" MA MX1,
	    "line 2 begins with whitespace"),
	BAD("leading tab", V "\tmode: enforce\r\n" MA MX1,
	    "line 2 begins with whitespace"),
	BAD("no colon", V "mode enforce\r\n" MA MX1,
	    "line 2 (\"mode enforce\") has no ':'"),
	BAD("colon first", V ":enforce\r\n" MA MX1, "line 2 begins with ':'"),
	BAD("space before colon", V "mode : enforce\r\n" MA MX1,
	    "\"mode \" is not valid (no whitespace is allowed before ':')"),
	OK_("no space after colon", "version:STSv1\r\nmode:enforce\r\n"
	    "max_age:86400\r\nmx:mail.example.com", ENF, 86400, 1,
	    "mail.example.com", 0),
	OK_("tabs and trailing whitespace", "version:\tSTSv1 \t\r\n"
	    "mode: \t enforce\t\r\nmax_age:  86400  \r\n"
	    "mx:\tmail.example.com \r\n", ENF, 86400, 1, "mail.example.com", 0),
	OK_("fields in any order", "max_age: 86400\r\nmx: a.example\r\n"
	    "mode: testing\r\nversion: STSv1\r\n", TEST, 86400, 1,
	    "a.example", 0),
	BAD("comment line", "# policy\r\n" HEAD MX1, "line 1 (\"# policy\") "
	    "has no ':'"),
	BAD("comment with colon", "# note: x\r\n" HEAD MX1,
	    "field name \"# note\" is not valid"),
	BAD("byte order mark", "\xef\xbb\xbfversion: STSv1\r\n" ME MA MX1,
	    "line 1: field name \"???version\" is not valid"),
	BAD("HTML instead of a policy", "<html><body>Not found</body></html>",
	    "line 1 (\"<html><body>Not found</body></html>\") has no ':'"),
	BAD("inline comment", V "mode: enforce # strict\r\n" MA MX1,
	    "mode \"enforce # strict\" is not one of"),
	/* version */
	BAD("version lower case", "version: stsv1\r\n" ME MA MX1,
	    "line 1: version \"stsv1\" is not STSv1"),
	BAD("version STSv2", "version: STSv2\r\n" ME MA MX1,
	    "version \"STSv2\" is not STSv1"),
	BAD("version STSv1.0", "version: STSv1.0\r\n" ME MA MX1,
	    "is not STSv1"),
	BAD("version empty", "version:\r\n" ME MA MX1,
	    "version \"\" is not STSv1"),
	BAD("Version capitalized", "Version: STSv1\r\n" ME MA MX1,
	    "no version field: \"version: STSv1\" is required (RFC 8461 3.2); "
	    "line 1 spells it with other letter case"),
	BAD("no version", ME MA MX1, "no version field"),
	/* mode */
	OK_("mode testing", V "mode: testing\r\n" MA MX1, TEST, 86400, 1,
	    "mail.example.com", 0),
	OK_("mode none with mx", V "mode: none\r\n" MA MX1, NONE, 86400, 1,
	    "mail.example.com", 0),
	OK_("mode none without mx", V "mode: none\r\n" MA, NONE, 86400, 0, "",
	    W_NOMX),
	BAD("mode Enforce", V "mode: Enforce\r\n" MA MX1,
	    "mode \"Enforce\" is not one of testing, enforce, none: the "
	    "values are case-sensitive (RFC 8461 3.2)"),
	BAD("mode ENFORCE", V "mode: ENFORCE\r\n" MA MX1, "case-sensitive"),
	BAD("mode TESTING", V "mode: TESTING\r\n" MA MX1, "case-sensitive"),
	BAD("mode None", V "mode: None\r\n" MA MX1, "case-sensitive"),
	BAD("mode strict", V "mode: strict\r\n" MA MX1,
	    "line 2: mode \"strict\" is not one of testing, enforce, none "
	    "(RFC"),
	BAD("mode empty", V "mode:\r\n" MA MX1, "mode \"\" is not one of"),
	BAD("mode enforced", V "mode: enforced\r\n" MA MX1,
	    "mode \"enforced\""),
	BAD("no mode", V MA MX1, "no mode field"),
	BAD("Mode capitalized", V "Mode: enforce\r\n" MA MX1,
	    "no mode field: \"mode: enforce\", \"mode: testing\" or \"mode: "
	    "none\" is required (RFC 8461 3.2); line 2 spells it"),
	BAD("enforce without mx", V ME MA,
	    "no mx field: mode enforce requires at least one \"mx:\" line"),
	BAD("testing without mx", V "mode: testing\r\n" MA,
	    "mode testing requires at least one"),
	BAD("MX capitalized", HEAD "MX: mail.example.com\r\n",
	    "write \"mx\" in lower case"),
	/* max_age */
	OK_("max_age 0", V ME "max_age: 0\r\n" MX1, ENF, 0, 1,
	    "mail.example.com", W_ZERO),
	OK_("max_age 1", V ME "max_age: 1\r\n" MX1, ENF, 1, 1,
	    "mail.example.com", W_SHORT),
	OK_("max_age 86399", V ME "max_age: 86399\r\n" MX1, ENF, 86399, 1,
	    "mail.example.com", W_SHORT),
	OK_("max_age 86400", V ME "max_age: 86400\r\n" MX1, ENF, 86400, 1,
	    "mail.example.com", 0),
	OK_("max_age 31557600", V ME "max_age: 31557600\r\n" MX1, ENF,
	    31557600, 1, "mail.example.com", 0),
	OK_("max_age 31557601 is capped", V ME "max_age: 31557601\r\n" MX1,
	    ENF, 31557600, 1, "mail.example.com", W_CAP),
	OK_("max_age 9999999999 is capped", V ME "max_age: 9999999999\r\n" MX1,
	    ENF, 31557600, 1, "mail.example.com", W_CAP),
	OK_("max_age 4294967296 is capped", V ME "max_age: 4294967296\r\n"
	    MX1, ENF, 31557600, 1, "mail.example.com", W_CAP),
	OK_("max_age 4294967295 is capped", V ME "max_age: 4294967295\r\n"
	    MX1, ENF, 31557600, 1, "mail.example.com", W_CAP),
	OK_("max_age leading zeros", V ME "max_age: 0000086400\r\n" MX1, ENF,
	    86400, 1, "mail.example.com", 0),
	OK_("max_age 10 zeros", V ME "max_age: 0000000000\r\n" MX1, ENF, 0,
	    1, "mail.example.com", W_ZERO),
	BAD("max_age 11 digits", V ME "max_age: 99999999999\r\n" MX1,
	    "line 3: max_age \"99999999999\" has 11 digits"),
	BAD("max_age 11 digits, leading zeros",
	    V ME "max_age: 00000864000\r\n" MX1, "has 11 digits"),
	BAD("max_age plus sign", V ME "max_age: +86400\r\n" MX1,
	    "max_age \"+86400\" is not a number (no sign is allowed)"),
	BAD("max_age minus sign", V ME "max_age: -1\r\n" MX1,
	    "no sign is allowed"),
	BAD("max_age with unit", V ME "max_age: 86400s\r\n" MX1,
	    "max_age \"86400s\" is not a number: it is 1 to 10 digits"),
	BAD("max_age with space", V ME "max_age: 8 6400\r\n" MX1,
	    "\"8 6400\" is not a number"),
	BAD("max_age empty", V ME "max_age:\r\n" MX1, "has 0 digits"),
	BAD("max_age hex", V ME "max_age: 0x100\r\n" MX1, "is not a number"),
	BAD("max_age exponent", V ME "max_age: 1e6\r\n" MX1,
	    "is not a number"),
	BAD("max_age fullwidth digits", V ME "max_age: \xef\xbc\x91\r\n" MX1,
	    "max_age \"???\" is not a number"),
	BAD("no max_age", V ME MX1, "no max_age field"),
	BAD("Max_Age capitalized", V ME "Max_Age: 86400\r\n" MX1,
	    "no max_age field: \"max_age:\" with 1 to 10 digits is required "
	    "(RFC 8461 3.2); line 3 spells it"),
	/* duplicates: the first wins */
	OK_("mode twice", V ME "mode: testing\r\n" MA MX1, ENF, 86400, 1,
	    "mail.example.com", W_DUP),
	OK_("max_age twice", V ME MA "max_age: 5\r\n" MX1, ENF, 86400, 1,
	    "mail.example.com", W_DUP),
	OK_("version twice", V V ME MA MX1, ENF, 86400, 1,
	    "mail.example.com", W_DUP),
	OK_("repeat with a bad value reads as an extension",
	    V ME "mode: bogus\r\n" MA MX1, ENF, 86400, 1, "mail.example.com",
	    W_DUP),
	OK_("repeat of version with another version",
	    V "version: STSv2\r\n" ME MA MX1, ENF, 86400, 1,
	    "mail.example.com", W_DUP),
	BAD("bad first, good repeat", V "mode: bogus\r\n" ME MA MX1,
	    "line 2: mode \"bogus\""),
	BAD("repeat with an empty value", V ME "mode:\r\n" MA MX1,
	    "line 3: field \"mode\" has an empty value"),
	OK_("mx twice: both kept", HEAD MX1 MX1, ENF, 86400, 2,
	    "mail.example.com mail.example.com", 0),
	OK_("duplicate and unknown and LF", V_LF ME_LF "mode: none\n"
	    "foo: bar\n" MA_LF MX1_LF, ENF, 86400, 1, "mail.example.com",
	    W_LF | W_DUP | W_UNK),
	/* unknown fields */
	OK_("unknown field", HEAD MX1 "foo: bar\r\n", ENF, 86400, 1,
	    "mail.example.com", W_UNK),
	OK_("unknown field, inner spaces", HEAD "x-ext.v_1: some value here\r\n"
	    MX1, ENF, 86400, 1, "mail.example.com", W_UNK),
	OK_("unknown field, colons in value",
	    HEAD "url: https://example.com:443/x\r\n" MX1, ENF, 86400, 1,
	    "mail.example.com", W_UNK),
	OK_("unknown field, UTF-8 value", HEAD "note: caf\xc3\xa9\r\n" MX1,
	    ENF, 86400, 1, "mail.example.com", W_UNK),
	OK_("unknown field, 4-byte UTF-8", HEAD "note: \xf0\x9f\x93\xa7\r\n"
	    MX1, ENF, 86400, 1, "mail.example.com", W_UNK),
	OK_("unknown field, 3-byte UTF-8", HEAD "note: \xe2\x82\xac 5\r\n" MX1,
	    ENF, 86400, 1, "mail.example.com", W_UNK),
	OK_("unknown name of 32", HEAD "e2345678901234567890123456789012: x\r\n"
	    MX1, ENF, 86400, 1, "mail.example.com", W_UNK),
	OK_("Mode is an unknown field", HEAD "Mode: testing\r\n" MX1, ENF,
	    86400, 1, "mail.example.com", W_UNK),
	BAD("unknown name of 33",
	    HEAD "e23456789012345678901234567890123: x\r\n" MX1,
	    "field name \"e23456789012345678901234567890123\" is not valid"),
	BAD("unknown name begins with _", HEAD "_ext: x\r\n" MX1,
	    "line 4: field name \"_ext\" is not valid"),
	BAD("unknown name begins with -", HEAD "-ext: x\r\n" MX1,
	    "\"-ext\" is not valid"),
	BAD("unknown name with a space", HEAD "e x: y\r\n" MX1,
	    "\"e x\" is not valid"),
	BAD("unknown name non-ASCII", HEAD "n\xc3\xa9: y\r\n" MX1,
	    "\"n??\" is not valid"),
	BAD("unknown field, empty value", HEAD "ext:\r\n" MX1,
	    "line 4: field \"ext\" has an empty value"),
	BAD("unknown field, bad UTF-8", HEAD "ext: \xc3\r\n" MX1,
	    "not valid UTF-8 at byte 1"),
	BAD("unknown field, overlong UTF-8", HEAD "ext: a\xc0\x80\r\n" MX1,
	    "not valid UTF-8 at byte 2"),
	BAD("unknown field, surrogate", HEAD "ext: \xed\xa0\x80\r\n" MX1,
	    "not valid UTF-8"),
	BAD("unknown field, above U+10FFFF", HEAD "ext: \xf4\x90\x80\x80\r\n"
	    MX1, "not valid UTF-8"),
	BAD("unknown field, Latin-1", HEAD "ext: caf\xe9\r\n" MX1,
	    "not valid UTF-8 at byte 4"),
	BAD("unknown field, inner tab", HEAD "ext: a\tb\r\n" MX1,
	    "has a tab at byte 2"),
	BAD("unknown field, DEL", HEAD "ext: a\x7f\r\n" MX1,
	    "line 4 contains the control byte 0x7f"),
	BAD("vertical tab", HEAD "ext: a\vb\r\n" MX1,
	    "line 4 contains the control byte 0x0b"),
	/* NUL bytes */
	BAD("NUL in mode", V "mode: enf\0orce\r\n" MA MX1,
	    "line 2 contains a NUL byte"),
	BAD("NUL after the last line", HEAD MX1 "\0",
	    "line 5 contains a NUL byte"),
	BAD("NUL in an unknown field", HEAD "ext: a\0b\r\n" MX1,
	    "line 4 contains a NUL byte"),
	BAD("NUL first", "\0" V ME MA MX1, "line 1 contains a NUL byte"),
	/* mx */
	OK_("mx lower-cased", HEAD "mx: MAIL.Example.COM\r\n", ENF, 86400, 1,
	    "mail.example.com", 0),
	OK_("mx trailing dot", HEAD "mx: mail.example.com.\r\n", ENF, 86400,
	    1, "mail.example.com", W_DOT),
	OK_("mx wildcard", HEAD "mx: *.example.com\r\n", ENF, 86400, 1,
	    "*.example.com", 0),
	OK_("mx wildcard, trailing dot", HEAD "mx: *.Example.com.\r\n", ENF,
	    86400, 1, "*.example.com", W_DOT),
	OK_("mx *.com is accepted", HEAD "mx: *.com\r\n", ENF, 86400, 1,
	    "*.com", 0),
	OK_("mx single label", HEAD "mx: localhost\r\n", ENF, 86400, 1,
	    "localhost", 0),
	OK_("mx A-label", HEAD "mx: xn--mnchen-3ya.example\r\n", ENF, 86400,
	    1, "xn--mnchen-3ya.example", 0),
	OK_("mx label of 63", HEAD "mx: " L63 ".example\r\n", ENF, 86400, 1,
	    L63 ".example", 0),
	OK_("mx of 253", HEAD "mx: " D253 "\r\n", ENF, 86400, 1, D253, 0),
	OK_("mx wildcard of 2 + 251", HEAD "mx: *." D251 "\r\n", ENF, 86400, 1,
	    "*." D251, 0),
	OK_("mx with digits and hyphens", HEAD "mx: 1-2.mx-3.example\r\n", ENF,
	    86400, 1, "1-2.mx-3.example", 0),
	BAD("mx * alone", HEAD "mx: *\r\n",
	    "line 4: mx \"*\": a wildcard is only allowed as a whole left-most "
	    "label, \"*.\" (RFC 8461 3.2)"),
	BAD("mx *. alone", HEAD "mx: *.\r\n", "line 4: mx: empty domain name"),
	BAD("mx two wildcards", HEAD "mx: *.*.example.com\r\n",
	    "wildcard is only allowed"),
	BAD("mx partial wildcard", HEAD "mx: mx*.example.com\r\n",
	    "mx \"mx*.example.com\": a wildcard"),
	BAD("mx wildcard without dot", HEAD "mx: *mail.example.com\r\n",
	    "wildcard is only allowed"),
	BAD("mx inner wildcard", HEAD "mx: mail.*.example.com\r\n",
	    "wildcard is only allowed"),
	BAD("mx empty", HEAD "mx:\r\n", "line 4: mx is empty"),
	BAD("mx empty label", HEAD "mx: mail..example.com\r\n",
	    "domain \"mail..example.com\" has an empty label"),
	BAD("mx leading dot", HEAD "mx: .example.com\r\n", "empty label"),
	BAD("mx two trailing dots", HEAD "mx: mail.example.com..\r\n",
	    "empty label"),
	BAD("mx label begins with -", HEAD "mx: -mail.example.com\r\n",
	    "has a label that begins with '-'"),
	BAD("mx label ends with -", HEAD "mx: mail-.example.com\r\n",
	    "has a label that ends with '-'"),
	BAD("mx underscore", HEAD "mx: mail_1.example.com\r\n",
	    "contains '_'"),
	BAD("mx U-label", HEAD "mx: m\xc3\xbcnchen.example\r\n",
	    "contains non-ASCII bytes: use the A-label (xn--...) form, "
	    "RFC 8616"),
	BAD("mx label of 64", HEAD "mx: " L63 "d.example\r\n",
	    "has a label of 64 characters"),
	BAD("mx of 254", HEAD "mx: " D254 "\r\n", "is 254 characters long"),
	BAD("mx wildcard of 2 + 252", HEAD "mx: *." D252 "\r\n",
	    "is too long: no host name of at most 253"),
	BAD("mx IPv4 address", HEAD "mx: 192.0.2.1\r\n",
	    "\"192.0.2.1\" ends in an all-numeric label"),
	BAD("mx address literal", HEAD "mx: [192.0.2.1]\r\n",
	    "\"[192.0.2.1]\" is an address literal"),
	BAD("mx IPv6 literal", HEAD "mx: [IPv6:2001:db8::1]\r\n",
	    "is an address literal"),
	BAD("mx two names", HEAD "mx: a.example b.example\r\n",
	    "contains ' '"),
	BAD("mx with port", HEAD "mx: mail.example.com:25\r\n",
	    "contains ':'"),
	BAD("mx with tab inside", HEAD "mx: a.example\tb.example\r\n",
	    "contains the control byte 0x09"),
	BAD("mx bad after good", HEAD MX1 "mx: bad_host.example\r\n",
	    "line 5: mx: domain \"bad_host.example\" contains '_'"),
	/* sizes, generated */
	{"64 mx lines", NULL, 0, MXTLS_OK, ENF, 86400, 64, NULL, 0, NULL,
	    GEN_MX, 64},
	{"65 mx lines", NULL, 0, MXTLS_PERMFAIL, NONE, 0, 0, NULL, 0,
	    "line 68: more than 64 mx lines", GEN_MX, 65},
	{"body of 65536", NULL, 0, MXTLS_OK, TEST, 86400, 1, "mail.example.com",
	    W_UNK, NULL, GEN_BODY, 65536},
	{"body of 65537", NULL, 0, MXTLS_PERMFAIL, NONE, 0, 0, NULL, 0,
	    "the policy is 65537 bytes long; mxtls accepts at most 65536",
	    GEN_BODY, 65537},
	{"line of 1024", NULL, 0, MXTLS_OK, ENF, 86400, 1, "mail.example.com",
	    W_UNK, NULL, GEN_LINE, 1024},
	{"line of 1025", NULL, 0, MXTLS_PERMFAIL, NONE, 0, 0, NULL, 0,
	    "line 5 is 1025 bytes long", GEN_LINE, 1025},
};

/* gen_append - append n bytes to a generated body */

static void
gen_append(char *buf, size_t bufsz, size_t *len, const char *s, size_t n)
{
	if (bufsz - *len < n)
		abort();
	memcpy(buf + *len, s, n);
	*len += n;
}

/* gen_ext - append an extension line "x: aaa..." of n bytes (n >= 4) */

static void
gen_ext(char *buf, size_t bufsz, size_t *len, size_t n, int crlf)
{
	if (n < 4 || bufsz - *len < n + 2)
		abort();
	memcpy(buf + *len, "x: ", 3);
	memset(buf + *len + 3, 'a', n - 3);
	*len += n;
	if (crlf)
		gen_append(buf, bufsz, len, "\r\n", 2);
}

/* gen_case - build the body of a generated case into buf; its length */

static size_t
gen_case(const struct pol_case *c, char *buf, size_t bufsz)
{
	static const char body_head[] = V "mode: testing\r\n" MA MX1;
	char line[64];
	size_t len = 0, i;
	int n;

	switch (c->gen) {
	case GEN_MX:
		gen_append(buf, bufsz, &len, T(HEAD));
		for (i = 0; i < c->arg; i++) {
			n = snprintf(line, sizeof(line),
			    "mx: mx%zu.example.com\r\n", i);
			gen_append(buf, bufsz, &len, line, (size_t)n);
		}
		break;
	case GEN_LINE:
		gen_append(buf, bufsz, &len, T(HEAD MX1));
		gen_ext(buf, bufsz, &len, c->arg, 1);
		break;
	case GEN_BODY:
		gen_append(buf, bufsz, &len, T(body_head));
		while (c->arg - len > 1010)
			gen_ext(buf, bufsz, &len, 1000, 1);
		gen_ext(buf, bufsz, &len, c->arg - len, 0);
		if (len != c->arg)
			abort();
		break;
	case GEN_NONE:
		abort();
	}
	return len;
}

/* mx_list - the patterns of pol, space-separated */

static const char *
mx_list(const struct mxtls_sts_policy *pol, char *buf, size_t bufsz)
{
	size_t i, off = 0, n;

	buf[0] = '\0';
	for (i = 0; i < pol->nmx; i++) {
		n = strlen(pol->mx[i]);
		if (bufsz - off < n + 2)
			break;
		if (i > 0)
			buf[off++] = ' ';
		memcpy(buf + off, pol->mx[i], n + 1);
		off += n;
	}
	return buf;
}

/* check_ok - the exact mode, max_age, mx and warnings of an OK case */

static void
check_ok(size_t i, const struct pol_case *c, const struct mxtls_sts_policy *pol)
{
	static char list[MXTLS_STS_MX_MAX * (MXTLS_DOMAIN_MAX + 1) + 1];
	char name[48];
	size_t j;
	int good = 1;

	if (c->mx == NULL)		/* generated: mx<j>.example.com */
		for (j = 0; j < pol->nmx; j++) {
			(void)snprintf(name, sizeof(name), "mx%zu.example.com",
			    j);
			good &= strcmp(pol->mx[j], name) == 0;
		}
	else
		good = strcmp(mx_list(pol, list, sizeof(list)), c->mx) == 0;
	ok(pol->mode == c->mode && pol->max_age == c->max_age &&
	    pol->nmx == c->nmx && good,
	    "%zu %s: mode %s, max_age %u, %zu mx", i + 1, c->name,
	    mxtls_sts_mode_name(pol->mode), (unsigned)pol->max_age,
	    pol->nmx);
	ok(pol->warnings == c->warn, "%zu %s: warnings 0x%04x (want 0x%04x)",
	    i + 1, c->name, pol->warnings, c->warn);
}

static void
run_cases(size_t *ncases)
{
	static char genbuf[MXTLS_STS_BODY_MAX + 16];
	static struct mxtls_sts_policy pol;
	const struct pol_case *c;
	struct mxtls_why why;
	enum mxtls_status rv;
	const char *in;
	size_t i, len;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		in = c->in;
		len = c->len;
		if (c->gen != GEN_NONE) {
			len = gen_case(c, genbuf, sizeof(genbuf));
			in = genbuf;
		}
		mxtls_why_clear(&why);
		memset(&pol, 0xa5, sizeof(pol));
		rv = mxtls_sts_policy_parse(&pol, in, len, &why);
		ok(rv == c->want && why.status == rv,
		    "%zu %s: status %s (want %s)", i + 1, c->name,
		    mxtls_status_name(rv), mxtls_status_name(c->want));
		if (c->want == MXTLS_OK)
			check_ok(i, c, &pol);
		else
			ok(pol.nmx == 0 && pol.warnings == 0 &&
			    strstr(why.text, c->why) != NULL,
			    "%zu %s: reason has \"%s\": %s", i + 1, c->name,
			    c->why, why.text);
		(*ncases)++;
	}
}

/* Every warning bit has a text; other values have none. */

static void
run_texts(void)
{
	unsigned bit;
	int good = 1;

	for (bit = MXTLS_STS_WARN_LF_ONLY; bit <= MXTLS_STS_WARN_MAX_AGE_CAPPED;
	    bit <<= 1)
		good &= mxtls_sts_warning_text(bit) != NULL &&
		    strstr(mxtls_sts_warning_text(bit), "RFC 8461") != NULL;
	ok(good, "every warning bit has a text citing RFC 8461");
	ok(mxtls_sts_warning_text(0) == NULL &&
	    mxtls_sts_warning_text(0x0200) == NULL &&
	    mxtls_sts_warning_text(W_LF | W_DUP) == NULL,
	    "no text for 0, an unknown bit or two bits");
	ok(strstr(mxtls_sts_warning_text(W_SHORT), "publish at least 86400") !=
	    NULL, "short max_age text says what to publish");
	ok(strcmp(mxtls_sts_mode_name(NONE), "none") == 0 &&
	    strcmp(mxtls_sts_mode_name(TEST), "testing") == 0 &&
	    strcmp(mxtls_sts_mode_name(ENF), "enforce") == 0 &&
	    strcmp(mxtls_sts_mode_name((enum mxtls_sts_mode)7), "unknown") ==
	    0, "mode names");
}

int
main(void)
{
	size_t n = 0;

	run_cases(&n);
	diag("%zu cases", n);
	run_texts();
	return done_testing();
}
