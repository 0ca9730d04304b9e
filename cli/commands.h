/* commands.h - every subcommand's entry (one cmd-*.c each), for the table in main.c */
#ifndef FU_COMMANDS_H
#define FU_COMMANDS_H

#include "cli.h"

extern const struct cmd cmd_init, cmd_demo, cmd_import, cmd_contacts, cmd_show, cmd_event,
	cmd_agenda, cmd_done, cmd_snooze, cmd_playbook, cmd_report, cmd_lapsed, cmd_model,
	cmd_status, cmd_rebuild, cmd_version;
extern const struct cmd cmd_send, cmd_outbox, cmd_unsubscribe, cmd_receive,
	cmd_digest;
extern const struct cmd cmd_serve, cmd_user, cmd_token, cmd_form, cmd_backup;

#endif
