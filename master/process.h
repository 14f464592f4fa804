/*
 * The worker slots: spawning a worker into a slot, reaping it, respawning
 * it with back-off, and sending it channel messages.  Called by main.c,
 * stop.c, reload.c, signal.c and ctl.c.
 */
#ifndef OBP_MASTER_PROCESS_H
#define OBP_MASTER_PROCESS_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct obp_master;

struct obp_slot {
    int                index;
    pid_t              pid;         /* 0 when the slot is empty */
    int                chan_fd;     /* the master's end, -1 when empty */
    int64_t            started_us;  /* monotonic */
    int64_t            backoff_us;  /* delay before the next respawn */
    ev_child           child;
    ev_timer           respawn;
};

/* Allocates m->nslots slots (no process yet). */
int obp_proc_init(struct obp_master *m);

/* Spawns a worker in every empty slot; a failed fork is retried later. */
void obp_proc_spawn_all(struct obp_master *m);

/* Slot <slot>'s entry in the segment (this generation's half). */
struct obp_shm_worker *obp_proc_shm(const struct obp_master *m, int slot);

/* Live workers. */
int obp_proc_live(const struct obp_master *m);

/*
 * Sends <cmd> to every live worker, logging each failure with the slot
 * and pid.  With <term_on_fail>, a worker that cannot be told gets
 * SIGTERM instead.  Returns the number of failures.
 */
int obp_proc_send_all(struct obp_master *m, uint32_t cmd,
                      const void *payload, size_t len, bool term_on_fail);

/* Sends <signo> to every live worker, logging each at <level>. */
void obp_proc_kill_all(struct obp_master *m, int signo, int level);

/* Cancels pending respawns (the master is stopping). */
void obp_proc_cancel_respawns(struct obp_master *m);

/*
 * In a forked child (worker or monitor): stops the master's watchers and
 * closes what belongs to the master only.
 */
void obp_proc_in_child(struct obp_master *m);

/*
 * The delay before a respawn: none after a healthy run, else 100 ms
 * doubling up to 10 s, so a crash loop cannot spin.
 */
int64_t obp_proc_backoff(int64_t backoff_us, int64_t ran_us);

/* Logs a child's exit: "<what> (pid N) was killed by signal ...". */
void obp_proc_log_exit(const struct obp_master *m, const char *what,
                       pid_t pid, int status);

/* Stops the watchers and closes the channels; the workers are not told. */
void obp_proc_free(struct obp_master *m);

#endif
