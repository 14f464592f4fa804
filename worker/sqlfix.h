/*
 * In-place rewrites of a statement's text in the client's buffer, before
 * it is relayed: a span is replaced by text no longer than itself, padded
 * with spaces, so the packet keeps its length and nothing moves.  Used
 * where the server would read a value that only the proxy knows the
 * meaning of: CONNECTION_ID() becomes the client's connection id (the
 * proxy's, not the server session's), a KILL the proxy carries out
 * becomes a statement the server answers alike.  The spans are found
 * with the SQL lexer.  kill.c and request.c call in.
 */
#ifndef OBP_WORKER_SQLFIX_H
#define OBP_WORKER_SQLFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Whether <text> holds <word> (ASCII, upper case) in any case: a cheap
 * test before the lexer runs on every statement.
 */
bool obp_sqlfix_has_word(const char *text, size_t n, const char *word);

/* Replaces <n> bytes at <p> by <with> (at most <n> bytes), then spaces. */
void obp_sqlfix_span(char *p, size_t n, const char *with);

/*
 * Replaces each CONNECTION_ID() call of <text> (outside strings and
 * comments, as the server reads it) by <id>.  Returns how many.
 */
unsigned obp_sqlfix_connid(char *text, size_t n, bool backslash,
                           uint32_t id);

#endif
