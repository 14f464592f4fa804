/*
 * SIGHUP: builds a new configuration generation and swaps it in, or
 * changes nothing.  Called by signal.c and ctl_config.c;
 * obp_reload_apply_master() also by main.c at start.
 */
#ifndef OBP_MASTER_RELOAD_H
#define OBP_MASTER_RELOAD_H

struct obp_master;
struct obp_conf;
struct obp_errs;
struct obp_state;

/*
 * OBP_OK when the new configuration is running, OBP_ERROR otherwise with
 * the reasons added to <errs> (and logged).  <st> is the state to apply
 * (NULL: the state file).  Changed parameters that need a restart are
 * added to <notes>.  Both lists are the caller's.
 */
int obp_reload(struct obp_master *m, const struct obp_state *st,
               struct obp_errs *errs, struct obp_errs *notes);

/* Applies the settings the master itself uses (log level, rotation). */
void obp_reload_apply_master(const struct obp_conf *conf);

/*
 * Registers the servers of rootservice_list in the segment's server
 * table (the blocklist), before the workers that use them see the
 * configuration.
 */
void obp_reload_servers(struct obp_master *m);

#endif
