/*
 * A bounded JSON reader (RFC 8259) for answers the proxy fetches: the
 * config server's (monitor/cfgsrv.h).  The whole text is checked, then
 * laid out as a flat array of tokens the caller provides, each value
 * followed by its members or elements; nothing is allocated.  Bounds:
 * OBP_JSON_DEPTH levels of nesting, as many tokens as the caller's array
 * holds; past either, or on any syntax error, the parse fails with a
 * phrase and the offset.  shared/jsonobj.h stays the reader of ODP's
 * flat setting objects.
 */
#ifndef OBP_SHARED_JSON_H
#define OBP_SHARED_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_JSON_DEPTH  32

enum obp_json_type {
    OBP_JSON_OBJECT = 1,
    OBP_JSON_ARRAY,
    OBP_JSON_STRING,            /* start/len: between the quotes, raw */
    OBP_JSON_NUMBER,
    OBP_JSON_TRUE,
    OBP_JSON_FALSE,
    OBP_JSON_NULL
};

/*
 * An object's tokens are its keys (STRING), each followed by its value;
 * an array's its elements.  <end> is the index after the value's last
 * token, so the next sibling.
 */
struct obp_json_tok {
    uint8_t  type;              /* enum obp_json_type */
    uint32_t start;
    uint32_t len;
    uint32_t n;                 /* members or elements */
    uint32_t end;
};

struct obp_json {
    const char          *text;
    size_t               len;
    struct obp_json_tok *tok;
    uint32_t             ntok;
    uint32_t             max;
};

/*
 * Reads <text> (<len> bytes, one value, blanks around it) into <j>, with
 * <tok> of <max> entries.  OBP_OK, or OBP_ERROR with "what at byte N"
 * in <err>.
 */
int obp_json_parse(struct obp_json *j, const char *text, size_t len,
                   struct obp_json_tok *tok, uint32_t max, char *err,
                   size_t errlen);

/* The value of object <obj>'s member <key> (the first one), or -1. */
int obp_json_member(const struct obp_json *j, int obj, const char *key);

/* Array <arr>'s first element, or -1 (none, or not an array). */
int obp_json_first(const struct obp_json *j, int arr);

/* The element after <i> in array <arr>, or -1. */
int obp_json_next(const struct obp_json *j, int arr, int i);

/*
 * String <i> decoded (escapes, \u as UTF-8) into <buf>: OBP_OK, or
 * OBP_ERROR when <i> is no string or it does not fit with its NUL.
 */
int obp_json_string(const struct obp_json *j, int i, char *buf, size_t len);

/* Number <i> when an integer within int64: OBP_OK, else OBP_ERROR. */
int obp_json_int(const struct obp_json *j, int i, int64_t *out);

/* <i> is a value of <type> (false for -1). */
bool obp_json_is(const struct obp_json *j, int i, enum obp_json_type type);

#endif
