/*
 * A writer thread for the request logs of a worker (ODP's
 * enable_async_log): the event loop only copies a line into its file's
 * buffer; the thread writes the buffers, one write() per file and turn,
 * and rotates and reopens those files.  A log device that stops taking
 * writes holds the thread, never the loop: a full buffer waits a little
 * for the thread while its writes return, and once one has not returned
 * for half a second the lines that do not fit are dropped and counted
 * (obp_log_async_dropped).
 *
 * Each file has two buffers, one filled under the lock while the thread
 * writes the other; the thread is woken only when a buffer stops being
 * empty, so a burst of lines costs one wake-up.  The master and the
 * monitor do not start it: they write as before.
 */
#ifndef OBP_SHARED_LOG_ASYNC_H
#define OBP_SHARED_LOG_ASYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OBP_LOG_ASYNC_BUF   65536   /* bytes a file's buffer holds */
#define OBP_LOG_ASYNC_FILES 8       /* files indexed 0 .. 7 */

/* The thread's work, called outside the lock. */
struct obp_log_async_ops {
    void (*write)(int file, const char *buf, size_t len);
    void (*reopen)(void);           /* reopen the thread's files */
    void (*tick)(void);             /* once a second: follow renames */
};

/* Starts the thread.  OBP_ERROR with errno set when it cannot. */
int obp_log_async_start(const struct obp_log_async_ops *ops);

bool obp_log_async_running(void);

/* Copies <len> bytes of whole lines for <file>; false when dropped. */
bool obp_log_async_push(int file, const char *buf, size_t len);

/* The thread reopens its files before its next write. */
void obp_log_async_reopen(void);

/*
 * Stops the thread once it wrote what is buffered, waiting at most
 * <wait_us>.  False when it did not stop (a write that does not return):
 * its files must then be left alone.
 */
bool obp_log_async_stop(int64_t wait_us);

/* Lines dropped so far because a buffer was full. */
uint64_t obp_log_async_dropped(void);

#endif
