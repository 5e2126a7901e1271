/*-------------------------------------------------------------------------
 *
 * links.c
 *	  An activity's contacts and companies, the links that put it on their
 *	  timelines, and which contacts belong to which companies.
 *
 * An activity has a primary contact (contact_id) and a primary company
 * (company_id), and up to 49 others of each (contact_ids and company_ids
 * render the primary first).  clarky.activities keeps the primary ones in
 * contact_id and company_id, the others in other_contact_ids and
 * other_company_ids, and in via_company_ids the companies the activity
 * reached through its contacts when it was written: those its contacts
 * belonged to then (clarky.company_memberships), less the companies it is
 * logged against itself.  The row is the whole truth; the rest derives
 * from it.
 *
 * A primary contact's or company's timeline is a range of the activities'
 * own indexes, as in 1.0.  Every other road to a timeline is a row of
 * clarky.activity_links: ("contact", c) for each other contact,
 * ("company", c) for each other company, ("via_company", c) for each
 * company reached through people.  A live activity has exactly those
 * links; a deleted one none, so timelines read live entries only.  The
 * functions here write them in the statement after the activity's own,
 * in the same transaction, and remove them the same way, finding them
 * from the row (their key is the timeline's order: owner, occurred_at,
 * id); no trigger or foreign key is needed.  A company reaches an
 * activity by at most one road (primary, other, or through people), so its
 * timeline and its total count each activity once.
 *
 * The rules of the lists (see ResolveList): given only contact_ids, its
 * first id is the primary one; given contact_id too, that one is, and is
 * taken out of the others (so it is added where the array lacks it).  A
 * patch of contact_ids replaces the set; a patch of contact_id alone
 * replaces the primary contact (the old one leaves), and clearing it makes
 * the first of the others primary.  Likewise for companies.
 *
 * Attribution is decided when an activity is written: logging it, or an
 * update that changes its contacts or companies, looks the memberships up.
 * Adding a contact to a company changes no past activity unless a backfill
 * is asked for; removing one changes none.
 *
 * A write and a backfill of the same contact must see each other: in READ
 * COMMITTED, the one that comes second must see what the first committed.
 * So a write takes a share lock on each contact its payload names (a
 * transaction-level advisory lock of the contact's workspace and of a
 * slot its id hashes to, see CONTACT_LOCK_SLOTS) before it locks any row,
 * and looks the memberships up in a snapshot taken after; a backfill
 * takes the exclusive lock before it adds the membership, and so waits
 * for the writes in flight and makes later ones wait for it.  A contact
 * the activity keeps needs no lock: a backfill finds the activities
 * already on the contact by their committed rows, and waits for their row
 * locks.  Neither side waits for an advisory lock while holding a row
 * lock of its own call, so they do not deadlock (a transaction that wrote
 * activities of a contact in an earlier statement may, and is then
 * refused with 40P01, to be retried).
 *
 * Every statement names the call's workspace and runs with the caller's
 * privileges.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "common/hashfn.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "storage/lmgr.h"
#include "utils/timestamp.h"

#include "clarky_activity.h"
#include "iso8601.h"

/* The statements, prepared once per backend */
typedef enum LinkStatement
{
	STMT_VIA_COMPANIES,			/* $1 ws, $2 contact, $3 others, $4 company,
								 * $5 others */
	STMT_INSERT_LINKS,			/* $1 ws, $2 id, $3 occurred_at, $4 type,
								 * $5-$7 other contacts, companies, via */
	STMT_DELETE_LINKS,			/* $1 ws, $2 id, $3 occurred_at, $4-$6 */
	STMT_ADD_MEMBER,			/* $1 ws, $2 company, $3 contact, $4 now */
	STMT_MEMBER_SINCE,			/* $1 ws, $2 company, $3 contact */
	STMT_REMOVE_MEMBER,			/* $1 ws, $2 company, $3 contact */
	STMT_CONTACT_LINKED,		/* $1 ws, $2 contact: ids linked to it */
	STMT_BACKFILL,				/* $1 ws, $2 company, $3 contact, $4 linked
								 * ids */
	STMT_INSERT_VIA_LINKS,		/* $1 ws, $2 company, $3 ids, $4 times, $5
								 * types */
	STMT_MEMBERS_PAGE,			/* $1 ws, $2 company, $3 limit, $4 offset */
	STMT_MEMBERS_COUNT,			/* $1 ws, $2 company */
	NUM_LINK_STATEMENTS
} LinkStatement;

