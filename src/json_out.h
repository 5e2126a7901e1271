/*-------------------------------------------------------------------------
 *
 * json_out.h
 *	  JSON string literals, written without the server.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLARKY_JSON_OUT_H
#define CLARKY_JSON_OUT_H

#include <stddef.h>

/* The most bytes JsonQuote writes for len bytes of input */
#define JSON_QUOTED_MAX(len) (6 * (len) + 2)

extern size_t JsonQuote(char *out, const char *str, size_t len);

#endif							/* CLARKY_JSON_OUT_H */
