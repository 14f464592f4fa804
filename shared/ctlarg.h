/*
 * Free-text arguments of control-socket requests (obproxyctl and the
 * admin SQL send them the same way): "config level set proxy_config
 * 'c1' 't1' 'proxy_route_policy' 'FOLLOWER_FIRST'".  Each argument is a
 * single-quoted string in which a quote is doubled, as SQL writes a
 * string literal ('it''s'); '' is the empty string.  A bare word (no
 * blank, no quote) stands for itself, so "list white_list" also works.
 * Nothing else is special: a backslash is a byte like any other.  A
 * request is one line, so no argument holds CR or LF.  The master's
 * state file writes its level rows the same way (master/state.h).
 */
#ifndef OBP_SHARED_CTLARG_H
#define OBP_SHARED_CTLARG_H

#include <stddef.h>

/*
 * The longest request line, for the master and its clients alike:
 * config level set with the longest value, every quote doubled.
 */
#define OBP_CTL_LINE_MAX 10240

/*
 * Appends <s> quoted to the line <line> of *<len> bytes (a buffer of
 * <cap>), after a blank unless the line is empty, NUL-terminated, and
 * moves *<len>.  OBP_ERROR, the line unchanged, when <s> holds CR or LF
 * or the line would not fit (2 * strlen(s) + 4 bytes more always do).
 */
int obp_ctlarg_add(char *line, size_t cap, size_t *len, const char *s);

/*
 * Reads the argument at *<p> (blanks before it skipped) into <out>
 * unquoted and NUL-terminated, and moves *<p> past it.  Returns its
 * length, OBP_DONE when only blanks are left, OBP_ERROR for a quote
 * that is not closed, a quote inside a bare word, a closing quote not
 * followed by a blank or the end, or an argument longer than <cap> - 1.
 */
int obp_ctlarg_next(const char **p, char *out, size_t cap);

#endif
