/*
 * Partition descriptions and partition calculation (ODP-REFERENCE 5.4 to
 * 5.6 and 6), MySQL mode.
 *
 * A description is one self-contained, position-independent blob: a
 * header followed by arrays, every reference an offset from the start of
 * the blob, no pointers.  It can be memcpy'd into the shared segment and
 * read in place by every process.  Layout (each array 8-byte aligned):
 *
 *   struct obp_part_desc      header: levels, counts, array offsets
 *   struct obp_part_col[]     key columns of level 1, then of level 2
 *   struct obp_part_entry[]   first-level partitions, in declared order
 *   struct obp_part_entry[]   subpartitions, grouped by first-level
 *                             partition (entry.sub_off / entry.nsub)
 *   struct obp_part_cell[]    bound values: an entry has ntuples tuples
 *                             of its level's ncols cells at cells_off
 *   char[]                    names (NUL-terminated) and string bounds
 *
 * The blob must start on an 8-byte boundary (malloc and the segment's
 * allocator give that).
 *
 * Part types use OceanBase 4.x numbering (5.4).  HASH, RANGE and LIST
 * take one integer column (ODP evaluates no partition expression other
 * than the bare column: the SQL value is the key); KEY, RANGE COLUMNS and
 * LIST COLUMNS take 1 to OBP_PART_MAX_COLS columns of the supported
 * types.  Column types use OceanBase's ObObjType numbering.
 *
 * The builder (part_build.c) turns declarations given as text (what the
 * configuration holds) into a blob; the calculation (part_calc.c) casts
 * the SQL's values to the column types (part_cast.c) and finds the
 * partition and subpartition (hashes in part_hash.c).
 */
#ifndef OBP_SHARED_PART_H
#define OBP_SHARED_PART_H

#include <stddef.h>
#include <stdint.h>

#define OBP_PART_MAGIC      0x4f425054u     /* "OBPT" */
#define OBP_PART_MAX_COLS   16
#define OBP_PART_MAX_PARTS  65536   /* of a level, or of one partition */
#define OBP_PART_NAME_MAX   64      /* column names, with the NUL */

/* Part types, OceanBase 4.x numbering. */
enum obp_part_type {
    OBP_PART_HASH = 0,
    OBP_PART_KEY = 1,
    OBP_PART_KEY_IMPLICIT = 2,
    OBP_PART_RANGE = 3,
    OBP_PART_RANGE_COLUMNS = 4,
    OBP_PART_LIST = 5,
    OBP_PART_LIST_COLUMNS = 6
};

/* Supported key column types, OceanBase ObObjType numbering. */
enum obp_part_coltype {
    OBP_PCOL_TINYINT = 1,
    OBP_PCOL_SMALLINT = 2,
    OBP_PCOL_MEDIUMINT = 3,
    OBP_PCOL_INT = 4,
    OBP_PCOL_BIGINT = 5,
    OBP_PCOL_UTINYINT = 6,
    OBP_PCOL_USMALLINT = 7,
    OBP_PCOL_UMEDIUMINT = 8,
    OBP_PCOL_UINT = 9,
    OBP_PCOL_UBIGINT = 10,
    OBP_PCOL_DATETIME = 17,
    OBP_PCOL_DATE = 19,
    OBP_PCOL_TIME = 20,
    OBP_PCOL_YEAR = 21,
    OBP_PCOL_VARCHAR = 22,    /* VARBINARY is VARCHAR with binary */
    OBP_PCOL_CHAR = 23
};

/* Collation ids (MySQL / OceanBase numbering). */
#define OBP_COLL_UTF8MB4_GENERAL_CI 45
#define OBP_COLL_UTF8MB4_BIN        46
#define OBP_COLL_BINARY             63

/* Kinds of stored bound cells. */
enum obp_part_cell_kind {
    OBP_PCELL_NULL = 0,
    OBP_PCELL_INT,          /* signed integers and temporal values */
    OBP_PCELL_UINT,         /* unsigned integers */
    OBP_PCELL_STR,
    OBP_PCELL_MAX           /* MAXVALUE */
};

