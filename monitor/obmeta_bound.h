/*
 * The bounds of RANGE and LIST partitions as OceanBase's metadata gives
 * them (ODP-REFERENCE 5.5, 5.6): the column high_bound_val_bin of
 * __all_virtual_proxy_partition and __all_virtual_proxy_sub_partition
 * holds OceanBase's own serialization of the bound, which this module
 * turns into the bound text the partition builder reads (shared/part.h),
 * so that a table read from the cluster is built, checked and routed
 * exactly as a declared one.
 *
 * The layout (OceanBase's ObObj, ObRowkey and ObNewRow serialization):
 *
 *   varint    7 bits a byte, least significant group first, the high
 *             bit set on every byte but the last (encode_vi64; a 32-bit
 *             field the same, at most 5 bytes, encode_vi32)
 *   object    type, collation level, collation, scale (one byte each),
 *             then the value by type: TINYINT, UTINYINT one raw byte;
 *             SMALLINT, MEDIUMINT, INT, and their unsigned forms a
 *             32-bit varint (negatives as their 32-bit pattern); BIGINT,
 *             BIGINT UNSIGNED a 64-bit varint; DATE a 32-bit varint of
 *             days since 1970-01-01; DATETIME a 64-bit varint of
 *             microseconds since 1970-01-01 00:00:00 (no time zone);
 *             VARCHAR, CHAR a varint length, the bytes and a NUL;
 *             NULL nothing; an extended object a 64-bit varint (1 the
 *             minimum, 2 the maximum)
 *   RANGE     one rowkey: a varint count of objects, the objects; the
 *             maximum object is MAXVALUE
 *   LIST      rows one after the other to the end: each a varint count
 *             of objects, the objects, a varint count of projector
 *             entries and those (32-bit varints, ignored); a single row
 *             of a single extended object is the DEFAULT partition
 *
 * Other types (decimals, floats, TIMESTAMP, TIME, YEAR, texts) are
 * refused: such a table is not published.
 */
#ifndef OBP_MONITOR_OBMETA_BOUND_H
#define OBP_MONITOR_OBMETA_BOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most objects a rowkey or a row may hold (OBP_PART_MAX_COLS). */
#define OBP_OBMETA_BOUND_COLS   16

/*
 * Writes the bound text of <len> bytes at <buf> into <out> (<cap> bytes,
 * NUL-terminated): a RANGE bound ("10, 'abc'", "MAXVALUE") when <list>
 * is false, else a LIST's values ("(1), (2)", "(1, 'a')", "DEFAULT").
 * OBP_OK, or OBP_ERROR with why in <err> (malformed, truncated, a type
 * not supported, <out> too small).  Every length is checked against
 * <len>; nothing is read beyond it.
 */
int obp_obmeta_bound_text(bool list, const uint8_t *buf, size_t len,
                          char *out, size_t cap, char *err, size_t errlen);

#endif
