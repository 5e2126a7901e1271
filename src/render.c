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
 * Rows are rendered as the executor produces them, by a DestReceiver, so
 * they are never copied into an SPI tuple table first.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "nodes/params.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "clarky_activity.h"
#include "iso8601.h"
#include "json_out.h"

/* Append str[0..len) to buf as a JSON string */
void
ClarkyAppendJsonString(StringInfo buf, const char *str, size_t len)
{
	enlargeStringInfo(buf, JSON_QUOTED_MAX(len));
	buf->len += JsonQuote(buf->data + buf->len, str, len);
	buf->data[buf->len] = '\0';
}

/* Append ", "key": " to buf; key is a string literal */
#define APPEND_KEY(buf, key) \
	appendBinaryStringInfo(buf, ", \"" key "\": ", sizeof(", \"" key "\": ") - 1)

#define APPEND_NULL(buf) appendBinaryStringInfo(buf, "null", 4)

static void
AppendText(StringInfo buf, Datum value, bool isnull)
{
	text	   *t;

	if (isnull)
	{
		APPEND_NULL(buf);
		return;
	}
	t = DatumGetTextPP(value);
	ClarkyAppendJsonString(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

static void
AppendTimestamp(StringInfo buf, Datum value, bool isnull)
{
	if (isnull)
	{
		APPEND_NULL(buf);
		return;
	}
	/* the table's CHECK constraints keep every timestamp in range */
	enlargeStringInfo(buf, ISO8601_FORMAT_LEN + 2);
	buf->data[buf->len] = '"';
	if (Iso8601Format(DatumGetTimestampTz(value), buf->data + buf->len + 1) == 0)
		elog(ERROR, "timestamp out of range for rendering");
	buf->len += ISO8601_FORMAT_LEN;
	buf->data[buf->len++] = '"';
	buf->data[buf->len] = '\0';
}

/*
 * Append the JSON object of one activity to buf, from the values of the
 * columns of CLARKY_ACTIVITY_COLUMNS, in that order (numbered by
 * ClarkyActivityColumn), and the label of its activity_type.
 */
void
ClarkyRenderActivity(StringInfo buf, const Datum *values, const bool *isnull,
					 const char *label)
{
	appendBinaryStringInfo(buf, "{\"id\": ", sizeof("{\"id\": ") - 1);
	AppendText(buf, values[CLARKY_COL_ID], isnull[CLARKY_COL_ID]);
	APPEND_KEY(buf, "contact_id");
	AppendText(buf, values[CLARKY_COL_CONTACT_ID], isnull[CLARKY_COL_CONTACT_ID]);
	APPEND_KEY(buf, "company_id");
	AppendText(buf, values[CLARKY_COL_COMPANY_ID], isnull[CLARKY_COL_COMPANY_ID]);

	APPEND_KEY(buf, "activity_type");
	ClarkyAppendJsonString(buf, label, strlen(label));

	APPEND_KEY(buf, "title");
	AppendText(buf, values[CLARKY_COL_TITLE], isnull[CLARKY_COL_TITLE]);
	APPEND_KEY(buf, "description");
	AppendText(buf, values[CLARKY_COL_DESCRIPTION], isnull[CLARKY_COL_DESCRIPTION]);
	APPEND_KEY(buf, "due_date");
	AppendTimestamp(buf, values[CLARKY_COL_DUE_DATE], isnull[CLARKY_COL_DUE_DATE]);

	APPEND_KEY(buf, "duration_minutes");
	if (isnull[CLARKY_COL_DURATION_MINUTES])
		APPEND_NULL(buf);
	else
		appendStringInfoString(buf,
							   DatumGetCString(DirectFunctionCall1(numeric_out,
																   values[CLARKY_COL_DURATION_MINUTES])));

	APPEND_KEY(buf, "completed_at");
	AppendTimestamp(buf, values[CLARKY_COL_COMPLETED_AT], isnull[CLARKY_COL_COMPLETED_AT]);

	/* metadata is NOT NULL in the table */
	APPEND_KEY(buf, "metadata");
	{
		Jsonb	   *metadata = DatumGetJsonbP(values[CLARKY_COL_METADATA]);

		(void) JsonbToCString(buf, &metadata->root, VARSIZE(metadata));
	}

	APPEND_KEY(buf, "created_at");
	AppendTimestamp(buf, values[CLARKY_COL_CREATED_AT], isnull[CLARKY_COL_CREATED_AT]);
	APPEND_KEY(buf, "occurred_at");
	AppendTimestamp(buf, values[CLARKY_COL_OCCURRED_AT], isnull[CLARKY_COL_OCCURRED_AT]);
	appendStringInfoChar(buf, '}');
}

/* A DestReceiver that renders each row it receives into buf */
typedef struct RenderReceiver
{
	DestReceiver pub;
	StringInfo	buf;
	MemoryContext rowcxt;		/* reset after every row */
	uint64		rows;
	int64	   *extra;			/* where to put the first row's 13th column */
} RenderReceiver;

static bool
RenderReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	RenderReceiver *receiver = (RenderReceiver *) self;
	MemoryContext oldcxt = MemoryContextSwitchTo(receiver->rowcxt);
	const char *label;

	slot_getallattrs(slot);
	if (receiver->rows == 0 && receiver->extra != NULL)
		*receiver->extra = slot->tts_isnull[CLARKY_COL_EXTRA] ? 0 :
			DatumGetInt64(slot->tts_values[CLARKY_COL_EXTRA]);
	if (receiver->rows++ > 0)
		appendBinaryStringInfo(receiver->buf, ", ", 2);
	label = ClarkyActivityTypeLabel(DatumGetObjectId(slot->tts_values[CLARKY_COL_ACTIVITY_TYPE]));
	ClarkyRenderActivity(receiver->buf, slot->tts_values, slot->tts_isnull, label);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(receiver->rowcxt);
	return true;
}

static void
RenderStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	RenderReceiver *receiver = (RenderReceiver *) self;

	if (typeinfo->natts < CLARKY_COL_OCCURRED_AT + 1 ||
		(receiver->extra != NULL && (typeinfo->natts <= CLARKY_COL_EXTRA ||
									 TupleDescAttr(typeinfo, CLARKY_COL_EXTRA)->atttypid != INT8OID)))
		elog(ERROR, "rendering expects the columns of an activity");
}