struct obp_part_level {
    uint8_t  type;          /* enum obp_part_type */
    uint8_t  ncols;
    uint16_t pad;
    uint32_t cols_off;      /* ncols struct obp_part_col */
    uint32_t count;         /* partitions of level 1; per first-level
                               partition see obp_part_entry.nsub */
    int32_t  default_idx;   /* level 1 LIST: DEFAULT partition, or -1 */
};

struct obp_part_desc {
    uint32_t magic;         /* OBP_PART_MAGIC */
    uint32_t size;          /* bytes of the whole blob */
    uint32_t levels;        /* 1 or 2 */
    uint32_t parts_off;     /* level[0].count struct obp_part_entry */
    struct obp_part_level level[2];
};

struct obp_part_col {
    char     name[OBP_PART_NAME_MAX];
    uint8_t  type;          /* enum obp_part_coltype */
    uint8_t  scale;         /* fractional digits of DATETIME / TIME */
    uint16_t collation;     /* strings: their collation; else binary */
    uint32_t pad;
};

struct obp_part_entry {
    int64_t  id;
    uint32_t name_off;      /* NUL-terminated */
    uint32_t ntuples;       /* RANGE: 1; LIST: its values; else 0 */
    uint32_t cells_off;     /* ntuples * ncols struct obp_part_cell */
    uint32_t nsub;          /* first level of a two-level table */
    uint32_t sub_off;       /* nsub struct obp_part_entry */
    int32_t  sub_default;   /* LIST subpartitions: DEFAULT one, or -1 */
    uint8_t  is_default;    /* LIST: the DEFAULT partition */
    uint8_t  pad[7];
};

struct obp_part_cell {
    uint8_t  kind;          /* enum obp_part_cell_kind */
    uint8_t  pad[3];
    uint32_t len;           /* OBP_PCELL_STR: bytes at v.off */
    union {
        int64_t  i;
        uint64_t u;
        uint64_t off;
    } v;
};

/* Reads a blob's parts: <off> comes from the blob itself. */
#define OBP_PART_AT(desc, off, type) \
    ((const type *)(const void *)((const char *)(desc) + (off)))

/*
 * A key value taken from the SQL, before casting to the column type.
 * Texts are not NUL-terminated: <len> bytes at <str>.
 */
enum obp_part_vkind {
    OBP_PV_UNKNOWN = 0,     /* not a constant: no usable key */
    OBP_PV_NULL,
    OBP_PV_INT,             /* i */
    OBP_PV_UINT,            /* u */
    OBP_PV_DECIMAL,         /* str: "-12.50" */
    OBP_PV_FLOAT,           /* str: "1.5e3" */
    OBP_PV_STRING,          /* str, collation (0: the connection's) */
    OBP_PV_DATETIME         /* str: "2024-01-31 10:00:00.5", a DATE or
                               TIME literal or a binary-protocol value */
};

struct obp_part_value {
    enum obp_part_vkind kind;
    uint16_t    collation;
    int64_t     i;
    uint64_t    u;
    const char *str;
    size_t      len;
};

/* Calculation results. */
enum obp_part_rc {
    OBP_PART_COMPUTED = 0,  /* res holds the partition */
    OBP_PART_NO_KEY,        /* a key value is missing or cannot be cast
                               exactly: route without a partition (6.7) */
    OBP_PART_NO_FIT         /* the value fits no partition: route as
                               res says (6.4, 6.5) */
};

/*
 * The partition found.  Indexes count in declared order (subpartitions
 * within their first-level partition).  With OBP_PART_NO_FIT, part_idx 0
 * and sub_idx 0 mean "route to p0 sp0" (RANGE: beyond every bound, as
 * ODP routes it so the server reports the error) and part_idx -1 means
 * no partition (LIST without DEFAULT): route without one (6.7).
 * sub_idx and sub_id are -1 for one-level tables.
 */
