#!/usr/bin/env python3
"""Write the seed corpus of fuzz_payload (test/fuzz/corpus/fuzz_payload/).

Each seed is a payload, a new activity's or a patch's, in fuzz_payload.c's
input layout (see its header comment).  Run from anywhere: python3 test/fuzz/make_payload_seeds.py
The seeds are committed; this script is how they were made.
"""
import os
import struct

# The keys the input names by number: the fields in the order of
# src/activity_fields.h, then workspace_id (fuzz_payload.c's KeyName)
FIELDS = ["id", "contact_id", "company_id", "activity_type", "title", "description",
          "due_date", "duration_minutes", "completed_at", "metadata", "created_at",
          "occurred_at", "owner_id", "updated_at", "version", "deleted_at",
          "contact_ids", "company_ids", "via_company_ids"]
KEYS = FIELDS + ["workspace_id"]
RAW_KEY = 12 * len(KEYS)  # 240: a selector from here on is a fuzzed key
# The fields a new activity (and a patch) may give, in the order judged
ACCEPTED = ["activity_type", "contact_id", "company_id", "title", "description",
            "due_date", "duration_minutes", "completed_at", "metadata", "occurred_at",
            "owner_id", "contact_ids", "company_ids"]
SERVER_SET = ["id", "created_at", "updated_at", "version", "deleted_at", "workspace_id"]
TYPES = ["note", "call", "meeting", "video_call", "task", "todo", "reminder"]
NULL, STRING, NUMBER, BOOL, OBJECT, ARRAY = range(6)
UTF8, UNIT_UTF8, SINGLE_BYTE = 0, 2, 3
CREATE, PATCH = 0, 4  # the flags' mode bit


def key(k):
    if isinstance(k, str) and k in KEYS:
        return bytes([KEYS.index(k)])
    raw = k.encode() if isinstance(k, str) else k
    assert len(raw) < 512
    return bytes([RAW_KEY | (len(raw) >> 8), len(raw) & 0xFF]) + raw


def text(k, s):
    """A string member of raw text (mode 0)."""
    raw = s.encode() if isinstance(s, str) else s
    return bytes([STRING]) + key(k) + bytes([0]) + struct.pack("<H", len(raw)) + raw


def label(k, t):
    """An activity type (mode 2): an index into TYPES, or 7 for "Note"."""
    return bytes([STRING]) + key(k) + bytes([2, t])


def repeat(k, unit, base, delta):
    """unit repeated base + delta times; base one of 255, 1000, 100000."""
    raw = unit.encode() if isinstance(unit, str) else unit
    sel = {255: 0, 1000: 1, 100000: 2}[base]
    return (bytes([STRING]) + key(k) + bytes([3, len(raw) - 1]) + raw +
            bytes([sel]) + struct.pack("<b", delta))


def stamp(k, form, fields):
    """A timestamp built from fields (mode 1); see BuildTimestamp."""
    return bytes([STRING]) + key(k) + bytes([1, form]) + bytes(fields)


def number(k, s):
    """A number as raw text (mode 2)."""
    raw = s.encode()
    return bytes([NUMBER]) + key(k) + bytes([2, len(raw)]) + raw


def obj(k, json_len, depth=1):
    return bytes([OBJECT]) + key(k) + bytes([0]) + struct.pack("<I", json_len)[:3] + bytes([depth])


def obj_near_limit(k, delta, depth=1):
    return bytes([OBJECT]) + key(k) + bytes([1]) + struct.pack("<b", delta) + bytes([depth])


def of_kind(k, kind):
    """A member of kind with no value bytes (an id list's array: empty)."""
    return bytes([kind]) + key(k) + (b"\0" if kind == ARRAY and k in ID_LISTS else b"")


# The keys whose arrays carry elements (fuzz_payload.c's DecodeArray)
ID_LISTS = ["contact_ids", "company_ids"]
MAX_IDS = 50


def element_count(n):
    """The count byte: 0..7, or 44..55 (around the limit)."""
    if n < 8:
        return bytes([n])
    assert 44 <= n <= 55
    return bytes([132 + n - 44])  # 132 is 0 modulo 12


