/*
 * The flat JSON objects of ODP's settings: ssl_attributes
 * ({"using_ssl": "ENABLE_FORCE"}) and ssl_config's key_info
 * ({"sourceType": "FILE", "CA": "...", "publicKey": "...", ...}).  Only
 * an object whose values are strings; a string may not hold an escape
 * (a backslash), which neither needs.  Used by transport.c and
 * level_tls.c.
 */
#ifndef OBP_SHARED_JSONOBJ_H
#define OBP_SHARED_JSONOBJ_H

#include <stddef.h>

#define OBP_JSONOBJ_KEY_MAX 32      /* longest key, NUL included */
#define OBP_JSONOBJ_VAL_MAX 4096    /* longest value, NUL included */

/*
 * Called for each member in order; OBP_OK to go on, else OBP_ERROR with
 * a phrase in <err>.
 */
typedef int (*obp_jsonobj_fn)(void *arg, const char *key, const char *val,
                              char *err, size_t errlen);

/*
 * Walks the object <json> ("" or blanks: no member), handing each member
 * to <fn>; a key or a value longer than its _MAX is an error.  OBP_OK,
 * or OBP_ERROR with a phrase in <err> (<fn>'s, or "not a JSON object of
 * strings ...").
 */
int obp_jsonobj_each(const char *json, obp_jsonobj_fn fn, void *arg,
                     char *err, size_t errlen);

#endif
