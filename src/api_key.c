/*-------------------------------------------------------------------------
 *
 * api_key.c
 *	  New API key secrets.
 *
 * A key is "ck_live_" and 30 characters of lower-case Crockford base 32:
 * 150 bits from pg_strong_random, 38 characters in all.  Only its SHA-256
 * is stored (clarky.api_keys.key_hash); the key itself is shown once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "clarky_activity.h"

#define KEY_PREFIX "ck_live_"
#define KEY_RANDOM_CHARS 30

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_generate_api_key);

/* clarky.generate_api_key(): a new, random API key */
Datum
clarky_generate_api_key(PG_FUNCTION_ARGS)
{
	static const char alphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
	uint8		random[KEY_RANDOM_CHARS];
	char		key[sizeof(KEY_PREFIX) + KEY_RANDOM_CHARS];

	if (!pg_strong_random(random, sizeof(random)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random values for an API key")));

	memcpy(key, KEY_PREFIX, strlen(KEY_PREFIX));
	/* 256 is a multiple of 32, so each character is uniform */
	for (int i = 0; i < KEY_RANDOM_CHARS; i++)
		key[strlen(KEY_PREFIX) + i] = alphabet[random[i] & 0x1F];
	key[sizeof(key) - 1] = '\0';

	PG_RETURN_TEXT_P(cstring_to_text(key));
}