static SPIPlanPtr plans[NUM_LINK_STATEMENTS];

#define EQ " OPERATOR(pg_catalog.=) "
#define NE " OPERATOR(pg_catalog.<>) "
#define LINKS CLARKY_SCHEMA ".activity_links"
#define MEMBERSHIPS CLARKY_SCHEMA ".company_memberships"
#define LINK_COLUMNS "(workspace_id, owner_kind, owner_id, activity_id, occurred_at, activity_type)"

/* An activity's links' kinds and owners, from its three lists $a, $b, $c */
#define LINK_OWNERS(a, b, c) \
	"(SELECT 'contact', o FROM pg_catalog.unnest($" a ") AS o" \
	" UNION ALL SELECT 'company', o FROM pg_catalog.unnest($" b ") AS o" \
	" UNION ALL SELECT 'via_company', o FROM pg_catalog.unnest($" c ") AS o)" \
	" AS k (kind, owner_id)"

static SPIPlanPtr
LinkPlan(LinkStatement statement)
{
	static const struct
	{
		const char *sql;
		int			nargs;
		Oid			argtypes[7];
	}			statements[NUM_LINK_STATEMENTS] = {
		/* its SQL is ClarkyAppendViaCompanies' */
		[STMT_VIA_COMPANIES] = {
			NULL, 5, {TEXTOID, TEXTOID, TEXTARRAYOID, TEXTOID, TEXTARRAYOID}
		},
		[STMT_INSERT_LINKS] = {
			"INSERT INTO " LINKS " " LINK_COLUMNS
			" SELECT $1, k.kind, k.owner_id, $2, $3, $4::" CLARKY_SCHEMA ".activity_type"
			" FROM " LINK_OWNERS("5", "6", "7"),
			7, {TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID}
		},
		[STMT_DELETE_LINKS] = {
			"DELETE FROM " LINKS " AS l USING " LINK_OWNERS("4", "5", "6")
			" WHERE l.workspace_id" EQ "$1 AND l.owner_kind" EQ "k.kind"
			" AND l.owner_id" EQ "k.owner_id AND l.occurred_at" EQ "$3"
			" AND l.activity_id" EQ "$2",
			6, {TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID}
		},
		[STMT_ADD_MEMBER] = {
			"INSERT INTO " MEMBERSHIPS " (workspace_id, company_id, contact_id, added_at)"
			" VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING added_at",
			4, {TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID}
		},
		[STMT_MEMBER_SINCE] = {
			"SELECT added_at FROM " MEMBERSHIPS
			" WHERE workspace_id" EQ "$1 AND company_id" EQ "$2 AND contact_id" EQ "$3",
			3, {TEXTOID, TEXTOID, TEXTOID}
		},
		[STMT_REMOVE_MEMBER] = {
			"DELETE FROM " MEMBERSHIPS
			" WHERE workspace_id" EQ "$1 AND company_id" EQ "$2 AND contact_id" EQ "$3",
			3, {TEXTOID, TEXTOID, TEXTOID}
		},
		[STMT_CONTACT_LINKED] = {
			"SELECT pg_catalog.array_agg(activity_id) FROM " LINKS
			" WHERE workspace_id" EQ "$1 AND owner_kind" EQ "'contact' AND owner_id" EQ "$2",
			2, {TEXTOID, TEXTOID}
		},

		/*
		 * The contact's live activities that do not reach the company yet
		 * gain it as a company reached through people; their version stays,
		 * for nothing they render changes.  They are locked first, in the
		 * order of their ids: two backfills that share activities lock them
		 * in one order, where the order of a scan (the heap's, in which an
		 * activity updated meanwhile is elsewhere for a newer snapshot) could
		 * differ between them and deadlock.
		 */
		[STMT_BACKFILL] = {
			"WITH target AS (SELECT a.id FROM " CLARKY_SCHEMA ".activities AS a"
			" WHERE a.workspace_id" EQ "$1 AND a.deleted_at IS NULL"
			" AND (a.contact_id" EQ "$3 OR a.id" EQ "ANY ($4))"
			" AND (a.company_id IS NULL OR a.company_id" NE "$2)"
			" AND $2" NE "ALL (a.other_company_ids) AND $2" NE "ALL (a.via_company_ids)"
			" ORDER BY a.id FOR NO KEY UPDATE OF a)"
			" UPDATE " CLARKY_SCHEMA ".activities AS a"
			" SET via_company_ids = pg_catalog.array_append(a.via_company_ids, $2)"
			" FROM target AS t WHERE a.workspace_id" EQ "$1 AND a.id" EQ "t.id"
			" RETURNING a.id, a.occurred_at, a.activity_type::pg_catalog.text",
			4, {TEXTOID, TEXTOID, TEXTOID, TEXTARRAYOID}
		},
		[STMT_INSERT_VIA_LINKS] = {
			"INSERT INTO " LINKS " " LINK_COLUMNS
			" SELECT $1, 'via_company', $2, u.id, u.occurred_at,"
			" u.activity_type::" CLARKY_SCHEMA ".activity_type"
			" FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5))"
			" AS u (id, occurred_at, activity_type)",
			5, {TEXTOID, TEXTOID, TEXTARRAYOID, TIMESTAMPTZARRAYOID, TEXTARRAYOID}
		},
		[STMT_MEMBERS_PAGE] = {
			"SELECT contact_id, added_at FROM " MEMBERSHIPS
			" WHERE workspace_id" EQ "$1 AND company_id" EQ "$2"
			" ORDER BY contact_id LIMIT $3 OFFSET $4",
			4, {TEXTOID, TEXTOID, INT8OID, INT8OID}
		},
		[STMT_MEMBERS_COUNT] = {
			"SELECT pg_catalog.count(*) FROM " MEMBERSHIPS
			" WHERE workspace_id" EQ "$1 AND company_id" EQ "$2",
			2, {TEXTOID, TEXTOID}
		},
	};

	if (plans[statement] == NULL && statement == STMT_VIA_COMPANIES)
	{
		StringInfoData sql;

		initStringInfo(&sql);
		ClarkyAppendViaCompanies(&sql, true, 1, 2, 3, 4, 5);
		plans[statement] = ClarkyKeepPlan(sql.data, statements[statement].nargs,
										  (Oid *) statements[statement].argtypes);
		pfree(sql.data);
	}
	else if (plans[statement] == NULL)
		plans[statement] = ClarkyKeepPlan(statements[statement].sql,
										  statements[statement].nargs,
										  (Oid *) statements[statement].argtypes);
	return plans[statement];
}

