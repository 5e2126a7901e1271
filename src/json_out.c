/*-------------------------------------------------------------------------
 *
 * json_out.c
 *	  JSON string literals, written without the server.
 *
 * The escaping is PostgreSQL's own (escape_json): quote and backslash are
 * escaped, \b \f \n \r \t by name, other control characters as \u00XX, and
 * every other byte is copied, so text in the database's encoding stays as
 * it is.
 *
 *-------------------------------------------------------------------------
 */
#include "json_out.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define ONES UINT64_C(0x0101010101010101)
#define HIGH_BITS UINT64_C(0x8080808080808080)

/* Whether any of 8 bytes is a control character, a quote or a backslash */
static inline bool
NeedsEscape8(const char *bytes)
{
	uint64_t	w;
	uint64_t	quotes;
	uint64_t	backslashes;

	memcpy(&w, bytes, sizeof(w));
	quotes = w ^ (ONES * '"');
	backslashes = w ^ (ONES * '\\');
	/* the "has a byte below n" and "has a zero byte" tests, exact as a whole */
	return (((w - ONES * 0x20) & ~w) |
			((quotes - ONES) & ~quotes) |
			((backslashes - ONES) & ~backslashes)) & HIGH_BITS;
}

/*
 * Write str[0..len) as a JSON string literal, quotes included, to out,
 * which has room for JSON_QUOTED_MAX(len) bytes.  Returns the bytes written
 * (no terminating NUL).
 */
size_t
JsonQuote(char *out, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char	   *p = out;
	size_t		start = 0;

	*p++ = '"';
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c;

		/* skip eight plain bytes at a time */
		while (i + 8 <= len && !NeedsEscape8(str + i))
			i += 8;
		if (i >= len)
			break;
		c = (unsigned char) str[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;

		/* copy the run of plain bytes before c, then escape c */
		memcpy(p, str + start, i - start);
		p += i - start;
		start = i + 1;
		*p++ = '\\';
		switch (c)
		{
			case '"':
			case '\\':
				*p++ = (char) c;
				break;
			case '\b':
				*p++ = 'b';
				break;
			case '\f':
				*p++ = 'f';
				break;
			case '\n':
				*p++ = 'n';
				break;
			case '\r':
				*p++ = 'r';
				break;
			case '\t':
				*p++ = 't';
				break;
			default:
				*p++ = 'u';
				*p++ = '0';
				*p++ = '0';
				*p++ = hex[c >> 4];
				*p++ = hex[c & 0xF];
				break;
		}
	}
	if (len > start)
	{
		memcpy(p, str + start, len - start);
		p += len - start;
	}
	*p++ = '"';
	return (size_t) (p - out);
}
