/*-------------------------------------------------------------------------
 *
 * fuzz_json_quote.c
 *	  libFuzzer harness for JsonQuote (src/json_out.c).
 *
 * The input is the string to quote, any bytes.  Properties checked:
 *
 *	- the output fits JSON_QUOTED_MAX(len) (it is written to a block of
 *	  exactly that size, so AddressSanitizer sees any write past it);
 *	- it is one syntactically valid JSON string literal (RFC 8259: quotes
 *	  around, no raw control character, no raw quote, only the escapes
 *	  \" \\ \/ \b \f \n \r \t \uXXXX), checked byte by byte: bytes from 0x80
 *	  up are copied, as PostgreSQL's escape_json copies text in the
 *	  database's encoding;
 *	- decoding it gives back the input byte for byte;
 *	- it is PostgreSQL's escaping exactly: the length is 2 plus, per byte,
 *	  2 for " \ and \b \f \n \r \t, 6 for other bytes below 0x20, else 1.
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>

#include "json_out.h"
#define FUZZ_BYTES_INPUT
#include "fuzz_common.h"

static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s (s has at least 4 bytes) */
static long
Hex4(const char *s)
{
	long		v = 0;

	for (int i = 0; i < 4; i++)
	{
		int			h = HexValue(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Append code point cp as UTF-8 */
static size_t
PutUtf8(char *out, long cp)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xC0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xE0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char) (0xF0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/*
 * Check that lit[0..n) is one JSON string literal and decode it into out
 * (room for n bytes).  Returns the decoded length, or -1 if it is not valid.
 */
static long
DecodeJsonString(const char *lit, size_t n, char *out)
{
	size_t		i = 1;
	size_t		o = 0;

	if (n < 2 || lit[0] != '"' || lit[n - 1] != '"')
		return -1;
	while (i < n - 1)
	{
		unsigned char c = (unsigned char) lit[i];

		if (c < 0x20 || c == '"')
			return -1;			/* raw control character, or a quote inside */
		if (c != '\\')
		{
			out[o++] = (char) c;
			i++;
			continue;
		}
		if (i + 1 >= n - 1)
			return -1;			/* a backslash escaping the closing quote */
		switch (lit[i + 1])
		{
			case '"':
			case '\\':
			case '/':
				out[o++] = lit[i + 1];
				break;
			case 'b':
				out[o++] = '\b';
				break;
			case 'f':
				out[o++] = '\f';
				break;
			case 'n':
				out[o++] = '\n';
				break;
			case 'r':
				out[o++] = '\r';
				break;
			case 't':
				out[o++] = '\t';
				break;
			case 'u':
				{
					long		cp;

					if (i + 6 > n - 1 || (cp = Hex4(lit + i + 2)) < 0)
						return -1;
					if (cp >= 0xD800 && cp <= 0xDBFF)
					{
						long		lo;

						if (i + 12 > n - 1 || lit[i + 6] != '\\' || lit[i + 7] != 'u' ||
							(lo = Hex4(lit + i + 8)) < 0xDC00 || lo > 0xDFFF)
							return -1;
						cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
						i += 6;
					}
					else if (cp >= 0xDC00 && cp <= 0xDFFF)
						return -1;	/* a lone low surrogate */
					o += PutUtf8(out + o, cp);
					i += 4;
				}
				break;
			default:
				return -1;
		}
		i += 2;
	}
	return (long) o;
}

/* PostgreSQL's escape_json: the bytes it writes for one byte */
static size_t
EscapedSize(unsigned char c)
{
	if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' ||
		c == '\r' || c == '\t')
		return 2;
	return c < 0x20 ? 6 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *in = FuzzCopy(data, size);
	size_t		max = JSON_QUOTED_MAX(size);
	char	   *out = malloc(max);
	char	   *decoded = malloc(max);
	size_t		expected = 2;
	size_t		n;
	long		dlen;

	FuzzKeepInput(data, size);
	if (out == NULL || decoded == NULL)
		abort();

	n = JsonQuote(out, in, size);
	CHECK(n <= max, "JsonQuote writes at most JSON_QUOTED_MAX(len) bytes");

	dlen = DecodeJsonString(out, n, decoded);
	if (dlen < 0)
	{
		fprintf(stderr, "*** output: ");
		FuzzPrintBytes(stderr, out, n, 400);
		fputc('\n', stderr);
	}
	CHECK(dlen >= 0, "JsonQuote writes a valid JSON string literal");
	CHECK((size_t) dlen == size && memcmp(decoded, in, size) == 0,
		  "decoding JsonQuote's output gives back the input byte for byte");

	for (size_t i = 0; i < size; i++)
		expected += EscapedSize((unsigned char) in[i]);
	CHECK(n == expected, "JsonQuote escapes exactly as PostgreSQL's escape_json");

	free(decoded);
	free(out);
	free(in);
	return 0;
}
