/*-------------------------------------------------------------------------
 *
 * validate.h
 *	  The rules of an activity, checked without the server.
 *
 * payload.c turns a jsonb payload (a new activity or a merge patch of one)
 * into PayloadMembers and lets ValidatePayload judge them by the field
 * descriptions of activity_fields.h; the HTTP layer, the unit tests and the
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
#define CLARKY_MAX_ID_CHARS 255 /* ids: contact, company, owner, workspace */
#define CLARKY_MAX_TITLE_CHARS 1000
#define CLARKY_MAX_DESCRIPTION_CHARS 100000
#define CLARKY_MAX_METADATA_BYTES 65536
#define CLARKY_MAX_METADATA_DEPTH 32	/* nesting of objects and arrays */
#define CLARKY_MAX_DURATION_MINUTES 1000000
#define CLARKY_MAX_TAGS 50		/* contacts (or companies) of one activity */

/* The seven activity types, in the order of the enum clarky.activity_type */
#define CLARKY_ACTIVITY_TYPE_COUNT 7
extern const char *const ClarkyActivityTypes[CLARKY_ACTIVITY_TYPE_COUNT];
#define CLARKY_ACTIVITY_TYPE_LIST \
	"note, call, meeting, video_call, task, todo, reminder"

/* The kinds of value of a field, and its rules (see activity_fields.h) */
typedef enum FieldKind
{
	FIELD_KIND_ID,
	FIELD_KIND_TEXT,
	FIELD_KIND_TYPE,
	FIELD_KIND_TIMESTAMP,
	FIELD_KIND_DURATION,
	FIELD_KIND_METADATA,
	FIELD_KIND_VERSION,
	FIELD_KIND_ID_LIST
} FieldKind;

typedef enum FieldOnCreate
{
	FIELD_REQUIRED,
	FIELD_OPTIONAL,
	FIELD_SERVER
} FieldOnCreate;

typedef enum FieldOnPatch
{
	FIELD_SETTABLE,
	FIELD_NOT_NULL,
	FIELD_MERGED,
	FIELD_FIXED
} FieldOnPatch;

typedef enum FieldRender
{
	RENDER_ALWAYS,
	RENDER_DELETED,
	RENDER_NEVER
} FieldRender;

/* The fields of an activity, in the order of activity_fields.h */
typedef enum ClarkyField
{
#define CLARKY_FIELD(tag, name, column, kind, limit, on_create, on_patch, rendered) tag,
#include "activity_fields.h"
#undef CLARKY_FIELD
	FIELD_COUNT
} ClarkyField;

/* One line of activity_fields.h */
typedef struct FieldDesc
{
	const char *name;
	const char *column;
	FieldKind	kind;
	int			limit;
	FieldOnCreate on_create;
	FieldOnPatch on_patch;
	FieldRender rendered;
} FieldDesc;

extern const FieldDesc ClarkyFields[FIELD_COUNT];

/*
 * The workspace is no field of the Activity object, but a patch naming it
 * is refused like a patch of a server-set field
 */
#define CLARKY_WORKSPACE_KEY "workspace_id"

/* What a payload is: a new activity, or a merge patch of one */
typedef enum PayloadMode
{
	PAYLOAD_CREATE,
	PAYLOAD_PATCH
} PayloadMode;

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
	const struct PayloadMember *elements;	/* an id list's first elements */
	int			element_count;	/* an array's number of elements */
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
	VALIDATION_NO_OWNER,		/* neither contact_id nor company_id */
	VALIDATION_FIXED,			/* a patch of a field the server sets */
	VALIDATION_NOT_NULL,		/* a patch clearing a field that must stay set */
	VALIDATION_TOO_MANY,		/* an id list over its limit */
	VALIDATION_DUPLICATE		/* an id twice in a list */
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

/*
 * A valid payload: each field's member, NULL where absent.  A create
 * payload's null means absent too; a patch's null member (JSON_NULL) clears
 * its field.
 */
typedef struct ValidatedPayload
{
	const PayloadMember *fields[FIELD_COUNT];
	int			activity_type;	/* index into ClarkyActivityTypes */
	int64_t		usec[FIELD_COUNT];	/* each timestamp given: microseconds
									 * since 2000-01-01 UTC */
} ValidatedPayload;

extern bool ValidatePayload(const PayloadMember *members, int count,
							PayloadMode mode, const TextEncoding *encoding,
							ValidatedPayload *payload, ValidationError *error);
extern bool ValidateContactOrCompany(bool has_contact, bool has_company,
									 ValidationError *error);
extern bool ValidateMetadataSize(size_t json_len, int depth,
								 ValidationError *error);
extern bool ValidateIdParameter(const char *name, const char *value, size_t len,
								const TextEncoding *encoding,
								ValidationError *error);
extern bool ValidateTagCount(ClarkyField list, int count, ValidationError *error);
extern ClarkyField ListPrimary(ClarkyField list);
extern int	ActivityTypeIndex(const char *label, size_t len);
extern ClarkyField FieldIndex(const char *key, size_t len);

/* The setting a list of workspace ids comes from, and its most ids */
#define CLARKY_ALLOWED_SETTING "clarky.allowed_workspaces"
#define WORKSPACE_LIST_MAX(list, len) (CountByte(list, len, ',') + 1)
extern bool ValidateWorkspaceList(char *list, size_t len, const char **ids,
								  int *count, const TextEncoding *encoding,
								  ValidationError *error);

/* The number of bytes c in str[0..len) */
static inline int
CountByte(const char *str, size_t len, char c)
{
	int			n = 0;

	for (size_t i = 0; i < len; i++)
		n += (str[i] == c);
	return n;
}

#endif							/* CLARKY_VALIDATE_H */
