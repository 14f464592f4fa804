/*
 * SQL text the proxy writes itself, grown in one malloc'd buffer.  Every
 * value that reaches such a text goes through obp_sqltext_hex (a literal
 * whose meaning no sql_mode can change: no quote or backslash inside)
 * or obp_sqltext_ident (a `name` with its backquotes doubled); nothing a
 * client or a server sent is ever spliced in as it is.  The owner frees
 * p with obp_sqltext_free.  ssync.c and lookup.c write with it.
 */
#ifndef OBP_SHARED_SQLTEXT_H
#define OBP_SHARED_SQLTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct obp_sqltext {
    char   *p;          /* NUL-terminated; NULL until the first byte */
    size_t  len;
    size_t  cap;
    bool    err;        /* memory ran out: the text is incomplete */
};

/* Appends <n> bytes of the proxy's own SQL (keywords, numbers). */
void obp_sqltext_add(struct obp_sqltext *q, const void *s, size_t n);

/* The same for a NUL-terminated string. */
void obp_sqltext_adds(struct obp_sqltext *q, const char *s);

/* `name`, backquotes doubled: an identifier, whatever its bytes. */
void obp_sqltext_ident(struct obp_sqltext *q, const char *name);

/* X'...': any bytes as a binary string literal. */
void obp_sqltext_hex(struct obp_sqltext *q, const void *p, size_t n);

/* Frees the text and empties <q>. */
void obp_sqltext_free(struct obp_sqltext *q);

#endif