void
ClarkyPrepareLinkStatements(void)
{
	for (int s = 0; s < NUM_LINK_STATEMENTS; s++)
		(void) LinkPlan(s);
}

/* The ids of a text[] datum (NULL or empty: none) */
static int
IdsOf(Datum array, bool isnull, Datum **ids)
{
	int			n = 0;

	*ids = NULL;
	if (!isnull)
		deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false,
						  TYPALIGN_INT, ids, NULL, &n);
	return n;
}

/* An empty text[] datum */
Datum
ClarkyNoIds(void)
{
	return PointerGetDatum(construct_empty_array(TEXTOID));
}

/* Whether a text[] datum has ids */
bool
ClarkyHasIds(Datum array)
{
	return ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(array)),
						  ARR_DIMS(DatumGetArrayTypeP(array))) > 0;
}

/*
 * Apply what a payload gives of one list (contact_ids or company_ids) and
 * its primary field to row, by the rules in the file's header.  patch holds
 * the given values: the primary as text (or null), the list as the text[]
 * of every id given (or null).  Returns whether the primary or the others
 * changed.
 */
static bool
ResolveList(ClarkyRow *row, const ClarkyRow *patch, const bool *given,
			ClarkyField list)
{
	ClarkyField primary = ListPrimary(list);
	Datum	   *ids;
	int			n;
	Datum		new_primary = (Datum) 0;
	bool		has_primary = false;
	Datum	   *others;
	int			count = 0;
	bool		changed;
	ValidationError error;

	if (!given[primary] && !given[list])
		return false;

	/* the ids to sort out: the list given, or else the current others */
	if (given[list])
		n = IdsOf(patch->values[list], patch->isnull[list], &ids);
	else
		n = IdsOf(row->values[list], row->isnull[list], &ids);

	if (given[primary] && !patch->isnull[primary])
	{
		new_primary = patch->values[primary];
		has_primary = true;
	}
	else if (n > 0)
	{
		/* the first id given, or the first of the others, is primary */
		new_primary = ids[0];
		has_primary = true;
		ids++;
		n--;
	}

	others = palloc(Max(n, 1) * sizeof(Datum));
	for (int i = 0; i < n; i++)
	{
		if (!has_primary || !ClarkyTextEqual(ids[i], new_primary))
			others[count++] = ids[i];
	}
	if (!ValidateTagCount(list, count + (has_primary ? 1 : 0), &error))
		ClarkyReportValidationError(&error);

	changed = (has_primary == row->isnull[primary]) ||
		(has_primary && !ClarkyTextEqual(new_primary, row->values[primary]));
	if (!changed)
	{
		Datum	   *old;
		int			n_old = IdsOf(row->values[list], row->isnull[list], &old);

		changed = (n_old != count);
		for (int i = 0; i < count && !changed; i++)
			changed = !ClarkyTextEqual(old[i], others[i]);
	}

	row->values[primary] = new_primary;
	row->isnull[primary] = !has_primary;
	row->values[list] = ClarkyTextArray(others, count);
	row->isnull[list] = false;
	return changed;
}

