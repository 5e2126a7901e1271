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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
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

#define APPEND_NULL(buf) appendBinaryStringInfo(buf, "null", 4)

/* Each field's key as it follows another: ", "name": " */
static const struct
{
	const char *str;
	int			len;
}			field_keys[FIELD_COUNT] = {
#define CLARKY_FIELD(tag, name, column, kind, limit, on_create, on_patch, rendered) \
	[tag] = {", \"" name "\": ", sizeof(", \"" name "\": ") - 1},
#include "activity_fields.h"
#undef CLARKY_FIELD
};

static void
AppendText(StringInfo buf, Datum value)
{
	text	   *t = DatumGetTextPP(value);

	ClarkyAppendJsonString(buf, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

static void
AppendTimestamp(StringInfo buf, Datum value)
{
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
 * An id list as a JSON array: the primary id (unless null) and then the
 * others, the list's column
 */
static void
AppendIdList(StringInfo buf, const Datum *values, const bool *isnull, int field)
{
	ClarkyField primary = ListPrimary((ClarkyField) field);
	ArrayType  *others = isnull[field] ? NULL : DatumGetArrayTypeP(values[field]);
	bool		first = true;

	appendStringInfoChar(buf, '[');
	if (primary < FIELD_COUNT && !isnull[primary])
	{
		AppendText(buf, values[primary]);
		first = false;
	}
	if (others != NULL && ARR_NDIM(others) > 0)
	{
		ArrayIterator it = array_create_iterator(others, 0, NULL);
		Datum		id;
		bool		id_isnull;

		while (array_iterate(it, &id, &id_isnull))
		{
			if (id_isnull)
				continue;
			if (!first)
				appendBinaryStringInfo(buf, ", ", 2);
			AppendText(buf, id);
			first = false;
		}
		array_free_iterator(it);
	}
	appendStringInfoChar(buf, ']');
}

/*
 * Append the JSON object of one activity to buf, from the values of its
 * fields (numbered by ClarkyField) and the label of its activity_type.
 * Keys come in the order of activity_fields.h; deleted_at only where
 * show_deleted asks for it.
 */
void
ClarkyRenderActivity(StringInfo buf, const Datum *values, const bool *isnull,
					 const char *label, bool show_deleted)
{
	for (int f = 0; f < FIELD_COUNT; f++)
	{
		if (ClarkyFields[f].rendered == RENDER_NEVER ||
			(ClarkyFields[f].rendered == RENDER_DELETED && !show_deleted))
			continue;
		/* the first key opens the object instead of following a comma */
		if (f == 0)
		{
			appendStringInfoChar(buf, '{');
			appendBinaryStringInfo(buf, field_keys[f].str + 2, field_keys[f].len - 2);
		}
		else
			appendBinaryStringInfo(buf, field_keys[f].str, field_keys[f].len);

		if (isnull[f] && ClarkyFields[f].kind != FIELD_KIND_ID_LIST)
		{
			APPEND_NULL(buf);
			continue;
		}
		switch (ClarkyFields[f].kind)
		{
			case FIELD_KIND_ID:
			case FIELD_KIND_TEXT:
				AppendText(buf, values[f]);
				break;
			case FIELD_KIND_TYPE:
				ClarkyAppendJsonString(buf, label, strlen(label));
				break;
			case FIELD_KIND_TIMESTAMP:
				AppendTimestamp(buf, values[f]);
				break;
			case FIELD_KIND_DURATION:
				appendStringInfoString(buf,
									   DatumGetCString(DirectFunctionCall1(numeric_out,
																		   values[f])));
				break;
			case FIELD_KIND_METADATA:
				{
					Jsonb	   *metadata = DatumGetJsonbP(values[f]);

					(void) JsonbToCString(buf, &metadata->root, VARSIZE(metadata));
				}
				break;
			case FIELD_KIND_VERSION:
				appendStringInfo(buf, "%d", DatumGetInt32(values[f]));
				break;
			case FIELD_KIND_ID_LIST:
				AppendIdList(buf, values, isnull, f);
				break;
		}
	}
	appendStringInfoChar(buf, '}');
}

/* A DestReceiver that renders each row it receives into buf */
typedef struct RenderReceiver
{
	DestReceiver pub;
	StringInfo	buf;
	MemoryContext rowcxt;		/* reset after every row */
	uint64		rows;
	ClarkyRenderInfo *info;		/* what the caller asks and learns, or NULL */
	MemoryContext callercxt;	/* where info->row's values are copied */
} RenderReceiver;

static bool
RenderReceiveSlot(TupleTableSlot *slot, DestReceiver *self)
{
	RenderReceiver *receiver = (RenderReceiver *) self;
	MemoryContext oldcxt = MemoryContextSwitchTo(receiver->rowcxt);
	const char *label;

	slot_getallattrs(slot);
	if (receiver->rows == 0 && receiver->info != NULL)
	{
		ClarkyRenderInfo *info = receiver->info;

		if (info->want_extra)
			info->extra = slot->tts_isnull[CLARKY_COL_EXTRA] ? 0 :
				DatumGetInt64(slot->tts_values[CLARKY_COL_EXTRA]);
		info->version = DatumGetInt32(slot->tts_values[FIELD_VERSION]);
		if (info->row != NULL)
		{
			MemoryContextSwitchTo(receiver->callercxt);
			for (int f = 0; f < FIELD_COUNT; f++)
			{
				Form_pg_attribute att = TupleDescAttr(slot->tts_tupleDescriptor, f);

				info->row->isnull[f] = slot->tts_isnull[f];
				info->row->values[f] = slot->tts_isnull[f] ? (Datum) 0 :
					datumCopy(slot->tts_values[f], att->attbyval, att->attlen);
			}
			MemoryContextSwitchTo(receiver->rowcxt);
		}
	}
	if (receiver->rows++ > 0)
		appendBinaryStringInfo(receiver->buf, ", ", 2);
	label = ClarkyActivityTypeLabel(DatumGetObjectId(slot->tts_values[FIELD_ACTIVITY_TYPE]));
	ClarkyRenderActivity(receiver->buf, slot->tts_values, slot->tts_isnull, label,
						 receiver->info && receiver->info->show_deleted);

	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(receiver->rowcxt);
	return true;
}

static void
RenderStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	RenderReceiver *receiver = (RenderReceiver *) self;

	if (typeinfo->natts < FIELD_COUNT ||
		(receiver->info && receiver->info->want_extra &&
		 (typeinfo->natts <= CLARKY_COL_EXTRA ||
		  TupleDescAttr(typeinfo, CLARKY_COL_EXTRA)->atttypid != INT8OID)))
		elog(ERROR, "rendering expects the columns of an activity");
}

static void
RenderNothing(DestReceiver *self)
{
}

/*
 * Execute a prepared statement returning activities (the columns of
 * ClarkySelectList()) and append each row to buf as a JSON object,
 * separated by ", ".  Returns the number of rows.  Where info asks for
 * want_extra, the statement returns a bigint column after them, and
 * info->extra receives its value in the first row (NULL as 0); info->version
 * receives the first row's version (both untouched if there is no row).
 * Must be called within SPI_connect.
 */
uint64
ClarkyRenderQuery(SPIPlanPtr plan, const Datum *values, const char *nulls,
				  bool read_only, StringInfo buf, ClarkyRenderInfo *info)
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
	receiver->info = info;
	receiver->callercxt = CurrentMemoryContext;
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

/*
 * Close a page's response whose buf (with room for a varlena header) holds
 * '{"data": [' and the items: the pagination object, and the text
 */
text *
ClarkyFinishPage(StringInfo buf, int32 page, int32 page_size, int64 total)
{
	appendStringInfo(buf, "], \"pagination\": {\"page\": %d, \"page_size\": %d, "
					 "\"total\": " INT64_FORMAT ", \"total_pages\": " INT64_FORMAT "}}",
					 page, page_size, total, (total + page_size - 1) / page_size);
	SET_VARSIZE(buf->data, buf->len);
	return (text *) buf->data;
}
