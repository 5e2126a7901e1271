/*-------------------------------------------------------------------------
 *
 * validate.h
 *	  The rules of an activity, checked without the server.
 *
 * payload.c turns a jsonb payload into PayloadMembers and lets
 * ValidatePayload judge them; the HTTP layer, the unit tests and the
 * fuzzing harness use the same code.  Like iso8601.h, this includes no
 * server header.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CLARKY_VALIDATE_H
#define CLARKY_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Documented limits (README, "Limits") */
#define CLARKY_MAX_ID_CHARS 255		/* contact_id, company_id, workspace */
#define CLARKY_MAX_TITLE_CHARS 1000
#define CLARKY_MAX_DESCRIPTION_CHARS 100000
#define CLARKY_MAX_METADATA_BYTES 65536
#define CLARKY_MAX_METADATA_DEPTH 32	/* nesting of objects and arrays */
#define CLARKY_MAX_DURATION_MINUTES 1000000

/* The seven activity types, in the order of the enum clarky.activity_type */
#define CLARKY_ACTIVITY_TYPE_COUNT 7
extern const char *const ClarkyActivityTypes[CLARKY_ACTIVITY_TYPE_COUNT];
#define CLARKY_ACTIVITY_TYPE_LIST \
	"note, call, meeting, video_call, task, todo, reminder"

/* The accepted payload fields, in the seed's order */
typedef enum PayloadField
{
	FIELD_ACTIVITY_TYPE,
	FIELD_CONTACT_ID,
	FIELD_COMPANY_ID,
	FIELD_TITLE,
	FIELD_DESCRIPTION,
	FIELD_DUE_DATE,
	FIELD_DURATION_MINUTES,
	FIELD_COMPLETED_AT,
	FIELD_METADATA,
	FIELD_OCCURRED_AT,
	FIELD_COUNT
} PayloadField;

extern const char *const PayloadFieldNames[FIELD_COUNT];

/* The JSON type of a payload member's value */
typedef enum JsonKind
{
	JSON_NULL,
	JSON_STRING,
	JSON_NUMBER,
	JSON_BOOL,
	JSON_OBJECT,
	JSON_ARRAY
} JsonKind;

/* One key and value of the payload object */
typedef struct PayloadMember
{
	const char *key;
	size_t		key_len;
	JsonKind	kind;
	const char *text;			/* a string's characters; a number as plain
								 * decimal digits ("-12.5", no exponent) */
	size_t		text_len;
	size_t		json_len;		/* an object's length as JSON text */
	int			depth;			/* an object's nesting depth (itself: 1) */
} PayloadMember;

/* What ValidatePayload and ValidateIdParameter find wrong */
typedef enum ValidationCode
{
	VALIDATION_OK,
	VALIDATION_UNKNOWN_FIELD,	/* a key that is not a field */
	VALIDATION_WRONG_TYPE,		/* a value of the wrong JSON type */
	VALIDATION_REQUIRED,		/* activity_type missing */
	VALIDATION_NOT_A_CHOICE,	/* activity_type not one of the seven */
	VALIDATION_EMPTY,			/* an empty id */
	VALIDATION_TOO_LONG,		/* a string over its limit */
	VALIDATION_TIMESTAMP_SYNTAX,	/* not of the accepted form */
	VALIDATION_TIMESTAMP_RANGE, /* no such instant */
	VALIDATION_NUMBER_RANGE,	/* duration_minutes out of range */
	VALIDATION_TOO_LARGE,		/* metadata over its size limit */
	VALIDATION_TOO_DEEP,		/* metadata nested beyond its limit */
	VALIDATION_NO_OWNER			/* neither contact_id nor company_id */
} ValidationCode;

#define VALIDATION_TEXT_LEN 400

/* An error, its texts ready for errmsg, errdetail and errhint ("" if none) */
typedef struct ValidationError
{
	ValidationCode code;
	char		field[128];		/* the field or parameter named */
	char		message[VALIDATION_TEXT_LEN];
	char		detail[VALIDATION_TEXT_LEN];
	char		hint[VALIDATION_TEXT_LEN];
} ValidationError;

/* Character counting and clipping in the database's encoding */
typedef struct TextEncoding
{
	/* the number of characters in str[0..len) */
	int			(*char_count) (const char *str, int len);
	/* the bytes of the longest prefix of str[0..len) of at most limit bytes */
	int			(*clip) (const char *str, int len, int limit);
} TextEncoding;

/* A valid payload: each field's member (NULL where absent or null) */
typedef struct ValidatedPayload
{
	const PayloadMember *fields[FIELD_COUNT];
	int			activity_type;	/* index into ClarkyActivityTypes */
	int64_t		due_date;		/* microseconds since 2000-01-01 UTC */
	int64_t		completed_at;
	int64_t		occurred_at;
} ValidatedPayload;

extern bool ValidatePayload(const PayloadMember *members, int count,
							const TextEncoding *encoding,
							ValidatedPayload *payload, ValidationError *error);
extern bool ValidateIdParameter(const char *name, const char *value, size_t len,
								const TextEncoding *encoding,
								ValidationError *error);
extern int	ActivityTypeIndex(const char *label, size_t len);
extern PayloadField PayloadFieldIndex(const char *key, size_t len);

#endif							/* CLARKY_VALIDATE_H */
