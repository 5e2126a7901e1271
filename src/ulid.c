/*-------------------------------------------------------------------------
 *
 * ulid.c
 *	  Monotonic ULID generation and Crockford base-32 encoding.
 *
 * Monotonicity within one generator: when the clock has not moved past the
 * last ULID's millisecond (same millisecond, or the clock went backwards),
 * the next ULID keeps that millisecond and adds one to the random part.  In
 * the practically impossible case that the 80-bit random part overflows,
 * the millisecond moves on by one and fresh randomness is drawn.
 *
 *-------------------------------------------------------------------------
 */
#include "ulid.h"

/* Crockford's base 32: no I, L, O or U */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Add one to the big-endian random part; false if it wrapped to zero */
static bool
IncrementRandom(uint8_t *random)
{
	for (int i = ULID_RANDOM_BYTES - 1; i >= 0; i--)
	{
		if (++random[i] != 0)
			return true;
	}
	return false;
}

/*
 * Move state on to the next ULID at now_millis.
 *
 * Returns true when the caller must fill state->random with fresh random
 * bytes (a new millisecond); false when the random part was incremented.
 */
bool
UlidAdvance(UlidState *state, uint64_t now_millis)
{
	if (now_millis > state->millis)
	{
		state->millis = now_millis;
		return true;
	}
	if (IncrementRandom(state->random))
		return false;
	state->millis++;
	return true;
}

/* Write the 26 characters of state's ULID to out (not NUL-terminated) */
void
UlidEncode(const UlidState *state, char *out)
{
	uint8_t		bytes[16];
	int			bit;

	for (int i = 0; i < 6; i++)
		bytes[i] = (uint8_t) (state->millis >> (8 * (5 - i)));
	for (int i = 0; i < ULID_RANDOM_BYTES; i++)
		bytes[6 + i] = state->random[i];

	/*
	 * 128 bits into 26 five-bit groups: the first group holds the top 3 bits
	 * (130 bits in all, the leading 2 being zero).
	 */
	out[0] = crockford[bytes[0] >> 5];
	bit = 3;
	for (int c = 1; c < ULID_TEXT_LEN; c++)
	{
		int			byte = bit / 8;
		int			shift = bit % 8;
		unsigned	window = (unsigned) bytes[byte] << 8;

		if (byte + 1 < 16)
			window |= bytes[byte + 1];
		out[c] = crockford[(window >> (11 - shift)) & 0x1F];
		bit += 5;
	}
}