/*
 * Apply a payload's contact_id, company_id, contact_ids and company_ids to
 * row (for a new activity: one whose primary ids are null and lists
 * empty).  Returns whether the activity's contacts or companies changed.
 */
bool
ClarkyResolveTags(ClarkyRow *row, const ClarkyRow *patch, const bool *given)
{
	bool		contacts = ResolveList(row, patch, given, FIELD_CONTACT_IDS);
	bool		companies = ResolveList(row, patch, given, FIELD_COMPANY_IDS);

	return contacts || companies;
}

/* The advisory lock's tag class of a contact, apart from SQL's (1 and 2) */
#define LOCKTAG_CLASS_CONTACT 0x434B

/*
 * A workspace's contacts share CONTACT_LOCK_SLOTS locks, by a hash of the
 * id: a transaction that writes or backfills any number of contacts holds
 * at most that many (one lock per contact would fill the server's lock
 * table on a bulk load in one transaction).  A backfill then also waits
 * for the writes in flight of the other contacts of its slot, and makes
 * theirs wait: for one slot in 256, as long as its transaction lasts.
 */
#define CONTACT_LOCK_SLOTS 256

/* A contact's lock slot in its workspace */
static uint32
ContactLockSlot(Datum contact)
{
	text	   *id = DatumGetTextPP(contact);

	return hash_bytes((const unsigned char *) VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)) %
		CONTACT_LOCK_SLOTS;
}

/* Take a lock slot of the workspace, against writes or backfills */
static void
LockContactSlot(Datum workspace, uint32 slot, LOCKMODE mode)
{
	text	   *ws = DatumGetTextPP(workspace);
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId,
						 hash_bytes((const unsigned char *) VARDATA_ANY(ws), VARSIZE_ANY_EXHDR(ws)),
						 slot, LOCKTAG_CLASS_CONTACT);
	(void) LockAcquire(&tag, mode, false, false);
}

