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

	*p++ = '"';
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) str[i];

		switch (c)
		{
			case '"':
			case '\\':
				*p++ = '\\';
				*p++ = (char) c;
				break;
			case '\b':
				*p++ = '\\';
				*p++ = 'b';
				break;
			case '\f':
				*p++ = '\\';
				*p++ = 'f';
				break;
			case '\n':
				*p++ = '\\';
				*p++ = 'n';
				break;
			case '\r':
				*p++ = '\\';
				*p++ = 'r';
				break;
			case '\t':
				*p++ = '\\';
				*p++ = 't';
				break;
			default:
				if (c < 0x20)
				{
					*p++ = '\\';
					*p++ = 'u';
					*p++ = '0';
					*p++ = '0';
					*p++ = hex[c >> 4];
					*p++ = hex[c & 0xF];
				}
				else
					*p++ = (char) c;
				break;
		}
	}
	*p++ = '"';
	return (size_t) (p - out);
}