# An id list's elements (see DecodeElement): an id of its own ("c<index>"),
# one of four ids, a copy of an earlier element, a string, other kinds
def own():
    return bytes([0])


def one_of_four(n):
    return bytes([1, n])


def copy_of(j):
    return bytes([2, j])


def el_text(s):
    raw = s.encode() if isinstance(s, str) else s
    return bytes([3, 0]) + struct.pack("<H", len(raw)) + raw


def el_repeat(unit, base, delta):
    raw = unit.encode()
    sel = {255: 0, 1000: 1, 100000: 2}[base]
    return bytes([3, 3, len(raw) - 1]) + raw + bytes([sel]) + struct.pack("<b", delta)


def el_number(s):
    return bytes([5, 2, len(s)]) + s.encode()


EL_NULL, EL_BOOL, EL_OBJECT, EL_ARRAY = bytes([4]), bytes([6]), bytes([7, 1]), bytes([7, 0])


def ids(k, *elements, count=None):
    """An array member of contact_ids or company_ids: its elements, or,
    over the limit, only a count (no elements are built)."""
    assert k in ID_LISTS
    n = len(elements) if count is None else count
    assert count is None or (count > MAX_IDS and not elements)
    return bytes([ARRAY]) + key(k) + element_count(n) + b"".join(elements)


def payload(*members, encoding=UTF8, mode=CREATE):
    assert len(members) <= 16
    return bytes([encoding | mode, len(members)]) + b"".join(members)


def patch(*members, encoding=UTF8):
    return payload(*members, encoding=encoding, mode=PATCH)


README_NOTE = "Customer asked about migration help next quarter."
README_CALL = "Walked through the platform, customer is interested in the Pro plan."

