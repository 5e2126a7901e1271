/*-------------------------------------------------------------------------
 *
 * render.c
 *	  An activity row as the seed's JSON object.
 *
 * Keys come in the seed's order, with occurred_at after created_at.
 * Timestamps are UTC with milliseconds and "Z", whatever the session's
 * TimeZone and DateStyle; duration_minutes is a JSON number; metadata an
 * object; absent values are null.  The spacing is jsonb's own (", " and
 * ": "), so metadata reads the same as the rest.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "clarky_activity.h"
#include "iso8601.h"
#include "json_out.h"

/* Columns of CLARKY_ACTIVITY_COLUMNS, numbered from 1 as SPI does */
enum
{
	COL_ID = 1,
	COL_CONTACT_ID,
	COL_COMPANY_ID,
	COL_ACTIVITY_TYPE,
	COL_TITLE,
	COL_DESCRIPTION,
	COL_DUE_DATE,
	COL_DURATION_MINUTES,
	COL_COMPLETED_AT,
	COL_METADATA,
	COL_CREATED_AT,
	COL_OCCURRED_AT
};

/* Append str[0..len) to buf as a JSON string */
void
ClarkyAppendJsonString(StringInfo buf, const char *str, size_t len)
{
	enlargeStringInfo(buf, JSON_QUOTED_MAX(len));
	buf->len += JsonQuote(buf->data + buf->len, str, len);
	buf->data[buf->len] = '\0';
}

/* Append "key": to buf, preceded by ", " unless it is the first key */
static void
AppendKey(StringInfo buf, const char *key, bool first)
{
	if (!first)
		appendStringInfoString(buf, ", ");
	appendStringInfoChar(buf, '"');
	appendStringInfoString(buf, key);
	appendStringInfoString(buf, "\": ");
}

static void
AppendText(StringInfo buf, const char *key, HeapTuple tuple,
		   TupleDesc tupdesc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, tupdesc, col, &isnull);

	AppendKey(buf, key, col == COL_ID);
	if (isnull)
		appendStringInfoString(buf, "null");
	else
	{
		text	   *t = DatumGetTextPP(d);

		ClarkyAppendJsonString(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
	}
}

static void
AppendTimestamp(StringInfo buf, const char *key, HeapTuple tuple,
				TupleDesc tupdesc, int col)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tuple, tupdesc, col, &isnull);
	char		formatted[ISO8601_FORMAT_LEN];

	AppendKey(buf, key, false);
	if (isnull)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	/* the table's CHECK constraints keep every timestamp in range */
	if (Iso8601Format(DatumGetTimestampTz(d), formatted) == 0)
		elog(ERROR, "timestamp in column \"%s\" is out of range", key);
	appendStringInfoChar(buf, '"');
	appendStringInfoString(buf, formatted);
	appendStringInfoChar(buf, '"');
}

/*
 * Append the JSON object of one activity row to buf.  The tuple's columns
 * are those of CLARKY_ACTIVITY_COLUMNS, in that order.
 */
void
ClarkyRenderActivity(StringInfo buf, HeapTuple tuple, TupleDesc tupdesc)
{
	bool		isnull;
	Datum		d;
	const char *label;

	appendStringInfoChar(buf, '{');
	AppendText(buf, "id", tuple, tupdesc, COL_ID);
	AppendText(buf, "contact_id", tuple, tupdesc, COL_CONTACT_ID);
	AppendText(buf, "company_id", tuple, tupdesc, COL_COMPANY_ID);

	d = SPI_getbinval(tuple, tupdesc, COL_ACTIVITY_TYPE, &isnull);
	AppendKey(buf, "activity_type", false);
	label = DatumGetCString(DirectFunctionCall1(enum_out, d));
	ClarkyAppendJsonString(buf, label, strlen(label));

	AppendText(buf, "title", tuple, tupdesc, COL_TITLE);
	AppendText(buf, "description", tuple, tupdesc, COL_DESCRIPTION);
	AppendTimestamp(buf, "due_date", tuple, tupdesc, COL_DUE_DATE);

	d = SPI_getbinval(tuple, tupdesc, COL_DURATION_MINUTES, &isnull);
	AppendKey(buf, "duration_minutes", false);
	appendStringInfoString(buf, isnull ? "null" :
						   DatumGetCString(DirectFunctionCall1(numeric_out, d)));

	AppendTimestamp(buf, "completed_at", tuple, tupdesc, COL_COMPLETED_AT);

	d = SPI_getbinval(tuple, tupdesc, COL_METADATA, &isnull);
	AppendKey(buf, "metadata", false);
	if (isnull)
		appendStringInfoString(buf, "{}");
	else
	{
		Jsonb	   *metadata = DatumGetJsonbP(d);

		(void) JsonbToCString(buf, &metadata->root, VARSIZE(metadata));
	}

	AppendTimestamp(buf, "created_at", tuple, tupdesc, COL_CREATED_AT);
	AppendTimestamp(buf, "occurred_at", tuple, tupdesc, COL_OCCURRED_AT);
	appendStringInfoChar(buf, '}');
}
