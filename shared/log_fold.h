/*
 * Folding of repeated log lines (log.c), those of sessions: a line whose
 * level and text after the session id match OBP_LOG_FOLD_BURST lines
 * written since a window opened, less than OBP_LOG_FOLD_WINDOW ago, is
 * counted, not written; when the window closes (seen at the next line,
 * at obp_log_tick() or at close) one line "<text> (repeated N times in
 * T s)" follows, N the lines not written.  The first lines of a burst
 * stay, so a few failures read as before and only storms fold.  OBP_LOG_FOLD_SLOTS texts are followed at
 * once, so lines that alternate fold too; the least recently seen is
 * replaced.  Memory is static and per process; no allocation per line.
 */
#ifndef OBP_SHARED_LOG_FOLD_H
#define OBP_SHARED_LOG_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_LOG_FOLD_WINDOW  10000000    /* us */
#define OBP_LOG_FOLD_BURST   10          /* lines written per window */
#define OBP_LOG_FOLD_SLOTS   16
#define OBP_LOG_FOLD_TEXT    256         /* bytes of a text kept */

/* Writes the summary <text> (no newline) at <level>; the logger's. */
typedef void (*obp_log_fold_out)(int level, const char *text, size_t len);

/*
 * True when <text> (<len> bytes) at <level> repeats within its window and
 * is not to be written; else it opens a window.  <out> writes a summary
 * of a slot it replaces.
 */
bool obp_log_fold_seen(int level, const char *text, size_t len,
                       int64_t now_us, obp_log_fold_out out);

/*
 * Writes the summaries of the windows closed by <now_us>, or of every
 * window with repeats when <all> (the log closes).
 */
void obp_log_fold_expire(int64_t now_us, bool all, obp_log_fold_out out);

#endif