SEEDS = {
    "readme_note": payload(label("activity_type", 0), text("contact_id", "c_01HXYZ"),
                           text("title", "Follow-up needed"), text("description", README_NOTE),
                           obj("metadata", 2)),
    "readme_call": payload(label("activity_type", 1), text("contact_id", "c_01HXYZ"),
                           text("title", "Discovery call"), text("description", README_CALL),
                           number("duration_minutes", "32"),
                           text("completed_at", "2026-04-29T15:30:00.000Z"),
                           obj("metadata", 25),
                           text("occurred_at", "2026-04-29T15:00:00.000Z")),
    "all_fields_nulls": payload(label("activity_type", 4), text("company_id", "co_ACME"),
                                *[of_kind(f, NULL) for f in ACCEPTED[3:]]),
    "unit_valid_call": payload(label("activity_type", 1), text("contact_id", "c1"),
                               number("duration_minutes", "32"),
                               text("due_date", "2026-05-06T17:00:00.000Z")),
    "unknown_field": payload(label("activity_type", 0), text("contactId", "c1")),
    "null_type_required": payload(text("contact_id", "c1"), of_kind("activity_type", NULL)),
    "type_not_a_choice": payload(text("activity_type", "phone"), text("contact_id", "c1")),
    "type_capitalised": payload(label("activity_type", 7), text("contact_id", "c1")),
    "empty_contact_before_title": payload(label("activity_type", 0), of_kind("title", BOOL),
                                          text("contact_id", "")),
    "no_owner": payload(label("activity_type", 0), of_kind("company_id", NULL)),
    "empty_payload": payload(),
    "title_1001": payload(label("activity_type", 0), text("contact_id", "c"),
                          repeat("title", "x", 1000, 1)),
    "title_1000_euros": payload(label("activity_type", 0), text("contact_id", "c"),
                                repeat("title", "\u20ac", 1000, 0)),
    "description_100001": payload(label("activity_type", 0), text("company_id", "co"),
                                  repeat("description", "\u00e9", 100000, 1)),
    "contact_id_256": payload(label("activity_type", 2), repeat("contact_id", "\U0001F600", 255, 1)),
    "duration_minus_zero": payload(label("activity_type", 1), text("contact_id", "c"),
                                   number("duration_minutes", "-0.000")),
    "duration_just_over": payload(label("activity_type", 1), text("contact_id", "c"),
                                  number("duration_minutes", "1000000.001")),
    "duration_leading_zeros": payload(label("activity_type", 1), text("contact_id", "c"),
                                      number("duration_minutes", "0001000000")),
    "duration_huge": payload(label("activity_type", 1), text("contact_id", "c"),
                             number("duration_minutes", "9" * 38)),
    "duration_string": payload(label("activity_type", 1), text("contact_id", "c"),
                               text("duration_minutes", "32")),
    "metadata_65537": payload(label("activity_type", 0), text("contact_id", "c"),
                              obj_near_limit("metadata", 1)),
    "metadata_65536": payload(label("activity_type", 0), text("contact_id", "c"),
                              obj_near_limit("metadata", 0)),
    "metadata_depth_33": payload(label("activity_type", 0), text("contact_id", "c"),
                                 obj("metadata", 500, 33)),
    "metadata_array": payload(label("activity_type", 0), text("contact_id", "c"),
                              of_kind("metadata", ARRAY)),
    "due_date_feb_30": payload(label("activity_type", 4), text("contact_id", "c"),
                               text("due_date", "2026-02-30")),
    "due_date_tomorrow": payload(label("activity_type", 4), text("contact_id", "c"),
                                 text("due_date", "tomorrow")),
    "due_date_number": payload(label("activity_type", 4), text("contact_id", "c"),
                               number("due_date", "20260101")),
    "todo_built_stamps": payload(label("activity_type", 5), text("contact_id", "c"),
                                 stamp("due_date", 0x0B, [0xEA, 0x07, 5, 6, 17, 0, 0, 3, 1, 2, 3, 5, 5, 45]),
                                 stamp("completed_at", 0x33, [5, 12, 31, 23, 59, 59, 5, 9, 9, 9, 9, 9, 9]),
                                 stamp("occurred_at", 0x00, [0xD0, 0x07, 2, 29])),
    "repeated_key_last_counts": payload(label("activity_type", 0), label("activity_type", 4),
                                        text("company_id", "co")),
    "long_unknown_key_utf8": payload(label("activity_type", 0),
                                     text(("\u00e9" * 75) + "x", "v")),
    "empty_key": payload(label("activity_type", 0), text("contact_id", "c"), text("", "v")),
    "invalid_utf8": payload(label("activity_type", 0), text("contact_id", b"\xc3\x28\xa0"),
                            text("title", b"\xe2\x82"), text(b"\xff\xfe" * 60, "v")),
    "unit_encoding": payload(label("activity_type", 6), text("contact_id", "\u00e9t\u00e9"),
                             repeat("title", "\u20ac", 1000, 1), encoding=UNIT_UTF8),
    "single_byte_encoding": payload(label("activity_type", 3), repeat("company_id", "\u00e9", 255, 0),
                                    encoding=SINGLE_BYTE),
    # owner_id, an id like contact_id
    "owner_id_valid": payload(label("activity_type", 1), text("contact_id", "c"),
                              text("owner_id", "u_ana")),
    "owner_id_empty": payload(label("activity_type", 1), text("contact_id", "c"),
                              text("owner_id", "")),
    "owner_id_256": payload(label("activity_type", 1), text("contact_id", "c"),
                            repeat("owner_id", "\u20ac", 255, 1)),
    "owner_id_number": payload(label("activity_type", 1), text("contact_id", "c"),
                               number("owner_id", "7")),
    "owner_id_alone": payload(label("activity_type", 4), text("owner_id", "u_ana")),
    "owner_id_after_occurred_at": payload(text("owner_id", ""), label("activity_type", 0),
                                          text("contact_id", "c"),
                                          text("occurred_at", "yesterday")),
    "create_server_fields": payload(label("activity_type", 0), text("contact_id", "c"),
                                    *[text(k, "x") for k in SERVER_SET]),
    "create_version_null": payload(label("activity_type", 0), text("contact_id", "c"),
                                   of_kind("version", NULL)),
    # patches
    "patch_empty": patch(),
    "patch_readme": patch(text("title", "Follow-up booked"), text("owner_id", "u_ana"),
                          obj("metadata", 17)),
    "patch_nulls": patch(*[of_kind(f, NULL) for f in ACCEPTED if f not in
                           ("activity_type", "occurred_at")]),
    "patch_clear_activity_type": patch(of_kind("title", BOOL), of_kind("activity_type", NULL)),
    "patch_clear_occurred_at": patch(text("title", "t"), of_kind("occurred_at", NULL)),
    "patch_clear_occurred_at_before_owner": patch(of_kind("occurred_at", NULL),
                                                  text("owner_id", "")),
    "patch_null_then_value": patch(of_kind("activity_type", NULL), label("activity_type", 5),
                                   of_kind("occurred_at", NULL),
                                   text("occurred_at", "2026-04-29T15:00:00Z")),
    "patch_value_then_null": patch(text("title", "a"), of_kind("title", NULL)),
    "patch_clear_both_owners": patch(of_kind("contact_id", NULL), of_kind("company_id", NULL)),
    "patch_fixed_fields": patch(*[text(k, "x") for k in SERVER_SET]),
    "patch_fixed_version": patch(of_kind("title", BOOL), number("version", "3")),
    "patch_fixed_id_null": patch(of_kind("id", NULL)),
    "patch_fixed_workspace": patch(text("title", "t"), text("workspace_id", "ws_other")),
    "patch_unknown_key": patch(text("title", "t"), of_kind("foo", NULL)),
    "patch_unknown_before_fixed": patch(text("contactId", "c"), number("version", "3")),
    "patch_workspace_prefix": patch(text("workspace", "ws")),
    "patch_values": patch(label("activity_type", 4),
                          text("due_date", "2026-05-06T19:00:00+02:00"),
                          number("duration_minutes", "1000000"), text("owner_id", "u_ana"),
                          text("company_id", "co"), obj_near_limit("metadata", 0, 32)),
    "patch_bad_type": patch(label("activity_type", 7)),
    "patch_title_1001": patch(repeat("title", "x", 1000, 1)),
    "patch_contact_empty": patch(text("contact_id", "")),
    "patch_duration_over": patch(number("duration_minutes", "1000000.001")),
    "patch_metadata_array": patch(of_kind("metadata", ARRAY)),
    "patch_metadata_deep": patch(obj("metadata", 100, 33)),
    "patch_due_date_range": patch(text("due_date", "2026-02-30")),
    "patch_built_stamps": patch(stamp("completed_at", 0x33, [5, 12, 31, 23, 59, 59, 5, 9, 9, 9, 9, 9, 9]),
                                stamp("occurred_at", 0x0B, [0xEA, 0x07, 5, 6, 17, 0, 0, 3, 1, 2, 3, 5, 5, 45])),
    "patch_single_byte": patch(repeat("owner_id", "\u00e9", 255, 0), encoding=SINGLE_BYTE),
    # contact_ids and company_ids: up to 50 distinct ids, elements named from 0
    "contact_ids_only": payload(label("activity_type", 2),
                                ids("contact_ids", el_text("c_ana"), el_text("c_ben"))),
    "contact_ids_with_primary": payload(label("activity_type", 2), text("contact_id", "c_ana"),
                                        ids("contact_ids", el_text("c_ben"), el_text("c_ana"))),
    "company_ids_only": payload(label("activity_type", 0), ids("company_ids", own(), own(), own())),
    "contact_ids_50": payload(label("activity_type", 1), ids("contact_ids", *[own()] * 50)),
    "contact_ids_51": payload(label("activity_type", 1), ids("contact_ids", count=51)),
    "contact_ids_empty_no_owner": payload(label("activity_type", 0), ids("contact_ids")),
    "contact_ids_empty_company_ids": payload(label("activity_type", 0), ids("contact_ids"),
                                             ids("company_ids", el_text("co"))),
    "contact_ids_empty_company_id": payload(label("activity_type", 0), ids("contact_ids"),
                                            text("company_id", "co")),
    "company_ids_null_no_owner": payload(label("activity_type", 0), ids("contact_ids"),
                                         of_kind("company_ids", NULL)),
    "contact_ids_duplicate": payload(label("activity_type", 0),
                                     ids("contact_ids", el_text("a"), el_text("b"), el_text("a"))),
    "contact_ids_copy_duplicate": payload(label("activity_type", 0),
                                          ids("contact_ids", own(), own(), copy_of(1))),
    "contact_ids_one_of_four": payload(label("activity_type", 0),
                                       ids("contact_ids", one_of_four(0), one_of_four(1),
                                           one_of_four(2), one_of_four(5))),
    "contact_ids_case_differs": payload(label("activity_type", 0),
                                        ids("contact_ids", el_text("a"), el_text("A"))),
    "contact_ids_prefix_differs": payload(label("activity_type", 0),
                                          ids("contact_ids", el_text("ab"), el_text("a"))),
    "contact_ids_duplicate_euros": payload(label("activity_type", 0),
                                           ids("contact_ids", el_repeat("\u20ac", 255, -128),
                                               copy_of(0))),
    "contact_ids_number_element": payload(label("activity_type", 0),
                                          ids("contact_ids", el_text("a"), el_text("b"),
                                              el_text("c"), el_number("7"))),
    "contact_ids_null_element": payload(label("activity_type", 0),
                                        ids("contact_ids", el_text("a"), EL_NULL)),
    "contact_ids_bool_element": payload(label("activity_type", 0), ids("contact_ids", EL_BOOL)),
    "contact_ids_nested_array": payload(label("activity_type", 0),
                                        ids("contact_ids", own(), EL_ARRAY)),
    "contact_ids_object_element": payload(label("activity_type", 0),
                                          ids("contact_ids", own(), EL_OBJECT)),
    "contact_ids_empty_element": payload(label("activity_type", 0),
                                         ids("contact_ids", el_text("a"), el_text(""))),
    "contact_ids_repeat_before_empty": payload(label("activity_type", 0),
                                               ids("company_ids", el_text("a"), copy_of(0),
                                                   el_text(""))),
    "company_ids_256": payload(label("activity_type", 0),
                               ids("company_ids", own(), el_repeat("\u20ac", 255, 1))),
    "company_ids_255_euros": payload(label("activity_type", 0),
                                     ids("company_ids", own(), el_repeat("\u20ac", 255, 0))),
    "company_ids_single_byte": payload(label("activity_type", 0),
                                       ids("company_ids", el_repeat("\u00e9", 255, 0),
                                           el_repeat("\u00e9", 255, 0)),
                                       encoding=SINGLE_BYTE),
    "contact_ids_string": payload(label("activity_type", 0), text("contact_ids", "c1")),
    "company_ids_object": payload(label("activity_type", 0), obj("company_ids", 2)),
    "id_lists_after_owner_id": payload(ids("company_ids", el_text("")),
                                       ids("contact_ids", el_text("")), text("owner_id", ""),
                                       label("activity_type", 0)),
    "id_lists_contact_ids_first": payload(ids("company_ids", el_text("")),
                                          ids("contact_ids", el_text("")),
                                          label("activity_type", 0)),
    "via_company_ids_create": payload(label("activity_type", 0), text("contact_id", "c"),
                                      of_kind("via_company_ids", ARRAY)),
    "via_company_ids_patch": patch(text("title", "t"), of_kind("via_company_ids", NULL)),
    "id_list_raw_key": payload(label("activity_type", 0), of_kind(b"contact_ids", ARRAY) + b"\x02" +
                               own() + own()),
    "patch_contact_ids_replace": patch(ids("contact_ids", el_text("c9"), el_text("c1")),
                                       of_kind("company_ids", NULL)),
    "patch_company_ids_empty": patch(ids("company_ids")),
    "patch_contact_ids_duplicate": patch(ids("contact_ids", own(), copy_of(0))),
    "patch_company_ids_55": patch(ids("company_ids", count=55)),
    "patch_contact_ids_44": patch(ids("contact_ids", *[own()] * 44)),
}


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_payload")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(SEEDS)} seeds in {out}")


if __name__ == "__main__":
    main()
