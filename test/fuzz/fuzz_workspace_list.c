/*-------------------------------------------------------------------------
 *
 * fuzz_workspace_list.c
 *	  libFuzzer harness for ValidateWorkspaceList (src/validate.c), the
 *	  parser of the setting clarky.allowed_workspaces.
 *
 * The input is the setting's value, any bytes (cut at the first NUL, as a
 * setting is a C string); a byte counts as one character.  Properties:
 *
 *	- the ids are written within the input's copy and the WORKSPACE_LIST_MAX
 *	  entries given (both blocks exactly that size, so AddressSanitizer sees
 *	  any write past them);
 *	- the verdict, the ids and the error agree with a reference: split at
 *	  every comma, trim spaces; no id at all for a value of only spaces; an
 *	  empty item otherwise, or one over 255 characters, is refused naming
 *	  the first such item's position;
 *	- error texts are NUL-terminated, non-empty and name the setting.
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>

#include "validate.h"
#define FUZZ_BYTES_INPUT
#include "fuzz_common.h"

static int
ByteCount(const char *s, int len)
{
	(void) s;
	return len;
}

static int
ByteClip(const char *s, int len, int limit)
{
	(void) s;
	return len < limit ? len : limit;
}

static const TextEncoding bytes = {ByteCount, ByteClip};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	size_t		len = nul ? (size_t) (nul - data) : size;
	int			max;
	char	   *copy;
	const char **ids;
	int			count = -1;
	ValidationError error;
	bool		valid;
	size_t		start = 0;
	int			item = 0;
	int			bad = 0;
	bool		bad_empty = false;
	bool		only_spaces = true;

	FuzzKeepInput(data, size);
	max = WORKSPACE_LIST_MAX((const char *) data, len);
	copy = malloc(len + 1);
	ids = malloc(sizeof(*ids) * (size_t) max);
	memcpy(copy, data, len);
	copy[len] = '\0';
	valid = ValidateWorkspaceList(copy, len, ids, &count, &bytes, &error);

	/* the reference */
	for (size_t i = 0; i < len; i++)
		only_spaces &= (data[i] == ' ');
	for (size_t i = 0; i <= len && !bad && !only_spaces; i++)
	{
		size_t		a,
					b;

		if (i < len && data[i] != ',')
			continue;
		a = start;
		b = i;
		while (a < b && data[a] == ' ')
			a++;
		while (b > a && data[b - 1] == ' ')
			b--;
		item++;
		if (b == a || b - a > CLARKY_MAX_ID_CHARS)
		{
			bad = item;
			bad_empty = (b == a);
		}
		else
		{
			CHECK(valid || item <= count, "the ids before a bad one are kept");
			if (item <= count)
				CHECK(strlen(ids[item - 1]) == b - a &&
					  memcmp(ids[item - 1], data + a, b - a) == 0,
					  "each id is the item between its commas, trimmed");
		}
		start = i + 1;
	}

	CHECK(valid == (bad == 0), "the verdict is the reference's");
	if (valid)
	{
		CHECK(count == (only_spaces ? 0 : item), "every item is an id");
		CHECK(count <= max, "the ids fit WORKSPACE_LIST_MAX");
		for (int i = 0; i < count; i++)
			CHECK(ids[i] >= copy && ids[i] + strlen(ids[i]) <= copy + len,
				  "the ids lie in the copy");
	}
	else
	{
		char		expected[64];

		snprintf(expected, sizeof(expected), "workspace id %d of the list is %s",
				 bad, bad_empty ? "empty" : "too long");
		CHECK(memchr(error.message, '\0', sizeof(error.message)) != NULL &&
			  strcmp(error.message, expected) == 0,
			  "the error names the first bad item's position and what is wrong with it");
		CHECK(strcmp(error.field, CLARKY_ALLOWED_SETTING) == 0, "the error names the setting");
		CHECK(error.code == (bad_empty ? VALIDATION_EMPTY : VALIDATION_TOO_LONG),
			  "the error's code says what is wrong");
	}
	free(ids);
	free(copy);
	return 0;
}