static int
CompareSlots(const void *a, const void *b)
{
	uint32		x = *(const uint32 *) a;
	uint32		y = *(const uint32 *) b;

	return (x > y) - (x < y);
}

/*
 * Before a write locks any row: a share lock on the slot of each contact
 * the payload (of a log or a patch) names, against a backfill (see the
 * header), in the slots' order, so that two writes never wait for each
 * other's backfills in opposite orders
 */
void
ClarkyLockContacts(Datum workspace, const ClarkyRow *payload, const bool *given)
{
	Datum	   *ids = NULL;
	int			n = 0;
	uint32	   *slots;
	int			count = 0;

	if (given[FIELD_CONTACT_IDS])
		n = IdsOf(payload->values[FIELD_CONTACT_IDS], payload->isnull[FIELD_CONTACT_IDS], &ids);
	slots = palloc((n + 1) * sizeof(uint32));
	if (given[FIELD_CONTACT_ID] && !payload->isnull[FIELD_CONTACT_ID])
		slots[count++] = ContactLockSlot(payload->values[FIELD_CONTACT_ID]);
	for (int i = 0; i < n; i++)
		slots[count++] = ContactLockSlot(ids[i]);
	qsort(slots, count, sizeof(uint32), CompareSlots);
	for (int i = 0; i < count; i++)
		if (i == 0 || slots[i] != slots[i - 1])
			LockContactSlot(workspace, slots[i], ShareLock);
	pfree(slots);
}

/*
 * Decide the companies row reaches through its contacts, now: into row's
 * via_company_ids.  Within SPI, after ClarkyLockContacts.
 */
void
ClarkyAttributeToCompanies(Datum workspace, ClarkyRow *row)
{
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
	bool		isnull;

	row->values[FIELD_VIA_COMPANY_IDS] = ClarkyNoIds();
	row->isnull[FIELD_VIA_COMPANY_IDS] = false;
	if (row->isnull[FIELD_CONTACT_ID] && !ClarkyHasIds(row->values[FIELD_CONTACT_IDS]))
		return;

	values[0] = workspace;
	values[1] = row->values[FIELD_CONTACT_ID];
	nulls[1] = row->isnull[FIELD_CONTACT_ID] ? 'n' : ' ';
	values[2] = row->values[FIELD_CONTACT_IDS];
	values[3] = row->values[FIELD_COMPANY_ID];
	nulls[3] = row->isnull[FIELD_COMPANY_ID] ? 'n' : ' ';
	values[4] = row->values[FIELD_COMPANY_IDS];
	/* not read-only: a snapshot taken after the locks */
	if (SPI_execute_plan(LinkPlan(STMT_VIA_COMPANIES), values, nulls, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "company membership lookup failed");
	row->values[FIELD_VIA_COMPANY_IDS] =
		SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull),
						  false, -1);
}

/*
 * The companies an activity reaches through its people, now: those its
 * contacts (the primary one, parameter $contact, and the others, a text[]
 * $contacts) belong to, less the companies it is logged against ($company,
 * $companies), in the workspace $workspace: a text[] sorted, empty for
 * none.  As a scalar subquery, the log's INSERT has it as via_company_ids'
 * value, so that it is decided in the INSERT's own snapshot; as a
 * statement of its own (the SELECT of one table that Citus can route,
 * standalone) it is STMT_VIA_COMPANIES.  contacts 0 means the primary
 * contact alone (the common log; a subquery only): then it is the
 * membership index's range in its order, with no aggregate to set up and
 * nothing to make distinct.
 */
