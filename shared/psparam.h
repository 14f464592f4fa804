/*
 * COM_STMT_EXECUTE parameters as partition-key values: the binary
 * protocol's values of a prepared statement's placeholders, decoded into
 * struct obp_part_value (part.h) for the classifier's `?` (sqlclass.h).
 *
 * The payload: command (1), statement id (4), flags (1), iteration count
 * (4), then, when the statement has placeholders, a NULL bitmap
 * ((n + 7) / 8 bytes), the new-params-bound flag (1), with flag 1 two
 * type bytes per placeholder (type, then 0x80 for unsigned), and the
 * values of the placeholders that are neither NULL nor sent before as
 * long data.  With flag 0 the types are those of the last execution that
 * sent them: the caller records them (obp_psparam_types) and passes them.
 * The proxy never offers CLIENT_QUERY_ATTRIBUTES, so no attribute count
 * or names come in the packet.
 *
 * Values are read as MySQL and MariaDB servers read them: TINY, SHORT,
 * LONG, LONGLONG as 1, 2, 4, 8 little-endian bytes; FLOAT and DOUBLE as
 * IEEE 4 and 8 bytes; DATE, DATETIME, TIMESTAMP as a length byte (0, 4, 7
 * or 11) and year(2) month day [hour minute second [microseconds(4)]];
 * TIME as a length byte (0, 8 or 12) and negative(1) days(4) hour minute
 * second [microseconds(4)]; every other type (DECIMAL, strings, BLOBs,
 * ENUM, SET, JSON, BIT, and INT24 and YEAR, which the servers read as
 * strings too) as a length-encoded string.
 *
 * What comes out:
 *   NULL bit set            OBP_PV_NULL
 *   integers                OBP_PV_INT, or OBP_PV_UINT when unsigned
 *   DECIMAL, NEWDECIMAL     OBP_PV_DECIMAL, the text as sent
 *   FLOAT, DOUBLE           OBP_PV_FLOAT, "%.17g" text in <scratch>
 *   temporal types          OBP_PV_DATETIME text in <scratch>, as
 *                           part_cast.c reads it: "YYYY-MM-DD",
 *                           "YYYY-MM-DD HH:MM:SS[.ffffff]",
 *                           "[-]HH:MM:SS[.ffffff]" (hours = days * 24 +
 *                           hour)
 *   strings, ENUM, SET,     OBP_PV_STRING pointing into the payload,
 *   JSON, INT24, YEAR       collation 0 (the connection's)
 *   BLOB types              OBP_PV_STRING, collation 63 (binary: the
 *                           servers take them as binary strings)
 *   long data, BIT, NaN,    OBP_PV_UNKNOWN (no usable key; the value is
 *   odd temporal lengths,   skipped)
 *   no room in scratch
 *   GEOMETRY, NULL type,    OBP_PV_UNKNOWN for it and every later value:
 *   NEWDATE without NULL    the servers disagree on their size, so
 *   bit                     nothing after it can be found
 *
 * A packet that is not a COM_STMT_EXECUTE, too short for what it
 * announces, a length past the end, an unknown type code or a flag byte
 * other than 0 or 0x80 (which MariaDB refuses) is malformed: OBP_ERROR
 * and every value UNKNOWN.  Nothing is read past <len>, nothing is
 * allocated; strings point into <payload>, texts into <scratch>, so both
 * must outlive the values.
 */
#ifndef OBP_SHARED_PSPARAM_H
#define OBP_SHARED_PSPARAM_H

#include <stddef.h>
#include <stdint.h>

#include "part.h"

/* Scratch bytes one FLOAT, DOUBLE or temporal value may take. */
#define OBP_PSPARAM_TEXT_MAX 32

/* Scratch that holds the texts of <n> placeholders, whatever their types. */
#define OBP_PSPARAM_SCRATCH(n) ((size_t)(n) * OBP_PSPARAM_TEXT_MAX)

/*
 * Decodes the values of the <nparams> placeholders into out[0..nparams).
 * <types>: the 2 * nparams type bytes recorded for the statement, used
 * when the packet's new-params-bound flag is 0 (NULL: none recorded, the
 * values are then UNKNOWN).  <long_data>: a (nparams + 7) / 8 byte bitmap
 * of the placeholders sent by COM_STMT_SEND_LONG_DATA since the last
 * execution (bit i % 8 of byte i / 8), whose values are not in the
 * packet; NULL when none were.  <scratch> (<scratch_len> bytes; NULL and
 * 0 allowed) receives the texts of FLOAT, DOUBLE and temporal values;
 * OBP_PSPARAM_SCRATCH(nparams) always suffices, a value whose text does
 * not fit is UNKNOWN.  Returns OBP_OK, or OBP_ERROR for a malformed packet
 * (every value then UNKNOWN).
 */
int obp_psparam_decode(const uint8_t *payload, size_t len, uint16_t nparams,
                       const uint8_t *types, const uint8_t *long_data,
                       char *scratch, size_t scratch_len,
                       struct obp_part_value *out);

/*
 * The 2 * nparams type bytes the packet sends (new-params-bound flag 1),
 * for the caller to record; NULL when it sends none or is too short.
 */
const uint8_t *obp_psparam_types(const uint8_t *payload, size_t len,
                                 uint16_t nparams);

#endif
