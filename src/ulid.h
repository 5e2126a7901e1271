/*-------------------------------------------------------------------------
 *
 * ulid.h
 *	  Monotonic ULIDs: 48 bits of Unix milliseconds, then 80 random bits,
 *	  written as 26 characters of Crockford's base 32.
 *
 * Like iso8601.h, this includes no server header: randomness and the clock
 * are supplied by the caller, so the logic is testable on its own.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLARKY_ULID_H
#define CLARKY_ULID_H

#include <stdbool.h>
#include <stdint.h>

#define ULID_RANDOM_BYTES 10
#define ULID_TEXT_LEN 26

/* The last ULID handed out; zero-initialised means "none yet" */
typedef struct UlidState
{
	uint64_t	millis;			/* 48-bit Unix time in milliseconds */
	uint8_t		random[ULID_RANDOM_BYTES];	/* big-endian random part */
} UlidState;

extern bool UlidAdvance(UlidState *state, uint64_t now_millis);
extern void UlidEncode(const UlidState *state, char *out);

#endif							/* CLARKY_ULID_H */