void
ClarkyAppendViaCompanies(StringInfo sql, bool standalone, int workspace, int contact,
						 int contacts, int company, int companies)
{
	Assert(!standalone || contacts != 0);
	if (contacts == 0)
		appendStringInfo(sql, "ARRAY(SELECT m.company_id FROM " MEMBERSHIPS " AS m"
						 " WHERE m.workspace_id" EQ "$%d AND m.contact_id" EQ "$%d",
						 workspace, contact);
	else
		appendStringInfo(sql, "%sSELECT COALESCE(pg_catalog.array_agg(DISTINCT m.company_id"
						 " ORDER BY m.company_id), '{}'::pg_catalog.text[])"
						 " FROM " MEMBERSHIPS " AS m"
						 " WHERE m.workspace_id" EQ "$%d"
						 " AND m.contact_id" EQ "ANY (pg_catalog.array_prepend($%d, $%d))",
						 standalone ? "" : "(", workspace, contact, contacts);
	appendStringInfo(sql, " AND ($%d IS NULL OR m.company_id" NE "$%d)"
					 " AND m.company_id" NE "ALL ($%d)",
					 company, company, companies);
	appendStringInfoString(sql, contacts == 0 ? " ORDER BY m.company_id)" :
						   standalone ? "" : ")");
}

/* Whether a live activity of these values has links */
bool
ClarkyHasLinks(const ClarkyRow *row)
{
	return ClarkyHasIds(row->values[FIELD_CONTACT_IDS]) ||
		ClarkyHasIds(row->values[FIELD_COMPANY_IDS]) ||
		ClarkyHasIds(row->values[FIELD_VIA_COMPANY_IDS]);
}

/*
 * Write the links of the live activity row (its id, occurred_at, activity
 * type label and lists), if it has any.  Within SPI.
 */
void
ClarkyInsertLinks(Datum workspace, const ClarkyRow *row, const char *type_label)
{
	Datum		values[7];
	const char	nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};

	if (!ClarkyHasLinks(row))
		return;
	values[0] = workspace;
	values[1] = row->values[FIELD_ID];
	values[2] = row->values[FIELD_OCCURRED_AT];
	values[3] = CStringGetTextDatum(type_label);
	values[4] = row->values[FIELD_CONTACT_IDS];
	values[5] = row->values[FIELD_COMPANY_IDS];
	values[6] = row->values[FIELD_VIA_COMPANY_IDS];
	if (SPI_execute_plan(LinkPlan(STMT_INSERT_LINKS), values, nulls, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "activity links insert failed");
}

/*
 * Remove the links of the activity row (its id, occurred_at and lists as
 * they were when its links were written), if it has any.  Within SPI.
 */