static void
RenderNothing(DestReceiver *self)
{
}

/*
 * Execute a prepared statement returning activities (CLARKY_ACTIVITY_COLUMNS)
 * and append each row to buf as a JSON object, separated by ", ".  Returns
 * the number of rows.  Where extra is not NULL, the statement returns a
 * bigint 13th column too, and *extra receives its value in the first row
 * (NULL as 0; untouched if there is no row).  Must be called within
 * SPI_connect.
 */
uint64
ClarkyRenderQuery(SPIPlanPtr plan, const Datum *values, const char *nulls,
				  bool read_only, StringInfo buf, int64 *extra)
{
	int			nargs = SPI_getargcount(plan);
	ParamListInfo params = makeParamList(nargs);
	SPIExecuteOptions options = {0};
	RenderReceiver *receiver = palloc0(sizeof(RenderReceiver));
	int			rc;
	uint64		rows;

	for (int i = 0; i < nargs; i++)
	{
		ParamExternData *param = &params->params[i];

		param->value = values[i];
		param->isnull = (nulls[i] == 'n');
		param->pflags = PARAM_FLAG_CONST;
		param->ptype = SPI_getargtypeid(plan, i);
	}

	receiver->pub.receiveSlot = RenderReceiveSlot;
	receiver->pub.rStartup = RenderStartup;
	receiver->pub.rShutdown = RenderNothing;
	receiver->pub.rDestroy = RenderNothing;
	receiver->pub.mydest = DestNone;
	receiver->buf = buf;
	receiver->extra = extra;
	receiver->rowcxt = AllocSetContextCreate(CurrentMemoryContext,
											 "clarky rendered row",
											 ALLOCSET_SMALL_SIZES);

	options.params = params;
	options.read_only = read_only;
	options.dest = (DestReceiver *) receiver;
	/* with a receiver of its own, SPI reports SELECT as "utility" */
	rc = SPI_execute_plan_extended(plan, &options);
	if (rc < 0)
		elog(ERROR, "activity query failed: %s", SPI_result_code_string(rc));

	rows = receiver->rows;
	MemoryContextDelete(receiver->rowcxt);
	pfree(receiver);
	return rows;
}
