#!/usr/bin/env python3
"""Write the seed corpus of fuzz_payload (test/fuzz/corpus/fuzz_payload/).

Each seed is a payload in fuzz_payload.c's input layout (see its header
comment).  Run from anywhere: python3 test/fuzz/make_payload_seeds.py
The seeds are committed; this script is how they were made.
"""
import os
import struct

FIELDS = ["activity_type", "contact_id", "company_id", "title", "description",
          "due_date", "duration_minutes", "completed_at", "metadata", "occurred_at"]
TYPES = ["note", "call", "meeting", "video_call", "task", "todo", "reminder"]
NULL, STRING, NUMBER, BOOL, OBJECT, ARRAY = range(6)
UTF8, UNIT_UTF8, SINGLE_BYTE = 0, 2, 3


def key(k):
    if isinstance(k, str) and k in FIELDS:
        return bytes([FIELDS.index(k)])
    raw = k.encode() if isinstance(k, str) else k
    assert len(raw) < 512
    return bytes([200 | (len(raw) >> 8), len(raw) & 0xFF]) + raw


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
    return bytes([kind]) + key(k)


def payload(*members, encoding=UTF8):
    return bytes([encoding, len(members)]) + b"".join(members)


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
                                *[of_kind(f, NULL) for f in FIELDS[3:]]),
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
