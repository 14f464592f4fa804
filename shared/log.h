/*
 * The diagnostic log: log/obproxy.log.  Every line carries the time, the level, the pid,
 * the process role (M for the master, W<n> for worker slot n, MON for the
 * monitor) and the
 * session id when there is one:
 *
 *   [2026-11-21 06:05:03.123456] WARN  [4242][W0][S17] message: strerror
 *
 * WARN and above also go to log/obproxy.log.wf (ODP's enable_syslog_wf
 * file).  The request logs of ODP (obproxy_error.log, obproxy_digest.log,
 * obproxy_slow.log, obproxy_stat.log, obproxy_diagnosis.log) take lines
 * their writers format (worker/reqlog.h) through obp_log_put(), and are
 * rotated, pruned and reopened with the others.
 *
 * Several processes append to the same files (O_APPEND).  Rotation by size
 * is serialized with flock() on the file being rotated; a process whose
 * file was renamed by another notices the new inode and reopens.  Before
 * obp_log_open() lines go to stderr.
 */
#ifndef OBP_SHARED_LOG_H
#define OBP_SHARED_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most severe first; values are the syslog_level enum values. */
enum obp_log_level {
    OBP_LOG_ALERT = 0,  /* a bug: an impossible state */
    OBP_LOG_ERROR,
    OBP_LOG_WARN,
    OBP_LOG_INFO,
    OBP_LOG_EDIAG,
    OBP_LOG_WDIAG,
    OBP_LOG_TRACE,
    OBP_LOG_DEBUG
};

/* The files of the log directory. */
enum obp_log_file {
    OBP_LOG_F_MAIN,         /* obproxy.log: every line */
    OBP_LOG_F_WF,           /* obproxy.log.wf: WARN and above */
    OBP_LOG_F_ERROR,        /* obproxy_error.log: failed requests */
    OBP_LOG_F_DIGEST,       /* obproxy_digest.log */
    OBP_LOG_F_SLOW,         /* obproxy_slow.log */
    OBP_LOG_F_STAT,         /* obproxy_stat.log */
    OBP_LOG_F_DIAG,         /* obproxy_diagnosis.log */
    OBP_LOG_F_COUNT
};

#define OBP_LOG_STAMP_MAX 32    /* "YYYY-MM-DD hh:mm:ss.uuuuuu" and NUL */

/*
 * Opens the files of enum obp_log_file in <dir>, creating <dir>.
 * Returns OBP_OK, or OBP_ERROR with errno set (the caller reports it).
 */
int obp_log_open(const char *dir);

/*
 * A worker hands the request logs (from OBP_LOG_F_ERROR on) to a writer
 * thread (log_async.h): a log device that stops taking writes then holds
 * no statement, its lines are dropped and counted in a WARN line.
 * OBP_ERROR with errno set when the thread cannot start (the lines are
 * then written as before).
 */
int obp_log_start_writer(void);

/*
 * Stops it once it wrote what it holds (a worker's exit), waiting a
 * bounded time; the files are then written by the caller again.
 */
void obp_log_stop_writer(void);

/* Reopens every file (SIGUSR1, after logrotate moved them). */
int obp_log_reopen(void);

/*
 * Writes the summaries of repeated lines whose window closed (see
 * log_fold.h: a line repeated within 10 s is written once, then once
 * with its count): called now and then, so a summary does not wait for
 * the next line.
 */
void obp_log_tick(void);

/* Writes the pending summaries, closes the files; later lines go to
 * stderr. */
void obp_log_close(void);

/* Also copy every line to stderr (foreground start, -t). */
void obp_log_set_stderr(int on);

void obp_log_set_level(int level);
int obp_log_get_level(void);

/* Rotation limits: 0 for max_count keeps every rotated file. */
void obp_log_set_rotation(int64_t max_size, int64_t max_count);

/*
 * log_dir_size_threshold: at each rotation the oldest rotated files of
 * any log are deleted while the log files take more than <max_bytes>
 * (0: no bound).
 */
void obp_log_set_dir_limit(int64_t max_bytes);

#define OBP_LOG_ROLE_MONITOR (-2)

/*
 * Role shown in every line: -1 for the master, OBP_LOG_ROLE_MONITOR for
 * the monitor, else the worker slot.
 */
void obp_log_set_role(int worker_slot);

/*
 * Shown every WARN, ERROR and ALERT line this process writes (<line>,
 * <len> bytes without the newline; <at_us> its wall-clock time), after
 * it was written: a worker keeps the last ones for SHOW WARNLOG
 * (worker/warnlog.h).  It runs inside obp_log(), so it must not log;
 * NULL removes it.
 */
typedef void (*obp_log_tap)(int level, int64_t at_us, const char *line,
                            size_t len);
void obp_log_set_tap(obp_log_tap tap);

/*
 * Writes one line if <level> passes syslog_level.  <sess> is the session
 * id (0 for none); <err> an errno value whose strerror is appended (0 for
 * none).
 */
void obp_log(int level, uint64_t sess, int err, const char *fmt, ...)
    OBP_PRINTF(4, 5);

/*
 * Appends <len> bytes, whole lines the caller formatted, to <f> with one
 * write(), then rotates it by max_log_file_size like the others.
 * Nothing happens before obp_log_open().
 */
void obp_log_put(enum obp_log_file f, const char *buf, size_t len);

/*
 * Writes the local time <at_us> (wall clock) as "YYYY-MM-DD
 * hh:mm:ss.uuuuuu" into <buf> (<cap> >= OBP_LOG_STAMP_MAX); returns its
 * length.
 */
size_t obp_log_stamp(char *buf, size_t cap, int64_t at_us);

/*
 * Copies <n> bytes of <src>, which may carry what a client or a server
 * sent, into <dst> (<room> bytes): control bytes, backslashes and bytes
 * that are no UTF-8 become \n, \t, \r, \\ or \xNN, so no value can forge
 * a line.  Returns the bytes written; *<cut> when <src> did not fit (it
 * stops before a whole escape or character).
 */
size_t obp_log_escape(char *dst, size_t room, const char *src, size_t n,
                      bool *cut);

/* Logs at ALERT and aborts: for states that cannot happen. */
OBP_NORETURN void obp_fatal(const char *fmt, ...) OBP_PRINTF(1, 2);

#endif