void
ClarkyDeleteLinks(Datum workspace, const ClarkyRow *row)
{
	Datum		values[6];
	const char	nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	if (!ClarkyHasLinks(row))
		return;
	values[0] = workspace;
	values[1] = row->values[FIELD_ID];
	values[2] = row->values[FIELD_OCCURRED_AT];
	values[3] = row->values[FIELD_CONTACT_IDS];
	values[4] = row->values[FIELD_COMPANY_IDS];
	values[5] = row->values[FIELD_VIA_COMPANY_IDS];
	if (SPI_execute_plan(LinkPlan(STMT_DELETE_LINKS), values, nulls, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "activity links delete failed");
}

/* Check a contact and a company id parameter; the first parameters */
static void
BeginMembershipCall(text *contact_id, text *company_id, Datum *values)
{
	ClarkyRequireCurrentSql();
	ClarkyCheckOwnerId("contact_id", contact_id);
	ClarkyCheckOwnerId("company_id", company_id);
	values[0] = PointerGetDatum(ClarkyCurrentWorkspace());
	values[1] = PointerGetDatum(company_id);
	values[2] = PointerGetDatum(contact_id);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

/* Append a membership's JSON object's keys (after "{") */
static void
AppendMembership(StringInfo buf, text *company_id, text *contact_id, TimestampTz added_at)
{
	char		when[ISO8601_FORMAT_LEN + 1];

	if (Iso8601Format(added_at, when) == 0)
		elog(ERROR, "timestamp out of range for rendering");
	appendStringInfoString(buf, "\"company_id\": ");
	ClarkyAppendJsonString(buf, VARDATA_ANY(company_id), VARSIZE_ANY_EXHDR(company_id));
	appendStringInfoString(buf, ", \"contact_id\": ");
	ClarkyAppendJsonString(buf, VARDATA_ANY(contact_id), VARSIZE_ANY_EXHDR(contact_id));
	appendStringInfo(buf, ", \"added_at\": \"%s\"", when);
}

/*
 * Backfill: the contact's live activities that do not reach the company
 * yet reach it through people from now on.  Returns how many.  values
 * holds the workspace, the company and the contact.
 */
static uint64
Backfill(Datum *values)
{
	Datum		args[5];
	Datum		contact[2] = {values[0], values[2]};
	bool		isnull;
	uint64		n;
	Datum	   *ids;
	Datum	   *times;
	Datum	   *types;

	/* the activities the contact is on as one of the others */
	if (SPI_execute_plan(LinkPlan(STMT_CONTACT_LINKED), contact, "  ", false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "contact links lookup failed");
	args[0] = values[0];
	args[1] = values[1];
	args[2] = values[2];
	args[3] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		args[3] = ClarkyNoIds();
	else
		args[3] = SPI_datumTransfer(args[3], false, -1);

	if (SPI_execute_plan(LinkPlan(STMT_BACKFILL), args, "    ", false, 0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "backfill update failed");
	n = SPI_processed;
	if (n == 0)
		return 0;

	ids = palloc(n * sizeof(Datum));
	times = palloc(n * sizeof(Datum));
	types = palloc(n * sizeof(Datum));
	for (uint64 i = 0; i < n; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;

		ids[i] = SPI_getbinval(tuple, desc, 1, &isnull);
		times[i] = SPI_getbinval(tuple, desc, 2, &isnull);
		types[i] = SPI_getbinval(tuple, desc, 3, &isnull);
	}
	args[2] = ClarkyTextArray(ids, (int) n);
	args[3] = PointerGetDatum(construct_array(times, (int) n, TIMESTAMPTZOID, 8,
											  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[4] = ClarkyTextArray(types, (int) n);
	if (SPI_execute_plan(LinkPlan(STMT_INSERT_VIA_LINKS), args, "     ", false, 0) != SPI_OK_INSERT)
		elog(ERROR, "backfill links insert failed");
	return n;
}

/*
 * Make contact_id one of company_id's contacts (nothing changes if it is
 * already), backfilling its past activities if asked.  *created says
 * whether the membership is new.  Returns {"data": membership}.
 */
text *
ClarkyAddContactToCompany(text *contact_id, text *company_id, bool backfill,
						  bool *created)
{
	Datum		values[4];
	bool		isnull;
	TimestampTz added_at;
	uint64		backfilled = 0;
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	BeginMembershipCall(contact_id, company_id, values);
	/* the writes of the contact in flight first, later ones after this */
	if (backfill)
		LockContactSlot(values[0], ContactLockSlot(values[2]), ExclusiveLock);
	values[3] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	if (SPI_execute_plan(LinkPlan(STMT_ADD_MEMBER), values, "    ", false, 0) != SPI_OK_INSERT_RETURNING)
		elog(ERROR, "company membership insert failed");
	*created = (SPI_processed == 1);
	if (!*created &&
		(SPI_execute_plan(LinkPlan(STMT_MEMBER_SINCE), values, "   ", false, 1) != SPI_OK_SELECT ||
		 SPI_processed != 1))
		elog(ERROR, "company membership lookup failed");
	added_at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[0],
												 SPI_tuptable->tupdesc, 1, &isnull));
	if (backfill)
		backfilled = Backfill(values);
	SPI_finish();

	appendStringInfoString(&buf, "{\"data\": {");
	AppendMembership(&buf, company_id, contact_id, added_at);
	appendStringInfo(&buf, ", \"backfilled\": " UINT64_FORMAT "}}", backfilled);
	SET_VARSIZE(buf.data, buf.len);
	return (text *) buf.data;
}

/* Take contact_id out of company_id's contacts; whether it was in them */
bool
ClarkyRemoveContactFromCompany(text *contact_id, text *company_id)
{
	Datum		values[3];
	bool		removed;

	BeginMembershipCall(contact_id, company_id, values);
	if (SPI_execute_plan(LinkPlan(STMT_REMOVE_MEMBER), values, "   ", false, 0) != SPI_OK_DELETE)
		elog(ERROR, "company membership delete failed");
	removed = (SPI_processed > 0);
	SPI_finish();
	return removed;
}

/*
 * One page of company_id's contacts, by contact id: {"data": [membership,
 * ...], "pagination": {...}}.  The page and its total are read in one
 * snapshot.
 */
text *
ClarkyCompanyContacts(text *company_id, int32 page, int32 page_size)
{
	Datum		values[4];
	const char	nulls[4] = {' ', ' ', ' ', ' '};
	int64		total;
	bool		isnull;
	StringInfoData buf;

	ClarkyRequireCurrentSql();
	ClarkyCheckOwnerId("company_id", company_id);
	ClarkyCheckPage(page, page_size);

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendStringInfoString(&buf, "{\"data\": [");
	values[0] = PointerGetDatum(ClarkyCurrentWorkspace());
	values[1] = PointerGetDatum(company_id);
	values[2] = Int64GetDatum(page_size);
	values[3] = Int64GetDatum((int64) (page - 1) * page_size);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (SPI_execute_plan(LinkPlan(STMT_MEMBERS_PAGE), values, nulls, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "company contacts query failed");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tuple = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		text	   *contact = DatumGetTextPP(SPI_getbinval(tuple, desc, 1, &isnull));
		TimestampTz added_at = DatumGetTimestampTz(SPI_getbinval(tuple, desc, 2, &isnull));

		appendStringInfoString(&buf, i ? ", {" : "{");
		AppendMembership(&buf, company_id, contact, added_at);
		appendStringInfoChar(&buf, '}');
	}
	if (SPI_processed > 0 && SPI_processed < (uint64) page_size)
		total = DatumGetInt64(values[3]) + (int64) SPI_processed;
	else
	{
		if (SPI_execute_plan(LinkPlan(STMT_MEMBERS_COUNT), values, nulls, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "company contacts count failed");
		total = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
											&isnull));
	}
	SPI_finish();

	return ClarkyFinishPage(&buf, page, page_size, total);
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_add_contact_to_company);

/* clarky.add_contact_to_company(contact_id, company_id, backfill) */
Datum
clarky_add_contact_to_company(PG_FUNCTION_ARGS)
{
	bool		created;

	ClarkyRequireArgument(fcinfo, 0, "contact_id");
	ClarkyRequireArgument(fcinfo, 1, "company_id");
	ClarkyRequireArgument(fcinfo, 2, "backfill");
	PG_RETURN_TEXT_P(ClarkyAddContactToCompany(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1),
											   PG_GETARG_BOOL(2), &created));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_remove_contact_from_company);

/* clarky.remove_contact_from_company(contact_id, company_id) */
Datum
clarky_remove_contact_from_company(PG_FUNCTION_ARGS)
{
	ClarkyRequireArgument(fcinfo, 0, "contact_id");
	ClarkyRequireArgument(fcinfo, 1, "company_id");
	PG_RETURN_BOOL(ClarkyRemoveContactFromCompany(PG_GETARG_TEXT_PP(0), PG_GETARG_TEXT_PP(1)));
}

FUNCTION_PREFIX PG_FUNCTION_INFO_V1(clarky_company_contacts);

/* clarky.company_contacts(company_id, page, page_size) */
Datum
clarky_company_contacts(PG_FUNCTION_ARGS)
{
	ClarkyRequireArgument(fcinfo, 0, "company_id");
	ClarkyRequireArgument(fcinfo, 1, "page");
	ClarkyRequireArgument(fcinfo, 2, "page_size");
	PG_RETURN_TEXT_P(ClarkyCompanyContacts(PG_GETARG_TEXT_PP(0), PG_GETARG_INT32(1),
										   PG_GETARG_INT32(2)));
}