struct obp_part_result {
    int32_t part_idx;
    int32_t sub_idx;
    int64_t part_id;
    int64_t sub_id;
};

/*
 * Computes the partition of a key.  <k1> holds one value per level-1 key
 * column (n1 of them, in column order), <k2> likewise for level 2 (NULL
 * and 0 for one-level tables).  Never allocates; reads the blob in place.
 */
enum obp_part_rc obp_part_calc(const struct obp_part_desc *desc,
                               const struct obp_part_value *k1, size_t n1,
                               const struct obp_part_value *k2, size_t n2,
                               struct obp_part_result *res);

/* Looks a first-level partition up by name (PARTITION(p)); -1 if none. */
int obp_part_find_name(const struct obp_part_desc *desc, const char *name);

/*
 * Builder.  Calls in declaration order:
 *
 *   b = obp_part_builder_new();
 *   obp_part_level(b, 1, "RANGE COLUMNS", err, len);
 *   obp_part_column(b, 1, "c1", "BIGINT", NULL, err, len);
 *   obp_part_column(b, 1, "c2", "VARCHAR(32)", "utf8mb4_general_ci", ...);
 *   obp_part_add(b, "p0", -1, "10, 'abc'", err, len);
 *   obp_part_add(b, "p1", -1, "MAXVALUE, MAXVALUE", err, len);
 *   obp_part_finish(b, &desc, err, len);
 *   obp_part_builder_free(b);
 *
 * HASH and KEY levels take obp_part_count (names p0.. / sp0.., ids 0..)
 * or partitions added with an empty bound.  Subpartitions go to the last
 * first-level partition added (obp_part_add_sub) or, templated, to every
 * first-level partition that declares none of its own
 * (obp_part_add_sub_template, or obp_part_count(b, 2, n)); a templated
 * subpartition's name is the partition's name followed by its own, as
 * OceanBase names them (p0sp0).  An id < 0 means "the index": the
 * partition's, or the subpartition's within its partition.
 *
 * Bound texts are SQL literals: integers, 'strings' (with '' and \
 * escapes), NULL (LIST only), MAXVALUE (RANGE), DEFAULT (LIST, alone).
 * RANGE: one tuple, "10, 'abc'" or "(10, 'abc')".  LIST: "1, 2, 3" for
 * one column, "(1, 'a'), (2, 'b')" for several.
 *
 * Every function returns OBP_OK or OBP_ERROR with a message in err (no
 * FILE:LINE: the loader adds it).  After an error the builder may only be
 * freed.  Types, collations and part type names are case-insensitive.
 */
struct obp_part_builder;

struct obp_part_builder *obp_part_builder_new(void);
void obp_part_builder_free(struct obp_part_builder *b);

int obp_part_level(struct obp_part_builder *b, int level, const char *type,
                   char *err, size_t errlen);
int obp_part_column(struct obp_part_builder *b, int level, const char *name,
                    const char *type, const char *collation,
                    char *err, size_t errlen);
int obp_part_count(struct obp_part_builder *b, int level, long n,
                   char *err, size_t errlen);
int obp_part_add(struct obp_part_builder *b, const char *name, int64_t id,
                 const char *bound, char *err, size_t errlen);
int obp_part_add_sub(struct obp_part_builder *b, const char *name,
                     int64_t id, const char *bound, char *err,
                     size_t errlen);
int obp_part_add_sub_template(struct obp_part_builder *b, const char *name,
                              const char *bound, char *err, size_t errlen);

/*
 * The builder's names of a part type, a column type (ObObjType) and a
 * collation id, for a source that reads numbers (the OceanBase
 * metadata, 5.4): NULL when not supported.
 */
const char *obp_part_method_name(int type);
const char *obp_part_coltype_name(unsigned type);
const char *obp_part_coll_name(unsigned id);

/*
 * Validates everything declared and builds the blob into malloc'd memory
 * stored in *desc; the caller frees it with free().
 */
int obp_part_finish(struct obp_part_builder *b, struct obp_part_desc **desc,
                    char *err, size_t errlen);

#endif
